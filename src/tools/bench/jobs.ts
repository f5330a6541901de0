/**
 * `npm run bench -- jobs [--rounds N] [--threads N]`: media jobs per minute through the Piscina
 * pool for a fixed mix of actions, and the pool's overhead against running the same actions
 * (the same ffmpeg commands, same concurrency) directly from the main thread in the same run.
 *
 * The pool's cost is what it adds around ffmpeg: handing tasks to threads, each worker's progress
 * writes to SQLite, the reply hop. Rounds alternate direct / pool so both see the same machine
 * load, and the reported overhead is the median of the paired rounds. One warm-up job per thread
 * goes first, so thread start-up and module loading are not counted (they happen once per
 * service start, not per job). Prints one JSON line; target overhead < 5 %.
 *
 * `--backend bullmq --workers N` adds the same mix through BullMQ and 1..N worker processes
 * (jobsQueue.ts), with jobs per minute for each N next to the local pool's, and the queue's
 * overhead per job (target < 50 ms).
 */

import { filename as mediaWorkerFile } from '../../../workers/media.js';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { createMediaPool } from '../../jobs/pool/pool.js';
import type { JobRequest, MediaPool, ProcessTask } from '../../domain/mediaPorts.js';
import { locateFfmpeg, locateFfprobe } from '../../media/locate.js';
import { processMedia } from '../../media/process.js';
import { openDatabase } from '../../storage/openDatabase.js';
import { BenchUsageError } from './benchUsageError.js';
import { benchQueue } from './jobsQueue.js';
import { errorMessage } from '../../log/logger.js';

/** The fixed mix: what users ask for most, cheap and expensive actions together. */
export const JOB_MIX: readonly JobRequest[] = [
  { action: 'info' },
  { action: 'extractAudio' }, // AAC source: M4A by stream copy
  { action: 'extractAudio', option: 'mp3' },
  { action: 'compress', option: '480p' },
  { action: 'convert', option: 'mp4' },
  { action: 'convert', option: 'gif' },
  { action: 'thumbnail' },
];

const CLIP_SECONDS = 4;

interface BenchOptions {
  rounds: number;
  threads: number;
  backend: 'local' | 'bullmq';
  workers: number;
}

function parseOptions(args: string[]): BenchOptions {
  const usage = 'usage: bench jobs [--rounds N] [--threads N] [--backend local|bullmq] [--workers N]';
  let values: { rounds?: string; threads?: string; backend?: string; workers?: string };
  try {
    const options = { rounds: { type: 'string' }, threads: { type: 'string' }, backend: { type: 'string' }, workers: { type: 'string' } } as const;
    ({ values } = parseArgs({ args, options, strict: true }));
  } catch (err) {
    throw new BenchUsageError(`jobs: ${errorMessage(err)}; ${usage}`);
  }
  const int = (text: string | undefined, fallback: number, max: number, name: string) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new BenchUsageError(`--${name} must be an integer 1..${max}, got ${text}; ${usage}`);
    return n;
  };
  if (values.backend !== undefined && values.backend !== 'local' && values.backend !== 'bullmq') throw new BenchUsageError(`--backend must be local or bullmq, got ${values.backend}; ${usage}`);
  return {
    rounds: int(values.rounds, 7, 50, 'rounds'),
    threads: int(values.threads, Math.min(availableParallelism(), 4), 32, 'threads'),
    backend: values.backend ?? 'local',
    workers: int(values.workers, 2, 8, 'workers'),
  };
}

