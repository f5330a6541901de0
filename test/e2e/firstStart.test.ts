/**
 * Story: an operator moves a bot from the Bot API to Courier. Users wrote to the bot before
 * Courier's very first start; with updates.firstStart.backlogHours set, those sent within the
 * hours are answered after the start, with the "delayed" note, and older ones are not. Without
 * the setting (the default), a first start begins at the current state, as before.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from 'telegram';
import { texts } from '../../src/texts/index.js';
import { userBox } from '../../src/emulator/world/messageStore.js';
import { killHard, runCourier, storyEnv, until, waitForOutput, type CourierProcess } from '../helpers/courierProcess.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

describe('first start with updates.firstStart.backlogHours: messages sent before it are answered', function () {
  this.timeout(120_000);
  let emu: TestEmulator;
  let dataDir: string;
  let courier: CourierProcess | null = null;
  let skewMs = 0;

  before(async () => {
    emu = await startTestEmulator({ clock: () => Date.now() + skewMs, limits: { enabled: false } });
    dataDir = mkdtempSync(join(tmpdir(), 'courier-first-start-'));
  });

  after(async () => {
    if (courier) await killHard(courier);
    await emu?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  function send(from: number, text: string): number {
    const bot = emu.emulator.sandbox.bot_user_id;
    emu.emulator.world.sendMessageAs(from, { user: bot }, text);
    const copy = emu.emulator.world.store.latest(userBox(bot), 5, { user: from }).find((m) => m.fromId === from && m.message.message === text);
    if (!copy) throw new Error(`"${text}" has no copy in the bot's box`);
    return copy.id;
  }

  function repliesTo(user: number, id: number): string[] {
    const bot = emu.emulator.sandbox.bot_user_id;
    return emu.emulator.world.store
      .latest(userBox(bot), 1000, { user })
      .filter((m) => m.fromId === bot && m.message.replyTo instanceof Api.MessageReplyHeader && m.message.replyTo.replyToMsgId === id)
      .map((m) => m.message.message);
  }

  it('answers what was sent within the hours, with the delayed note, and leaves older messages alone', async () => {
    const alice = emu.sandbox.users[0]!.user_id;
    skewMs = -3 * 3600_000;
    const tooOld = send(alice, 'three hours ago');
    skewMs = -10 * 60_000;
    const recent = send(alice, 'ten minutes ago');
    skewMs = 0;
    courier = runCourier(['start', '--sandbox', emu.dataDir], storyEnv(dataDir, { COURIER__UPDATES__FIRST_START__BACKLOG_HOURS: '1' }));
    await waitForOutput(courier, /Courier is running as @/);
    await until(() => repliesTo(alice, recent).length > 0, 'the answer to the recent message').catch((e: unknown) => {
      console.log(courier?.output());
      throw e;
    });
    expect(repliesTo(alice, recent)[0]!.startsWith(texts.en.delayed(10))).to.equal(true);
    // A live message after the start is answered too, and still nothing for the old one.
    const live = send(alice, '/ping');
    await until(() => repliesTo(alice, live).length > 0, 'the live /ping answered');
    expect(repliesTo(alice, tooOld)).to.deep.equal([]);
    courier.child.kill('SIGTERM');
    expect(await courier.exited).to.equal(0);
    courier = null;
  });
});
