/**
 * Story: a newcomer tries Courier against one sandbox world, then against another from the same
 * checkout. The update state Courier stored belongs to the first world's bot; taken at face value
 * in the second world, it made every live update look old and Courier answered nothing. Now
 * Courier sees the state is not this world's, starts fresh, keeps the old state aside, tells the
 * admins, and the first /ping after "running" is answered. And `--sandbox DIR` alone keeps
 * Courier's data in DIR/courier-data, so the two worlds do not even share a database.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Api } from 'telegram';
import { userBox } from '../../src/emulator/world/messageStore.js';
import { killHard, runCourier, storyEnv, until, waitForOutput, type CourierProcess } from '../helpers/courierProcess.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

/** Sends `text` from `from` to the sandbox bot; returns the message id in the bot's box. */
function send(emu: TestEmulator, from: number, text: string): number {
  const bot = emu.emulator.sandbox.bot_user_id;
  emu.emulator.world.sendMessageAs(from, { user: bot }, text);
  const copy = emu.emulator.world.store.latest(userBox(bot), 5, { user: from }).find((m) => m.fromId === from && m.message.message === text);
  if (!copy) throw new Error(`"${text}" has no copy in the bot's box`);
  return copy.id;
}

/** The bot's messages to `user` that reply to `id` (or, with id null, every bot message to `user`). */
function botMessages(emu: TestEmulator, user: number, id: number | null): string[] {
  const bot = emu.emulator.sandbox.bot_user_id;
  return emu.emulator.world.store
    .latest(userBox(bot), 1000, { user })
    .filter((m) => m.fromId === bot)
    .filter((m) => id === null || (m.message.replyTo instanceof Api.MessageReplyHeader && m.message.replyTo.replyToMsgId === id))
    .map((m) => m.message.message);
}

describe('two sandbox worlds from one checkout: the update state belongs to one bot on one server', function () {
  this.timeout(120_000);
  let worldA: TestEmulator;
  let worldB: TestEmulator;
  let dataDir: string;
  let courier: CourierProcess | null = null;

  before(async () => {
    [worldA, worldB] = await Promise.all([startTestEmulator({ limits: { enabled: false } }), startTestEmulator({ limits: { enabled: false } })]);
    dataDir = mkdtempSync(join(tmpdir(), 'courier-worlds-'));
  });

  after(async () => {
    if (courier) await killHard(courier);
    await Promise.all([worldA?.stop(), worldB?.stop()]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function stop(): Promise<void> {
    courier!.child.kill('SIGTERM');
    expect(await courier!.exited).to.equal(0);
    courier = null;
  }

  it('with one data directory for both, world B is answered from its first /ping, and the admins hear why', async () => {
    const aliceA = worldA.sandbox.users[0]!.user_id;
    courier = runCourier(['start', '--sandbox', worldA.dataDir], storyEnv(dataDir, { COURIER_ADMINS: String(aliceA) }));
    await waitForOutput(courier, /Courier is running as @/);
    // World A's pts runs well ahead of world B's.
    const idsA = Array.from({ length: 30 }, (_, i) => send(worldA, aliceA, `/ping ${i}`));
    await until(() => idsA.every((id) => botMessages(worldA, aliceA, id).length > 0), 'world A answered');
    await stop();

    const aliceB = worldB.sandbox.users[0]!.user_id;
    courier = runCourier(['start', '--sandbox', worldB.dataDir], storyEnv(dataDir, { COURIER_ADMINS: String(aliceB) }));
    await waitForOutput(courier, /Courier is running as @/);
    const ping = send(worldB, aliceB, '/ping');
    await until(() => botMessages(worldB, aliceB, ping).some((t) => t.startsWith('pong')), 'the first /ping in world B answered').catch((e: unknown) => {
      console.log(courier?.output());
      throw e;
    });
    expect(courier.output()).to.match(/update state in this database belonged to account \d+ on sandbox:/);
    await stop();

    const db = new Database(join(dataDir, 'courier.db'), { readonly: true });
    const aside = db.prepare('SELECT server, reason FROM update_state_aside').all();
    const owner = db.prepare('SELECT server FROM update_state_owner').get();
    db.close();
    expect(aside).to.deep.equal([{ server: `sandbox:${worldA.sandbox.rsa_fingerprint}`, reason: 'other owner' }]);
    expect(owner).to.deep.equal({ server: `sandbox:${worldB.sandbox.rsa_fingerprint}` });
  });

  it('`npm start -- --sandbox DIR` alone keeps its database under DIR/courier-data', async () => {
    courier = runCourier(['start', '--sandbox', worldB.dataDir], { COURIER_SESSION_DIR: join(dataDir, 'sessions'), COURIER_LOG_LEVEL: 'info' });
    await waitForOutput(courier, /Courier is running as @/);
    expect(existsSync(join(worldB.dataDir, 'courier-data', 'courier.db'))).to.equal(true);
    await stop();
  });
});
