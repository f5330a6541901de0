/**
 * `npm run bench -- broadcast [--users N] [--kill]`: issue 12's broadcast benchmark. N users
 * (default 5,000) write to the bot; the admin then broadcasts one text to all of them (and
 * to herself: N + 1 recipients) through the admin dialog exactly as a person would (/broadcast,
 * the text, Send). The run reports
 *
 * - sendSeconds: the first broadcast send the emulator's flood gate let through to the last one,
 *   against floorSeconds = recipients / the emulator's bot messages per second (target: within
 *   10 %), and floodWaits the emulator returned meanwhile (target 0);
 * - delivered, missed and duplicates: each recipient's chat read back from the emulator (targets
 *   N + 1, 0, 0);
 * - with --kill, Courier is SIGKILLed halfway and started again; sendSeconds then includes the
 *   restart, and the interesting figures are missed and duplicates.
 *
 * SIMPLIFICATION: the users' first messages are answered (the hint) with the emulator's flood
 * limits and Courier's own limits off, so the warm-up does not take N / 30 seconds; Courier is
 * then restarted with both on for the broadcast itself, which is what is measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { pressButtonAs } from '../../../emulator/world/inProcessUsers.js';
import { userBox } from '../../../emulator/world/messageStore.js';
import { errorMessage } from '../../../log/logger.js';
import { texts } from '../../../texts/index.js';
import { BenchUsageError } from '../benchUsageError.js';
import { startCourier, type CourierChild } from '../catchup/catchupCourier.js';
import { addSenders, startBenchWorld, type BenchWorld } from '../catchup/catchupWorld.js';

export interface BroadcastBenchOptions {
  users: number;
  kill: boolean;
}

const USAGE = 'usage: bench broadcast [--users N] [--kill]';
const TEXT = 'Broadcast bench: hello from the admin';

export function parseBroadcastArgs(args: string[]): BroadcastBenchOptions {
  let values: { users?: string | undefined; kill?: boolean | undefined };
  try {
    values = parseArgs({ args, options: { users: { type: 'string' }, kill: { type: 'boolean' } }, strict: true }).values;
  } catch (err) {
    throw new BenchUsageError(`broadcast: ${errorMessage(err)}; ${USAGE}`);
  }
  const users = values.users === undefined ? 5000 : Number(values.users);
  if (!Number.isInteger(users) || users < 1 || users > 200_000) throw new BenchUsageError(`broadcast: --users must be an integer 1..200000, got ${values.users}; ${USAGE}`);
  return { users, kill: values.kill === true };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const RUNNING = /Courier is running as @/;

function courierEnv(dataDir: string, admin: number, limitsOff: boolean): Record<string, string> {
  const lifted = '100000';
  return {
    COURIER_DATA_DIR: dataDir,
    COURIER_SESSION_DIR: join(dataDir, 'sessions'),
    COURIER_LOG_LEVEL: 'info',
    COURIER_ADMINS: String(admin),
    COURIER__UPDATES__OFFLINE_ALERT_SECONDS: '3600',
    ...(limitsOff
      ? {
          COURIER__OUTBOX__PER_SECOND: lifted,
          COURIER__OUTBOX__BURST: lifted,
          COURIER__OUTBOX__PER_CHAT_PER_SECOND: lifted,
          COURIER__OUTBOX__CHAT_BURST: lifted,
        }
      : {}),
  };
}

/** The bot's messages in `user`'s chat, newest first. */
function fromBot(w: BenchWorld, user: number, limit = 20) {
  return w.emulator.world.store.latest(userBox(user), limit, { user: w.botId }).filter((m) => m.fromId === w.botId);
}

async function until(condition: () => boolean, what: string, deadlineMs: number, everyMs = 100): Promise<void> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > deadlineMs) throw new Error(`broadcast bench: timed out after ${deadlineMs} ms waiting for ${what}`);
    await delay(everyMs); // polling interval of the condition above
  }
}

