/**
 * `npm run bench -- catchup [--messages N] [--users U] [--baseline-wait S]`: issue 4's catch-up
 * benchmark. N messages (default 10,000) from U users (default 100) are sent to the bot while
 * Courier is stopped; then Courier starts and the run measures
 *
 * - fetchStoreSeconds / updatesPerSecond: the difference fetched and stored in the inbox, from
 *   Courier's own catch-up log line (src/ops/catchupAlerts.ts; target ≥ 5,000 updates/s);
 * - recovered (from that line), lost (messages with no reply at the end) and duplicates (messages
 *   with more than one reply), read from the emulator's world (target N, 0, 0);
 * - answerSeconds: Courier's start (spawn) to the last reply, with the emulator's flood limits on,
 *   against floorSeconds = max(N / bot msgs per second, busiest chat's count / per-chat rate) from
 *   the emulator's Limits (target: within 10 %), and floodWaits: FLOOD_WAITs the emulator returned
 *   to the bot, counted at its flood gate (target 0);
 * - baseline: a stock GramJS bot (raw-update handler plus client.catchUp()) back after the same
 *   backlog, and how many of the N it saw within --baseline-wait seconds (default 10).
 *
 * Prints one JSON line; the emulator runs in this process, Courier as a child (catchupWorld.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { BenchUsageError } from '../benchUsageError.js';
import { stockBotGoesOffline, type BaselineResult } from './catchupBaseline.js';
import { startCourier, type CourierChild } from './catchupCourier.js';
import { addSenders, replyCounts, sendBacklog, startBenchWorld, tallyReplies, type BenchWorld, type SentMessage } from './catchupWorld.js';
import { errorMessage } from '../../../log/logger.js';

export interface CatchupOptions {
  messages: number;
  users: number;
  baselineWaitSeconds: number;
  /** Courier's updates.chatConcurrency for the run; undefined keeps Courier's default. */
  chatConcurrency?: number;
}

const USAGE = 'usage: bench catchup [--messages N] [--users U] [--baseline-wait SECONDS] [--chat-concurrency N]';
const CATCHUP_LINE = /catch-up finished: (\d+) update\(s\) recovered in ([\d.]+) s over (\d+) request\(s\) after (\d+) s offline/;

function intOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new BenchUsageError(`catchup: --${name} must be an integer ${min}..${max}, got ${raw}; ${USAGE}`);
  return n;
}

