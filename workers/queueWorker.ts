/**
 * `npm run worker [-- --sandbox DIR] [--id NAME]`: a media-job worker for any machine (the bullmq
 * backend). The queue entry, thin like workers/media.ts: it only wires Courier's parts together;
 * what a worker does with a job is src/jobs/backends/queueWorker.ts.
 *
 * - It logs in as the bot with an auth key of its own (imported from telegram.botToken, or the
 *   sandbox bot's token), kept in <paths.sessions>/worker-<id>-<session>.session under its own
 *   process lock: never the service's session file (two processes on one auth key end in
 *   AUTH_KEY_DUPLICATED). It takes no updates; the service alone handles the conversation.
 * - Its job files live in <paths.data>/workers/<id>/, emptied at start: a job it was doing when it
 *   died has moved to another worker by now, or will restart from the download.
 * - It opens no database: progress and outcomes go back through BullMQ.
 */
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { filename as mediaWorkerFile } from './media.js';
import type { Config } from '../src/config/index.js';
import { startQueueWorker, type RunningQueueWorker } from '../src/jobs/backends/queueWorker.js';
import { MissingRedisUrlError } from '../src/jobs/backends/bullmqQueue.js';
import { createMediaPool } from '../src/jobs/pool/pool.js';
import { logger } from '../src/log/logger.js';
import { locateFfmpeg, locateFfprobe } from '../src/media/locate.js';
import { loginTarget, MissingApiCredentialsError } from '../src/telegram/connection/client.js';
import { connectTelegram } from '../src/telegram/connectTelegram.js';
import { filename as cryptoWorkerFile } from './transferCrypto.js';
import { acquireProcessLock } from '../src/telegram/session/processLock.js';
import { loadSession, saveSession } from '../src/telegram/session/sessionFile.js';

const log = logger('worker');

export class WorkerIdError extends Error {
  override readonly name = 'WorkerIdError';
  constructor(id: string) {
    super(`"${id}" cannot name a worker: use letters, digits, "_" or "-" (--id NAME; default: this host's name).`);
  }
}

export class WorkerTokenError extends Error {
  override readonly name = 'WorkerTokenError';
  constructor(sessionFile: string) {
    super(`The worker has no session yet (${sessionFile}) and no bot token to make one: set telegram.botToken (COURIER_BOT_TOKEN). A worker logs in as the bot with an auth key of its own, never with the service's session.`);
  }
}

export interface WorkerOptions {
  sandboxDir?: string | undefined;
  /** Names the worker's session file and data directory; default: the host name. */
  id?: string | undefined;
}

export interface RunningWorker {
  readonly id: string;
  stop(force?: boolean): Promise<void>;
}

export async function runQueueWorker(config: Config, options: WorkerOptions = {}): Promise<RunningWorker> {
  const id = options.id ?? hostname().replace(/[^\w-]/g, '_');
  if (!/^[\w-]{1,40}$/.test(id)) throw new WorkerIdError(id);
  if (!config.jobs.redisUrl) throw new MissingRedisUrlError();
  const service = loginTarget(config.telegram, config.paths.sessions, options.sandboxDir);
  if (service.apiId === 0 || !service.apiHash) throw new MissingApiCredentialsError();
  const target = { ...service, sessionFile: join(dirname(service.sessionFile), `worker-${id}-${basename(service.sessionFile)}`) };
  const lock = acquireProcessLock(`${target.sessionFile}.lock`);
  const undo: (() => unknown)[] = [() => lock.release()];
  const unwind = async () => {
    for (const step of undo.reverse()) await step();
  };
  try {
    const tempDir = join(config.paths.data, 'workers', id);
    await rm(tempDir, { recursive: true, force: true });
    const [ffmpeg, ffprobe] = await Promise.all([locateFfmpeg(config.media.ffmpegPath), locateFfprobe(config.media.ffprobePath)]);
    let worker: RunningQueueWorker | null = null;
    const pool = createMediaPool({
      workerFile: mediaWorkerFile,
      databaseFile: null,
      onProgress: (jobId, percent) => worker?.poolProgress(jobId, percent),
      ffmpegPath: ffmpeg.path,
      ffprobePath: ffprobe.path,
      threads: config.jobs.poolSize,
    });
    undo.push(() => pool.close());
    const session = loadSession(target.sessionFile);
    if (session === null && target.kind === 'telegram' && !config.telegram.botToken) throw new WorkerTokenError(target.sessionFile);
    const link = await connectTelegram({
      target,
      session,
      saveSession: (s) => saveSession(target.sessionFile, s),
      telegram: config.telegram,
      logLevel: config.log.level,
      botToken: config.telegram.botToken,
      outbox: config.outbox,
      cryptoWorkerFile,
    });
    undo.push(() => link.disconnect());
    worker = startQueueWorker({
      settings: {
        redisUrl: config.jobs.redisUrl,
        queueName: config.jobs.queueName,
        concurrency: config.jobs.poolSize,
        lockDurationMs: config.jobs.lockDurationMs,
        stalledIntervalMs: config.jobs.stalledIntervalMs,
        tempDir,
        progressIntervalMs: Math.min(1000, config.jobs.progressIntervalMs),
      },
      botPort: link.port,
      files: link.files,
      pool,
      config: { jobs: config.jobs, links: config.links },
      log: logger('worker'),
    });
    const running = worker;
    undo.push(() => running.stop());
    log.info(`worker ${id} is running as @${link.me.username ?? link.me.id}: ${config.jobs.poolSize} job(s) at once from queue "${config.jobs.queueName}"; ${ffmpeg.version}`);
    return {
      id,
      stop: async (force = false) => {
        // The queue worker first (it waits for its running jobs unless forced), then the pool and the client.
        await running.stop(force);
        undo.pop();
        await unwind();
        log.info(`worker ${id} stopped after ${running.finished()} job(s)`);
      },
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}
