/**
 * `npm run bench -- load [--users N] [--messages M] [--files F] [--minutes T] [--baseline on|off]`:
 * issue 13's load benchmark. N users (default 10,000) each send M messages (default 3) spread
 * evenly over T minutes (default: 80 % of Telegram's overall bot send limit, so the offered load
 * stays below what a bot may answer), and F of them (default min(100, N)) also send a small video
 * and press its first action (Info). Courier runs as a child process against an in-process
 * emulator with its flood limits on; the users act in process (src/emulator/world/inProcessUsers.ts).
 *
 * One JSON line: lost and duplicates (messages with no reply / more than one, read from the bot's
 * box), p50_s / p99_s time to first reply (each bot send to a chat paired with the chat's oldest
 * unanswered message, timed at the emulator's flood gate), floor_s (when the last answer could come
 * at best under 30/s overall and 1/s per chat, given when the messages arrived) and ratio (last
 * answer / floor), rss_mb_peak and cpu_s of Courier's process (/proc), db_mb and its growth per
 * 1,000 handled messages, event_loop_p99_ms (Courier's own figure, logged at stop), flood_waits
 * (FLOOD_WAITs the emulator returned to the bot), files_done. Baseline in the same run: the same
 * text load against a naive GramJS bot (loadBaseline.ts). `--minutes 60` is the soak mode for
 * operators: rss (from /proc) and event-loop p99 (from Courier's /metrics, on a private loopback
 * port) sampled every 10 s give the slopes (MB and ms per hour).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '../../../log/logger.js';
import { BenchUsageError } from '../benchUsageError.js';
import { startCourier, type CourierChild } from '../catchup/catchupCourier.js';
import { startBenchWorld, type BenchWorld } from '../catchup/catchupWorld.js';
import { defaultSeconds } from './loadPlan.js';
import { runLoad, type LoadFigures } from './loadRun.js';
import { startNaiveBot } from './naiveBot.js';
import { readProcessFigures, scrapeEventLoopP99Ms } from './processStats.js';
import { freePort } from '../../freePort.js';

export interface LoadOptions {
  users: number;
  messages: number;
  files: number;
  /** null: spread at 80 % of the overall send limit. */
  minutes: number | null;
  baseline: boolean;
}

const USAGE = 'usage: bench load [--users N] [--messages M] [--files F] [--minutes T] [--baseline on|off]';
const CATCHUP_LINE = /catch-up finished: (\d+) update\(s\) recovered/;
const EVENT_LOOP_LINE = /event loop delay over [\d.]+ s: p50 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms/;

function numberOption(name: string, raw: string | undefined, fallback: number, min: number, max: number, integer = true): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) throw new BenchUsageError(`load: --${name} must be ${integer ? 'an integer' : 'a number'} ${min}..${max}, got ${raw}; ${USAGE}`);
  return n;
}

export function parseLoadArgs(args: string[]): LoadOptions {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args,
      options: { users: { type: 'string' }, messages: { type: 'string' }, files: { type: 'string' }, minutes: { type: 'string' }, baseline: { type: 'string' } },
      strict: true,
    }).values as Record<string, string | undefined>;
  } catch (err) {
    throw new BenchUsageError(`load: ${errorMessage(err)}; ${USAGE}`);
  }
  const users = numberOption('users', values.users, 10_000, 1, 1_000_000);
  if (values.baseline !== undefined && values.baseline !== 'on' && values.baseline !== 'off') throw new BenchUsageError(`load: --baseline must be on or off, got ${values.baseline}; ${USAGE}`);
  return {
    users,
    messages: numberOption('messages', values.messages, 3, 1, 1000),
    files: numberOption('files', values.files, Math.min(100, users), 0, users),
    minutes: values.minutes === undefined ? null : numberOption('minutes', values.minutes, 0, 0.01, 24 * 60, false),
    baseline: values.baseline !== 'off',
  };
}

const round2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);

function databaseMb(dir: string): number {
  let bytes = 0;
  for (const name of ['courier.db', 'courier.db-wal']) {
    try {
      bytes += statSync(join(dir, name)).size;
    } catch {
      // no -wal after a clean stop's checkpoint
    }
  }
  return bytes / 1_000_000;
}