export function parseCatchupArgs(args: string[]): CatchupOptions {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args, options: { messages: { type: 'string' }, users: { type: 'string' }, 'baseline-wait': { type: 'string' }, 'chat-concurrency': { type: 'string' } }, strict: true }).values as Record<
      string,
      string | undefined
    >;
  } catch (err) {
    throw new BenchUsageError(`catchup: ${errorMessage(err)}; ${USAGE}`);
  }
  return {
    messages: intOption('messages', values.messages, 10_000, 1, 1_000_000),
    users: intOption('users', values.users, 100, 1, 100_000),
    baselineWaitSeconds: intOption('baseline-wait', values['baseline-wait'], 10, 0, 600),
    ...(values['chat-concurrency'] === undefined ? {} : { chatConcurrency: intOption('chat-concurrency', values['chat-concurrency'], 0, 1, 10_000) }),
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The send floor the emulator's limits set for these messages (burst allowances ignored). */
export function floorSeconds(w: Pick<BenchWorld, 'limits'>, sent: readonly SentMessage[]): number {
  const perChat = new Map<number, number>();
  for (const s of sent) perChat.set(s.from, (perChat.get(s.from) ?? 0) + 1);
  const busiest = Math.max(0, ...perChat.values());
  const global = w.limits.botMessagesPerSecond > 0 ? sent.length / w.limits.botMessagesPerSecond : 0;
  const chat = w.limits.botMessagesPerChatPerSecond > 0 ? busiest / w.limits.botMessagesPerChatPerSecond : 0;
  return Math.max(global, chat);
}

function courierEnv(dataDir: string, chatConcurrency: number | undefined): Record<string, string> {
  return {
    COURIER_DATA_DIR: dataDir,
    COURIER_SESSION_DIR: join(dataDir, 'sessions'),
    COURIER_LOG_LEVEL: 'info',
    // No admins: the catch-up alert would be a bot message that is not an answer.
    ...(chatConcurrency === undefined ? {} : { COURIER__UPDATES__CHAT_CONCURRENCY: String(chatConcurrency) }),
  };
}

/**
 * Waits until every sent message has a reply, or the deadline. The flood gate's pass counter is
 * the cheap progress signal; the message store is read only once enough sends have passed.
 */
async function waitForAnswers(
  w: BenchWorld,
  sent: readonly SentMessage[],
  courier: CourierChild,
  limits: { deadlineMs: number; stallMs: number },
  /** The gate's pass count before Courier started: replies begin while the catch-up is still paging. */
  passedBefore: number,
): Promise<{ done: boolean; lastReplyAt: number }> {
  const started = performance.now();
  let exited = false;
  void courier.exited.then(() => (exited = true));
  // Gives up when Courier exits, when nothing has been sent for stallMs, or at the hard deadline.
  const stalled = () => performance.now() - Math.max(started, w.flood.lastPassAt) > limits.stallMs;
  while (performance.now() - started < limits.deadlineMs && !exited && !stalled()) {
    if (w.flood.passed - passedBefore >= sent.length) {
      const lastReplyAt = w.flood.lastPassAt;
      const tally = tallyReplies(sent, replyCounts(w, sent.length * 3 + 1000));
      if (tally.lost === 0) return { done: true, lastReplyAt };
    }
    await delay(200); // polling interval of the condition above
  }
  return { done: false, lastReplyAt: w.flood.lastPassAt };
}

export async function runCatchupBench(opts: CatchupOptions): Promise<Record<string, unknown>> {
  const w = await startBenchWorld();
  const courierDir = mkdtempSync(join(tmpdir(), 'courier-bench-catchup-'));
  let courier: CourierChild | null = null;
  try {
    const senders = addSenders(w, opts.users);

    // Courier logs in once, takes its update state and stops cleanly: it now has a stored state.
    courier = startCourier(w.dataDir, courierEnv(courierDir, opts.chatConcurrency));
    // Its catch-up line, not "Courier is running": that is printed before updates.getState has
    // answered, and a stop before the state is stored would make the next start take getState
    // again and silently skip the whole backlog.
    await courier.waitFor(CATCHUP_LINE, "the first start's catch-up line");
    const firstExit = await courier.stop();
    courier = null;
    if (firstExit !== 0) throw new Error(`Courier's first run stopped with exit code ${firstExit}`);

    const stock = await stockBotGoesOffline(w.emulator.sandbox);

    const sendStarted = performance.now();
    const sent = sendBacklog(w, senders, opts.messages);
    const sendSeconds = (performance.now() - sendStarted) / 1000;
    if (sent.length !== opts.messages) throw new Error(`sent ${opts.messages} messages but found ${sent.length} in the bot's box`);

    const baseline: BaselineResult = await stock.comeBack(opts.baselineWaitSeconds);

    const floodBefore = w.flood.floodWaits;
    w.flood.firstPassAt = 0;
    const passedBefore = w.flood.passed;
    const spawnedAt = performance.now();
    const run = startCourier(w.dataDir, courierEnv(courierDir, opts.chatConcurrency));
    courier = run;
    const floor = floorSeconds(w, sent);
    const line = await run.waitFor(CATCHUP_LINE, 'the catch-up log line');
    const recovered = Number(line[1]);
    const fetchStoreSeconds = Number(line[2]);
    const requests = Number(line[3]);
    const answers = await waitForAnswers(w, sent, run, { deadlineMs: Math.max(600, floor * 10) * 1000, stallMs: 60_000 }, passedBefore);
    const tally = tallyReplies(sent, replyCounts(w, sent.length * 3 + 1000));
    const answerSeconds = answers.done ? (answers.lastReplyAt - spawnedAt) / 1000 : null;
    // First reply to last: the part of answerSeconds the flood limits govern (no process start, login, catch-up).
    const replySpanSeconds = answers.done ? (answers.lastReplyAt - w.flood.firstPassAt) / 1000 : null;
    const floodWaitsInLog = (run.output().match(/FLOOD_WAIT/g) ?? []).length;
    const stopCode = await run.stop();
    courier = null;

    return {
      bench: 'catchup',
      messages: opts.messages,
      users: senders.length,
      chatConcurrency: opts.chatConcurrency ?? 'default',
      sendSeconds: round2(sendSeconds),
      fetchStoreSeconds,
      updatesPerSecond: fetchStoreSeconds > 0 ? Math.round(recovered / fetchStoreSeconds) : null,
      catchupRequests: requests,
      recovered,
      answered: tally.answered,
      lost: tally.lost,
      duplicates: tally.duplicates,
      answerSeconds: answerSeconds === null ? null : round2(answerSeconds),
      floorSeconds: round2(floor),
      ratioToFloor: answerSeconds === null || floor === 0 ? null : round2(answerSeconds / floor),
      replySpanSeconds: replySpanSeconds === null ? null : round2(replySpanSeconds),
      replySpanRatioToFloor: replySpanSeconds === null || floor === 0 ? null : round2(replySpanSeconds / floor),
      floodWaits: w.flood.floodWaits - floodBefore,
      floodWaitsInCourierLog: floodWaitsInLog,
      limits: {
        botMessagesPerSecond: w.limits.botMessagesPerSecond,
        botMessagesPerChatPerSecond: w.limits.botMessagesPerChatPerSecond,
        botChatBurst: w.limits.botChatBurst,
      },
      courierStopExitCode: stopCode,
      baseline: { recovered: baseline.recovered, of: opts.messages, waitSeconds: baseline.waitSeconds, catchUpAvailable: baseline.catchUpAvailable, ...(baseline.error ? { error: baseline.error } : {}) },
    };
  } finally {
    if (courier) await courier.kill();
    await w.close();
    rmSync(w.dataDir, { recursive: true, force: true });
    rmSync(courierDir, { recursive: true, force: true });
  }
}

export async function benchCatchup(args: string[], out: (line: string) => void): Promise<number> {
  const result = await runCatchupBench(parseCatchupArgs(args));
  out(JSON.stringify(result));
  return 0;
}
