/**
 * A bench worker process for `bench jobs --backend bullmq`: the real queue worker
 * (src/jobs/backends/queueWorker.ts) with its own Piscina pool, but Telegram stubbed out — the
 * "download" copies the bench clip, the "upload" sends nothing — so the figures are the queue's
 * and ffmpeg's, not the network's. Started by jobsQueue.ts as `node --import tsx jobsWorker.ts
 * JSON`; prints "ready" once it takes jobs, and for each job a line {"busy": [jobId, ms]}: the
 * time from its download to its send, which the bench subtracts to find the queue's overhead.
 */
import { copyFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { filename as mediaWorkerFile } from '../../../workers/media.js';
import type { TelegramFiles } from '../../domain/mediaPorts.js';
import { startQueueWorker, type RunningQueueWorker } from '../../jobs/backends/queueWorker.js';
import { createMediaPool } from '../../jobs/pool/pool.js';
import { JOB_MESSAGES } from '../../jobs/jobIdentity.js';

export const filename = fileURLToPath(import.meta.url);

export interface BenchWorkerSettings {
  redisUrl: string;
  queueName: string;
  threads: number;
  clip: string;
  tempDir: string;
  ffmpegPath: string;
  ffprobePath: string;
}

async function main(settings: BenchWorkerSettings): Promise<void> {
  const started = new Map<string, number>();
  const byResultId = new Map<bigint, string>();
  const done = (jobId: string) => process.stdout.write(`${JSON.stringify({ busy: [jobId, performance.now() - (started.get(jobId) ?? performance.now())] })}\n`);
  const jobIdOf = (destination: string) => /jobs\/([^/]+)\//.exec(destination)?.[1] ?? '?';
  const files: TelegramFiles = {
    download: async (_media, destination) => {
      const jobId = jobIdOf(destination);
      started.set(jobId, performance.now());
      byResultId.set(JOB_MESSAGES.result(jobId), jobId);
      await copyFile(settings.clip, destination);
    },
    sendFile: async (_chat, file) => {
      done(jobIdOf(file.path));
      return { messageId: 1, duplicate: false, stored: null };
    },
    sendStored: async () => ({ messageId: 1, duplicate: false }),
  };
  let worker: RunningQueueWorker | null = null;
  const pool = createMediaPool({
    workerFile: mediaWorkerFile,
    databaseFile: null,
    onProgress: (jobId, percent) => worker?.poolProgress(jobId, percent),
    ffmpegPath: settings.ffmpegPath,
    ffprobePath: settings.ffprobePath,
    threads: settings.threads,
  });
  const silent = { info: () => undefined, warn: (m: string, meta?: unknown) => process.stderr.write(`${m} ${JSON.stringify(meta)}\n`), error: () => undefined };
  worker = startQueueWorker({
    settings: { redisUrl: settings.redisUrl, queueName: settings.queueName, concurrency: settings.threads, lockDurationMs: 30_000, stalledIntervalMs: 15_000, tempDir: settings.tempDir, progressIntervalMs: 1000 },
    botPort: {
      // Info answers with a text: the job's last step, like a file's send.
      sendText: async (_chat, _text, opts) => {
        const jobId = byResultId.get(opts.randomId);
        if (jobId !== undefined) done(jobId);
        return { messageId: 1, duplicate: false };
      },
      editText: async () => undefined,
    },
    files,
    pool,
    config: {
      jobs: { poolSize: settings.threads, perUserInFlight: 100, perUserQueued: 100, maxFileBytes: 2 ** 31, maxDurationSeconds: 3600, minFreeDiskBytes: 0, jobTimeoutSeconds: 600, progressIntervalMs: 1000 },
      links: { allowLoopback: false, allowedPorts: [], denyCidrs: [], timeoutMs: 1000, deadlineSeconds: 10, minBytesPerSecond: 0, maxRedirects: 0, maxBytes: 1 },
    },
    log: silent,
  });
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void worker?.stop(true).then(() => pool.close()).finally(() => process.exit(0));
  });
}

if (process.argv[1] === filename) void main(JSON.parse(process.argv[2] ?? '{}') as BenchWorkerSettings);
