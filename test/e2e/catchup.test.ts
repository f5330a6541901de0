/**
 * Story: nothing a user sends is lost. Courier runs as a child process against the emulator (in
 * this process, so the test can send as any user and read every chat's history); users send while
 * Courier is stopped, crashed, cut off, or while pushes are withheld, and every message ends up
 * answered exactly once, as a reply, in order per chat.
 *
 * Users send through the emulator's world directly (the same code path as messages.sendMessage,
 * with pts and pushes), which is much faster than a GramJS client per user. Flood limits are off
 * here; the catch-up benchmark measures with them on.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from 'telegram';
import { texts } from '../../src/texts/index.js';
import { channelBox, userBox } from '../../src/emulator/world/messageStore.js';
import { killHard, runCourier, until, waitForOutput, type CourierProcess, storyEnv } from '../helpers/courierProcess.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { seededRandom } from '../helpers/seededRandom.js';


describe('catch-up: every message is handled exactly once, in order, whatever happens to Courier', function () {
  this.timeout(120_000);
  let emu: TestEmulator;
  let dataDir: string;
  let botId: number;
  let alice: number;
  let bob: number;
  let carol: number;
  let supergroup: number;
  let skewMs = 0;
  let courier: CourierProcess | null = null;
  const sent: { from: number; id: number }[] = [];
  const emuLog: string[] = [];

  const env = () =>
    storyEnv(dataDir, {
      COURIER_ADMINS: String(alice),
      // Slices of 100 (the emulator's default page), so 600 messages come in several.
      COURIER__UPDATES__DIFFERENCE_SLICE_LIMIT: '100',
    });

  async function start(): Promise<CourierProcess> {
    courier = runCourier(['start', '--sandbox', emu.dataDir], env());
    await waitForOutput(courier, /Courier is running as @/);
    return courier;
  }

  async function stop(): Promise<void> {
    if (!courier) return;
    courier.child.kill('SIGTERM');
    expect(await courier.exited).to.equal(0);
    courier = null;
  }

  /** A user's private message to the bot, as the bot's box numbers it. */
  function send(from: number, text: string): number {
    const updates = emu.emulator.world.sendMessageAs(from, { user: botId }, text);
    const id = sentId(updates);
    // The id in the bot's box is what the bot replies to; find the copy by its text and sender.
    const copy = emu.emulator.world.store.latest(userBox(botId), 5, { user: from }).find((m) => m.fromId === from && m.message.message === text);
    if (!copy) throw new Error(`message ${id} from ${from} has no copy in the bot's box`);
    sent.push({ from, id: copy.id });
    return copy.id;
  }

  /** reply_to id -> the bot's replies to it, over every private chat, oldest first. */
  function repliesByBot(): Map<number, { id: number; text: string }[]> {
    const replies = new Map<number, { id: number; text: string }[]>();
    for (const user of [alice, bob, carol]) {
      const history = emu.emulator.world.store.latest(userBox(botId), 100_000, { user }).reverse();
      for (const m of history) {
        if (m.fromId !== botId) continue;
        const to = m.message.replyTo instanceof Api.MessageReplyHeader ? m.message.replyTo.replyToMsgId : undefined;
        if (to === undefined) continue;
        const list = replies.get(to) ?? [];
        list.push({ id: m.id, text: m.message.message });
        replies.set(to, list);
      }
    }
    return replies;
  }

  function allAnswered(): boolean {
    const replies = repliesByBot();
    return sent.every((s) => replies.has(s.id));
  }

  /** Each sent message has exactly one reply, and one chat's replies come in the order of its messages. */
  function expectExactlyOnceInOrder(): void {
    const replies = repliesByBot();
    const missing = sent.filter((s) => !replies.has(s.id));
    const doubled = sent.filter((s) => (replies.get(s.id)?.length ?? 0) > 1);
    expect({ missing: missing.length, doubled: doubled.length }).to.deep.equal({ missing: 0, doubled: 0 });
    for (const user of [alice, bob, carol]) {
      const ids = sent.filter((s) => s.from === user).map((s) => s.id);
      const replyIds = ids.map((id) => replies.get(id)![0]!.id);
      expect(replyIds, `replies to user ${user} in message order`).to.deep.equal([...replyIds].sort((a, b) => a - b));
    }
  }

  before(async function () {
    this.timeout(60_000);
    emu = await startTestEmulator({ clock: () => Date.now() + skewMs, limits: { enabled: false }, log: (l) => emuLog.push(l) });
    const seed = emu.emulator.sandbox;
    botId = seed.bot_user_id;
    [alice, bob, carol] = seed.users.map((u) => u.user_id) as [number, number, number];
    supergroup = seed.supergroup_id;
    dataDir = mkdtempSync(join(tmpdir(), 'courier-catchup-'));
    // First start: logs in as the sandbox bot and takes updates.getState. Alice writes once, so
    // Courier knows how to reach her as an admin later.
    await start();
    send(alice, 'hello');
    await until(allAnswered, 'the first reply').catch((e: unknown) => { console.log(courier?.output()); throw e; });
  });

  after(async () => {
    if (courier) await killHard(courier);
    await emu?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    // Every story leaves every message answered exactly once.
    if (!courier) await start();
    // 600 messages answered at the outbox's pace: 60 s is the bound on a loaded 2-core machine.
    await until(allAnswered, 'every message answered', 60_000).catch((e: unknown) => {
      const replies = repliesByBot();
      console.log('EMU', emuLog.slice(-30).join('\n'));
      console.log('unanswered:', JSON.stringify(sent.filter((m) => !replies.has(m.id))), courier?.output().slice(-400000));
      throw e;
    });
    expectExactlyOnceInOrder();
  });

  it('messages sent while Courier was stopped are handled after it starts, in order, as replies, with the "offline" note', async () => {
    await stop();
    skewMs = -180_000; // sent three minutes before Courier comes back
    const offline: number[] = [];
    for (let i = 0; i < 10; i++) {
      offline.push(send(alice, `while stopped a${i}`));
      offline.push(send(bob, `while stopped b${i}`));
    }
    skewMs = 0;
    await start();
    await until(allAnswered, 'answers to the offline messages').catch((e: unknown) => { console.log(courier?.output()); throw e; });
    const replies = repliesByBot();
    for (const id of offline) expect(replies.get(id)![0]!.text.startsWith(texts.en.delayed(3))).to.equal(true);
    await waitForOutput(courier!, /catch-up finished: 20 update\(s\) recovered/);
  });

  it('600 messages while stopped come back through differenceSlice pages (at least 5) and are all answered', async () => {
    await stop();
    for (let i = 0; i < 200; i++) for (const user of [alice, bob, carol]) send(user, `bulk ${i}`);
    await start();
    const line = /catch-up finished: (\d+) update\(s\) recovered in [\d.]+ s over (\d+) request\(s\) after \d+ s offline/;
    await waitForOutput(courier!, line);
    const [, recovered, requests] = line.exec(courier!.output())!;
    expect(Number(recovered)).to.equal(600);
    expect(Number(requests)).to.be.at.least(6); // 100 per slice: 6 pages, the last one final
  });

  it('a withheld push is noticed from the next one (a pts gap) and fetched with getDifference', async () => {
    if (!courier) await start();
    emu.emulator.world.faults.withholdPushes(botId, true);
    send(alice, 'withheld');
    emu.emulator.world.faults.withholdPushes(botId, false);
    send(alice, 'after the withheld one');
    await until(allAnswered, 'both answered');
    await waitForOutput(courier!, /catch-up finished: [12] update\(s\) recovered in [\d.]+ s over \d+ request\(s\) after a gap/);
  });

  it('messages sent while the connection is down are fetched once it is back', async () => {
    if (!courier) await start();
    const mark = courier!.output().length;
    for (let i = 0; i < 5; i++) send(bob, `before the drop ${i}`);
    emu.emulator.server.faults.dropAll();
    for (let i = 0; i < 5; i++) send(bob, `during the drop ${i}`);
    await until(allAnswered, 'answers after the reconnect');
    // The drop really cut Courier off: what was sent during it was not pushed (no live
    // connection) but fetched with getDifference once Courier noticed the reconnect. Had the drop
    // done nothing, all ten would have been pushed live and no catch-up would have run.
    const recoveredSinceDrop = () =>
      [...courier!.output().slice(mark).matchAll(/catch-up finished: (\d+) update\(s\) recovered in [\d.]+ s over \d+ request\(s\) after a gap/g)]
        .reduce((sum, m) => sum + Number(m[1]), 0);
    await until(() => recoveredSinceDrop() >= 5, 'a catch-up after the reconnect that fetched the messages sent during the drop');
  });

  it('a supergroup gap (updateChannelTooLong) is filled with getChannelDifference', async () => {
    if (!courier) await start();
    const botMessagesInGroup = () => emu.emulator.world.store.latest(channelBox(supergroup), 1000).filter((m) => m.fromId === botId).length;
    const before = botMessagesInGroup();
    const username = emu.emulator.sandbox.bot_username;
    emu.emulator.world.sendMessageAs(alice, { channel: supergroup }, `/help@${username}`);
    await until(() => botMessagesInGroup() === before + 1, 'the live answer in the supergroup');
    emu.emulator.world.faults.withholdPushes(botId, true);
    emu.emulator.world.sendMessageAs(carol, { channel: supergroup }, `/help@${username}`);
    emu.emulator.world.faults.withholdPushes(botId, false); // the emulator now pushes updateChannelTooLong
    await until(() => botMessagesInGroup() === before + 2, 'the answer fetched through getChannelDifference');
  });

  it('differenceTooLong: the skipped updates are reported to the admins', async () => {
    await stop();
    for (let i = 0; i < 3; i++) emu.emulator.world.sendMessageAs(bob, { user: botId }, `lost ${i}`);
    emu.emulator.world.faults.forceDifferenceTooLong(botId);
    await start();
    const alert = () =>
      emu.emulator.world.store
        .latest(userBox(botId), 50, { user: alice })
        .find((m) => m.fromId === botId && m.message.message.includes('would not list 3 update(s)'));
    await until(() => alert() !== undefined, "the admin's alert");
  });

  it('SIGKILL at 20 seeded moments of live handling and of catch-up loses nothing and duplicates nothing', async function () {
    this.timeout(300_000);
    await stop();
    const random = seededRandom(20261123);
    const users = [alice, bob, carol];
    for (let round = 0; round < 20; round++) {
      // Some rounds leave a backlog so the kill often lands during catch-up.
      const backlog = Math.floor(random() * 40);
      for (let i = 0; i < backlog; i++) send(users[i % 3]!, `r${round} backlog ${i}`);
      const run = runCourier(['start', '--sandbox', emu.dataDir], env());
      courier = run;
      await waitForOutput(run, /Courier is running as @/);
      const live = Math.floor(random() * 6);
      for (let i = 0; i < live; i++) send(users[(round + i) % 3]!, `r${round} live ${i}`);
      const killAfterMs = Math.floor(random() * 400);
      await new Promise((resolve) => setTimeout(resolve, killAfterMs)); // the crash moment itself, not a synchronisation
      await killHard(run);
      courier = null;
    }
    // afterEach starts Courier once more and checks every message: answered once, in order.
  });
});

function sentId(updates: Api.TypeUpdates): number {
  if (updates instanceof Api.UpdateShortSentMessage) return updates.id;
  if (updates instanceof Api.Updates) {
    for (const u of updates.updates) if (u instanceof Api.UpdateMessageID) return u.id;
  }
  return -1;
}
