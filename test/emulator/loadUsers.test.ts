/**
 * `npm run emulator -- --users N`: numbered users for load runs, listed in sandbox.json, who keep
 * their ids across restarts and can log in with a real client like the seeded users; and the
 * in-process actions of users without a client (a file sent through the same upload path).
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from 'telegram';
import { parseEmulatorArgs } from '../../src/emulator/cli.js';
import { sendFileAs } from '../../src/emulator/world/inProcessUsers.js';
import { userBox } from '../../src/emulator/world/messageStore.js';
import { buildSandboxClient } from '../helpers/gramClient.js';
import { startTestEmulator } from '../helpers/emulator.js';

describe('emulator load users', function () {
  this.timeout(60_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'courier-emulator-load-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('--users is read as a whole number and bad values are refused with the usage', () => {
    expect(parseEmulatorArgs(['--data-dir', 'x', '--users', '3'])).to.include({ loadUsers: 3 });
    expect(() => parseEmulatorArgs(['--data-dir', 'x', '--users', 'many'])).to.throw(/--users must be 0..1000000.*\n.*usage: emulator/s);
  });

  it('lists N numbered users in sandbox.json, keeps their ids after a restart, and one logs in with the login code', async () => {
    const first = await startTestEmulator({ dataDir, loadUsers: 3 });
    const listed = JSON.parse(readFileSync(join(dataDir, 'sandbox.json'), 'utf8')).load_users as { phone: string; user_id: number }[];
    await first.stop();
    expect(listed.map((u) => u.phone)).to.deep.equal(['+999670000001', '+999670000002', '+999670000003']);

    const again = await startTestEmulator({ dataDir, loadUsers: 4 });
    try {
      const relisted = again.emulator.sandbox.load_users!;
      expect(relisted.slice(0, 3)).to.deep.equal(listed);
      expect(relisted).to.have.length(4);
      const client = buildSandboxClient(again.sandbox, again.sandbox.api_id, again.sandbox.api_hash, '');
      await client.start({ phoneNumber: '+999670000002', phoneCode: async () => again.sandbox.login_code, onError: async () => true });
      try {
        const me = await client.getMe();
        expect(Number(me.id)).to.equal(listed[1]!.user_id);
      } finally {
        await client.destroy();
      }
    } finally {
      await again.stop();
    }
  });

  it('a user without a client sends a file that reaches the bot as a document with its name and type', async () => {
    const t = await startTestEmulator({ loadUsers: 1 });
    try {
      const world = t.emulator.world;
      const from = t.emulator.sandbox.load_users![0]!.user_id;
      const botId = t.emulator.sandbox.bot_user_id;
      sendFileAs(world, from, { user: botId }, { bytes: Buffer.alloc(700_000, 7), fileName: 'big.bin', mimeType: 'application/x-test' });
      const [received] = world.store.latest(userBox(botId), 1);
      const media = received!.message.media;
      expect(media).to.be.instanceOf(Api.MessageMediaDocument);
      const doc = (media as Api.MessageMediaDocument).document as Api.Document;
      expect(doc.mimeType).to.equal('application/x-test');
      expect(Number(doc.size)).to.equal(700_000);
      expect(doc.attributes.some((a) => a instanceof Api.DocumentAttributeFilename && a.fileName === 'big.bin')).to.equal(true);
    } finally {
      await t.stop();
    }
  });
});