async function courierRun(opts: LoadOptions, seconds: number): Promise<Record<string, unknown>> {
  const w: BenchWorld = await startBenchWorld();
  const courierDir = mkdtempSync(join(tmpdir(), 'courier-bench-load-'));
  let courier: CourierChild | null = null;
  try {
    // /metrics on a private loopback port: the soak's event-loop samples read it as monitoring would.
    const opsPort = await freePort();
    const env = {
      COURIER_DATA_DIR: courierDir,
      COURIER_SESSION_DIR: join(courierDir, 'sessions'),
      COURIER_LOG_LEVEL: 'info',
      COURIER__OPS__HTTP_PORT: String(opsPort),
      COURIER__OPS__HTTP_HOST: '127.0.0.1',
    };
    // A first run logs in and stores its state; its clean stop checkpoints the database, so the
    // size after the load's clean stop, less this one, is what the load added.
    courier = startCourier(w.dataDir, env);
    await courier.waitFor(CATCHUP_LINE, "Courier's first catch-up line");
    if ((await courier.stop()) !== 0) throw new Error("Courier's first run did not stop cleanly");
    const dbBefore = databaseMb(courierDir);
    courier = startCourier(w.dataDir, env);
    await courier.waitFor(CATCHUP_LINE, "Courier's catch-up line");
    const pid = courier.child.pid!;
    const figures: LoadFigures = await runLoad(w, { users: opts.users, messages: opts.messages, files: opts.files, seconds }, {
      sample: () => readProcessFigures(pid),
      eventLoopP99Ms: () => scrapeEventLoopP99Ms(`http://127.0.0.1:${opsPort}/metrics`),
      exited: courier.exited,
    });
    const processFigures = readProcessFigures(pid);
    const stopCode = await courier.stop();
    const dbAfter = databaseMb(courierDir);
    const loop = EVENT_LOOP_LINE.exec(courier.output());
    courier = null;
    const handled = figures.answered + figures.filesDone;
    return {
      ...figures.summary,
      rss_mb_peak: round2(Math.max(processFigures.peakRssMb ?? 0, figures.rssMbPeakSampled ?? 0) || null),
      rss_slope_mb_per_hour: round2(figures.rssSlopeMbPerHour),
      cpu_s: round2(processFigures.cpuSeconds),
      db_mb: round2(dbAfter),
      db_kb_per_1000_messages: handled > 0 ? round2(((dbAfter - dbBefore) * 1000 * 1000) / handled) : null,
      event_loop_p99_ms: loop ? Number(loop[2]) : null,
      event_loop_p99_ms_sampled_max: round2(figures.eventLoopP99MsSampledMax),
      event_loop_slope_ms_per_hour: round2(figures.eventLoopSlopeMsPerHour),
      courier_stop_exit_code: stopCode,
    };
  } finally {
    if (courier) await courier.kill();
    await w.close();
    rmSync(w.dataDir, { recursive: true, force: true });
    rmSync(courierDir, { recursive: true, force: true });
  }
}

async function baselineRun(opts: LoadOptions, seconds: number): Promise<Record<string, unknown>> {
  const w = await startBenchWorld();
  const bot = await startNaiveBot(w.emulator.sandbox);
  try {
    const figures = await runLoad(w, { users: opts.users, messages: opts.messages, files: 0, seconds }, { sample: () => readProcessFigures(process.pid), exited: new Promise(() => undefined) });
    return { ...figures.summary, failed_sends: bot.failedSends, note: 'naive GramJS bot in the bench process: answers at once, GramJS sleeps FLOOD_WAITs' };
  } finally {
    await bot.stop();
    await w.close();
    rmSync(w.dataDir, { recursive: true, force: true });
  }
}

export async function runLoadBench(opts: LoadOptions): Promise<Record<string, unknown>> {
  const total = opts.users * opts.messages;
  const seconds = opts.minutes === null ? defaultSeconds(total, 30) : opts.minutes * 60;
  const courier = await courierRun(opts, seconds);
  const baseline = opts.baseline ? await baselineRun(opts, seconds) : null;
  return { bench: 'load', users: opts.users, messages: total, files: opts.files, minutes: round2(seconds / 60), ...courier, ...(baseline ? { baseline } : {}) };
}

export async function benchLoad(args: string[], out: (line: string) => void): Promise<number> {
  out(JSON.stringify(await runLoadBench(parseLoadArgs(args))));
  return 0;
}