export async function benchJobs(args: string[], out: (line: string) => void): Promise<number> {
  const options = parseOptions(args);
  const [ffmpeg, ffprobe] = await Promise.all([locateFfmpeg(null), locateFfprobe(null)]);
  const root = await mkdtemp(join(tmpdir(), 'courier-bench-jobs-'));
  let pool: MediaPool | undefined;
  try {
    const clip = join(root, 'clip.mp4');
    await promisify(execFile)(ffmpeg.path, [
      '-hide_banner', '-v', 'error', '-nostdin', '-y',
      '-f', 'lavfi', '-i', `testsrc=duration=${CLIP_SECONDS}:size=640x360:rate=25`,
      '-f', 'lavfi', '-i', `sine=frequency=440:duration=${CLIP_SECONDS}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip,
    ]);
    const databaseFile = join(root, 'courier.db');
    openDatabase(databaseFile).close(); // migrate once, before the workers open their own connections
    pool = createMediaPool({ workerFile: mediaWorkerFile, databaseFile, ffmpegPath: ffmpeg.path, ffprobePath: ffprobe.path, threads: options.threads });
    const activePool = pool;

    let counter = 0;
    const makeTasks = async (requests: readonly JobRequest[]): Promise<ProcessTask[]> =>
      Promise.all(
        requests.map(async (request) => {
          counter += 1;
          const jobDir = join(root, `job-${counter}`);
          await mkdir(jobDir);
          const input = join(jobDir, 'input-clip.mp4');
          await copyFile(clip, input);
          return { jobId: `bench-${counter}`, input, jobDir, request, inputName: 'clip.mp4', maxDurationSeconds: 3600, timeoutMs: 300_000 };
        }),
      );
    const direct = (task: ProcessTask) =>
      processMedia(task, { ffmpegPath: ffmpeg.path, ffprobePath: ffprobe.path, signal: new AbortController().signal, onPercent: () => undefined });
    const viaPool = (task: ProcessTask) => activePool.process(task, new AbortController().signal);

    const warmUp = Array.from({ length: options.threads }, (): JobRequest => ({ action: 'info' }));
    await Promise.all((await makeTasks(warmUp)).map(direct));
    await Promise.all((await makeTasks(warmUp)).map(viaPool));

    let directMs = 0;
    let poolMs = 0;
    const roundOverheads: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const d = await timed(await makeTasks(JOB_MIX), options.threads, direct);
      const p = await timed(await makeTasks(JOB_MIX), options.threads, viaPool);
      directMs += d;
      poolMs += p;
      roundOverheads.push(((p - d) / d) * 100);
    }
    const jobs = JOB_MIX.length * options.rounds;
    const localRound = async () => timed(await makeTasks(JOB_MIX), options.threads, viaPool);
    const queue =
      options.backend === 'bullmq'
        ? await benchQueue({ workers: options.workers, threads: options.threads, rounds: options.rounds, mix: JOB_MIX, clip, root, ffmpegPath: ffmpeg.path, ffprobePath: ffprobe.path, localRound })
        : null;
    out(
      JSON.stringify({
        bench: 'jobs',
        threads: options.threads,
        rounds: options.rounds,
        jobs,
        mix: JOB_MIX.map((r) => (r.option === undefined ? r.action : `${r.action}:${r.option}`)),
        clip: `${CLIP_SECONDS}s 640x360 h264/aac`,
        ffmpeg: ffmpeg.source,
        poolSeconds: round3(poolMs / 1000),
        directSeconds: round3(directMs / 1000),
        jobsPerMinute: round3((jobs / poolMs) * 60_000),
        directJobsPerMinute: round3((jobs / directMs) * 60_000),
        // The median of paired rounds: on a shared machine one slow round would swing the total.
        overheadPercent: round3(median(roundOverheads)),
        totalOverheadPercent: round3(((poolMs - directMs) / directMs) * 100),
        targetOverheadPercent: 5,
        ...(queue ? { bullmq: { ...queue, targetOverheadMsPerJob: 50 } } : {}),
      }),
    );
    return 0;
  } finally {
    await pool?.close();
    await rm(root, { recursive: true, force: true });
  }
}

/** Runs every task with at most `concurrency` at once (as the pool does); returns the wall time, ms. */
async function timed<T>(tasks: ProcessTask[], concurrency: number, run: (task: ProcessTask) => Promise<T>): Promise<number> {
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await run(task);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
