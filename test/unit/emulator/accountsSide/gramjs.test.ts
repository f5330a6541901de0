/**
 * The accounts side with real GramJS clients over 127.0.0.1: bot login by token, user login by
 * code, 2FA by SRP, and a file uploaded by a user and downloaded byte for byte by the bot.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { Api, type TelegramClient } from 'telegram';
import { accountsWiring } from '../../../../src/emulator/rpc/accounts.js';
import { connectBotClient, connectUserClient, startTestEmulator, type TestEmulator } from '../../../helpers/emulator.js';
import { buildSandboxClient } from '../../../helpers/gramClient.js';

describe('emulator accounts side with GramJS', function () {
  this.timeout(60_000);
  let emu: TestEmulator;
  const clients: TelegramClient[] = [];

  before(async () => {
    emu = await startTestEmulator({ accounts: accountsWiring });
  });
  after(async () => {
    for (const c of clients) await c.destroy();
    await emu.stop();
  });

  it('logs the bot in with its token', async () => {
    const bot = await connectBotClient(emu.sandbox);
    clients.push(bot);
    const me = await bot.getMe();
    expect(me.bot).to.equal(true);
    expect(me.id.toString()).to.equal(String(emu.emulator.sandbox.bot_user_id));
    expect(me.username).to.equal('courier_sandbox_bot');
  });

  it('refuses a wrong bot token', async () => {
    const client = buildSandboxClient(emu.sandbox, emu.sandbox.api_id, emu.sandbox.api_hash);
    clients.push(client);
    const err = await client.start({ botAuthToken: `${emu.emulator.sandbox.bot_user_id}:${'x'.repeat(35)}` }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as { errorMessage?: string } | null)?.errorMessage).to.equal('ACCESS_TOKEN_INVALID');
  });

  it('logs a user in with the login code', async () => {
    const plain = emu.sandbox.users.find((u) => !u['2fa_password'])!;
    const user = await connectUserClient(emu.sandbox, plain.phone);
    clients.push(user);
    const me = await user.getMe();
    expect(me.id.toString()).to.equal(String(plain.user_id));
    expect(me.self).to.equal(true);
    expect(me.phone).to.equal(plain.phone.replace('+', ''));
  });

  it('logs a 2FA user in through SRP', async () => {
    const guarded = emu.sandbox.users.find((u) => u['2fa_password'])!;
    const user = await connectUserClient(emu.sandbox, guarded.phone);
    clients.push(user);
    const me = await user.getMe();
    expect(me.id.toString()).to.equal(String(guarded.user_id));
  });

  it('carries a 3 MB file from a user to the bot byte for byte', async () => {
    const plain = emu.sandbox.users.find((u) => !u['2fa_password'])!;
    const user = await connectUserClient(emu.sandbox, plain.phone);
    const bot = await connectBotClient(emu.sandbox);
    clients.push(user, bot);
    const data = Buffer.alloc(3 * 1024 * 1024 + 12345);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const sent = await user.sendFile(emu.sandbox.bot_username, {
      file: Object.assign(data, { name: 'blob.bin' }) as Buffer,
      forceDocument: true,
      caption: 'blob',
    });
    expect(sent.media).to.be.instanceOf(Api.MessageMediaDocument);
    const doc = (sent.media as Api.MessageMediaDocument).document as Api.Document;
    expect(Number(doc.size)).to.equal(data.length);
    const got = (await bot.downloadMedia(sent.media!, {})) as Buffer;
    expect(createHash('sha256').update(got).digest('hex')).to.equal(createHash('sha256').update(data).digest('hex'));
  });
});