export async function runBroadcastBench(opts: BroadcastBenchOptions): Promise<Record<string, unknown>> {
  const w = await startBenchWorld();
  const courierDir = mkdtempSync(join(tmpdir(), 'courier-bench-broadcast-'));
  let courier: CourierChild | null = null;
  const world = w.emulator.world;
  try {
    const admin = w.emulator.sandbox.users[0]!.user_id;
    const users = addSenders(w, opts.users);
    const recipients = [admin, ...users];

    // Warm-up: everyone writes once and gets the hint, with every limit off.
    w.limits.enabled = false;
    courier = startCourier(w.dataDir, courierEnv(courierDir, admin, true));
    await courier.waitFor(RUNNING, 'the warm-up start');
    // The flood gate's passes to the users are the cheap signal (this process also runs the
    // emulator: reading thousands of chats in a tight loop would slow down what it waits for).
    let hints = 0;
    w.flood.onPass = (peer) => {
      if ('user' in peer && peer.user !== w.botId) hints += 1;
    };
    for (const u of recipients) world.sendMessageAs(u, { user: w.botId }, 'hello');
    await until(() => hints >= recipients.length, 'a hint to every user', Math.max(120_000, opts.users * 50), 250);
    const unanswered = recipients.filter((u) => fromBot(w, u, 5).length === 0).length;
    if (unanswered > 0) throw new Error(`broadcast bench: ${unanswered} user(s) got no hint in the warm-up`);
    await courier.stop();

    // The broadcast, with the emulator's flood limits and Courier's own on.
    w.limits.enabled = true;
    courier = startCourier(w.dataDir, courierEnv(courierDir, admin, false));
    await courier.waitFor(RUNNING, 'the broadcast start');
    const say = (text: string) => world.sendMessageAs(admin, { user: w.botId }, text);
    const latestIs = (text: string) => () => fromBot(w, admin, 3).some((m) => m.message.message === text);
    say('/broadcast');
    await until(latestIs(texts.en.broadcastAsk), 'the broadcast question', 60_000);
    say(TEXT);
    const previewText = texts.en.broadcastPreview(recipients.length, TEXT);
    await until(latestIs(previewText), 'the preview', 60_000);
    const preview = fromBot(w, admin, 3).find((m) => m.message.message === previewText)!;

    const targets = new Set(recipients);
    let first = 0;
    let last = 0;
    let passes = 0;
    w.flood.onPass = (peer) => {
      if (!('user' in peer) || !targets.has(peer.user)) return;
      const at = performance.now();
      if (first === 0) first = at;
      last = at;
      passes += 1;
    };
    const floodBefore = w.flood.floodWaits;
    await pressButtonAs(world, admin, { user: w.botId }, preview.id, Buffer.from('adm:bcsend'));
    const copies = (u: number) => fromBot(w, u, 10).filter((m) => m.message.message === TEXT).length;
    let killedAt: number | null = null;
    if (opts.kill) {
      await until(() => passes >= recipients.length / 2, 'half of the broadcast', 600_000, 20);
      await courier.kill();
      killedAt = passes;
      courier = startCourier(w.dataDir, courierEnv(courierDir, admin, false));
      await courier.waitFor(RUNNING, 'the restart');
    }
    const deadline = Math.max(120, (recipients.length / w.limits.botMessagesPerSecond) * 5) * 1000;
    await courier.waitFor(/broadcast \S+ finished: .*/, 'the broadcast to finish').catch(() => undefined);
    await until(() => performance.now() - last > 1000, 'the last send', deadline).catch(() => undefined);
    let delivered = 0;
    let duplicates = 0;
    for (const u of recipients) {
      const n = copies(u);
      if (n > 0) delivered += 1;
      if (n > 1) duplicates += 1;
    }
    const finished = /broadcast \S+ finished: ([^"]*)"/.exec(courier.output())?.[1] ?? null;
    const progress = fromBot(w, admin, 5).find((m) => /^Broadcast (running|paused|finished|cancelled):/.test(m.message.message))?.message.message ?? null;
    const floor = recipients.length / w.limits.botMessagesPerSecond;
    const sendSeconds = (last - first) / 1000;
    const floodLines = courier.output().split('\n').filter((l) => /FLOOD/i.test(l)).slice(0, 5);
    await courier.stop();
    courier = null;
    return {
      bench: 'broadcast',
      recipients: recipients.length,
      delivered,
      missed: recipients.length - delivered,
      duplicates,
      sendSeconds: round2(sendSeconds),
      floorSeconds: round2(floor),
      ratioToFloor: round2(sendSeconds / floor),
      floodWaits: w.flood.floodWaits - floodBefore,
      killedAfterSends: killedAt,
      courierTally: finished,
      progressMessage: progress,
      limits: { botMessagesPerSecond: w.limits.botMessagesPerSecond, botMessagesPerChatPerSecond: w.limits.botMessagesPerChatPerSecond },
      /** Courier's first FLOOD_WAIT log lines, if any: which chat, how long. */
      floodLines,
    };
  } finally {
    if (courier) await courier.kill();
    await w.close();
    rmSync(w.dataDir, { recursive: true, force: true });
    rmSync(courierDir, { recursive: true, force: true });
  }
}

export async function benchBroadcast(args: string[], out: (line: string) => void): Promise<number> {
  const result = await runBroadcastBench(parseBroadcastArgs(args));
  out(JSON.stringify(result));
  return result.missed === 0 && result.duplicates === 0 ? 0 : 1;
}

