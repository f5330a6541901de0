/**
 * The bullmq half of `bench jobs --backend bullmq --workers N`: the same job mix as the local
 * pool, through BullMQ on a redis-server of the bench's own and 1..N bench worker processes
 * (jobsWorker.ts: the real queue worker and pool, Telegram stubbed). The service side is the real
 * bullmq backend, fed as the runner feeds it (at most `threads` jobs in the queue at once).
 *
 * Each queue round follows a round of the same mix through the local pool, so the two see the
 * same machine load (a shared machine's load swings more than the difference measured).
 * On one machine N workers share its cores, so the total threads stay `threads` (split between
 * the workers): the figures show what the queue costs, not what more machines would add.
 * The queue's overhead per job: jobs run one at a time, each job's time from the add to the
 * service reading its end, less the time its worker spent from download to send.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobRequest } from '../../domain/mediaPorts.js';
import { createBullmqBackend } from '../../jobs/backends/bullmqBackend.js';
import { createBullmqQueue } from '../../jobs/backends/bullmqQueue.js';
import type { JobBackend } from '../../jobs/backends/jobBackend.js';
import type { JobRecord } from '../../storage/jobRepository.js';
import { freePort, startRedisServer } from '../redisServer.js';
import { filename as benchWorkerFile, type BenchWorkerSettings } from './jobsWorker.js';

export interface QueueBenchOptions {
  workers: number;
  threads: number;
  rounds: number;
  mix: readonly JobRequest[];
  clip: string;
  root: string;
  ffmpegPath: string;
  ffprobePath: string;
  /** One round of the mix through the local pool (same threads), ms: run before each queue round, so both see the same machine load. */
  localRound(): Promise<number>;
}

export interface QueueBenchFigures {
  byWorkers: { workers: number; threadsEach: number; seconds: number; jobsPerMinute: number; localJobsPerMinute: number }[];
  overheadMsPerJob: number;
  overheadJobs: number;
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function startRedis(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  return { url: `redis://127.0.0.1:${port}`, child: await startRedisServer(port, dir) };
}

function startWorker(settings: BenchWorkerSettings, busy: Map<string, number>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', benchWorkerFile, JSON.stringify(settings)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line === 'ready') resolve(child);
        else if (line.startsWith('{"busy"')) {
          const [jobId, ms] = (JSON.parse(line) as { busy: [string, number] }).busy;
          busy.set(jobId, ms);
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`a bench worker exited (${code}) before it was ready`)));
  });
}

let counter = 0;

function benchJob(request: JobRequest): JobRecord {
  counter += 1;
  const id = `bq${Date.now().toString(36)}${counter}`;
  return {
    ...{ id, userId: '1', state: 'queued', progress: 0, attempts: 0, maxAttempts: 1, failure: null, resume: null, originKey: id },
    chat: { kind: 'user', id: '1', accessHash: '1' },
    source: { kind: 'telegram', media: { kind: 'video', location: { type: 'document', id, accessHash: '1', fileReference: 'AA', dcId: 1 }, sizeBytes: 1, mimeType: 'video/mp4', fileName: 'clip.mp4' } },
    ...{ sourceMessageId: 1, inputKey: id, request, lang: 'en', statusMessageId: null, inputPath: null, outcome: null, uploadFileId: null },
    ...{ result: null, notBefore: null, createdAt: 0, updatedAt: 0 },
  } as JobRecord;
}

async function runJob(backend: JobBackend, request: JobRequest): Promise<{ id: string; ms: number }> {
  const job = benchJob(request);
  const started = performance.now();
  await backend.run({ job, signal: new AbortController().signal, deadline: Date.now() + 600_000, reach: () => job, progress: () => undefined });
  return { id: job.id, ms: performance.now() - started };
}

/** Runs `requests` with at most `lanes` at once; returns the wall time, ms. */
async function lanesOf(backend: JobBackend, requests: readonly JobRequest[], lanes: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < requests.length) await runJob(backend, requests[next++]!);
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return performance.now() - started;
}

export async function benchQueue(options: QueueBenchOptions): Promise<QueueBenchFigures> {
  const redis = await startRedis(join(options.root, 'redis'));
  const children: ChildProcess[] = [];
  const busy = new Map<string, number>();
  const figures: QueueBenchFigures = { byWorkers: [], overheadMsPerJob: 0, overheadJobs: 0 };
  try {
    for (let workers = 1; workers <= options.workers; workers++) {
      const queueName = `bench-${workers}`;
      const threadsEach = Math.max(1, Math.floor(options.threads / workers));
      const started = await Promise.all(
        Array.from({ length: workers }, (_, i) =>
          startWorker({ redisUrl: redis.url, queueName, threads: threadsEach, clip: options.clip, tempDir: join(options.root, `w${workers}-${i}`), ffmpegPath: options.ffmpegPath, ffprobePath: options.ffprobePath }, busy),
        ),
      );
      children.push(...started);
      const backend = createBullmqBackend({
        queue: createBullmqQueue({ redisUrl: redis.url, queueName, pollMs: 1000 }, silent),
        config: { jobs: { maxFileBytes: 2 ** 31, maxDurationSeconds: 3600 } },
        log: silent,
        slots: options.threads,
        sleep: (ms, signal) => sleep(ms, undefined, { signal }),
      });
      await backend.start();
      try {
        const lanes = threadsEach * workers;
        await lanesOf(backend, Array.from({ length: lanes }, (): JobRequest => ({ action: 'info' })), lanes);
        let ms = 0;
        let localMs = 0;
        for (let round = 0; round < options.rounds; round++) {
          localMs += await options.localRound();
          ms += await lanesOf(backend, options.mix, lanes);
        }
        const jobs = options.mix.length * options.rounds;
        const perMinute = (total: number) => Math.round((jobs / total) * 60_000 * 1000) / 1000;
        figures.byWorkers.push({ workers, threadsEach, seconds: Math.round(ms) / 1000, jobsPerMinute: perMinute(ms), localJobsPerMinute: perMinute(localMs) });
        if (workers === 1) {
          const overheads: number[] = [];
          for (const request of [...options.mix, ...options.mix]) {
            const { id, ms: total } = await runJob(backend, request);
            const worked = busy.get(id);
            if (worked !== undefined) overheads.push(total - worked);
          }
          overheads.sort((a, b) => a - b);
          figures.overheadJobs = overheads.length;
          figures.overheadMsPerJob = Math.round((overheads[Math.floor(overheads.length / 2)] ?? NaN) * 10) / 10;
        }
      } finally {
        await backend.close();
        for (const child of started) child.kill('SIGTERM');
      }
    }
    return figures;
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    redis.child.kill('SIGKILL');
  }
}
