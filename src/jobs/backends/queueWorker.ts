/**
 * The `bullmq` backend, worker side: what `npm run worker` runs (wired in workers/queueWorker.ts).
 * It takes media jobs from the queue and does all of one attempt: download from Telegram (or the
 * link), process in its own Piscina pool, upload and send the result to the user with the job's
 * fixed random_id, then reports the result as the BullMQ job's return value. It writes nothing to
 * the service's database; stages and percent go back as BullMQ job progress.
 *
 * Exactly once across crashes: a worker killed mid-job stops renewing the job's lock; after
 * `lockDurationMs` another worker's stalled-job check (every `stalledIntervalMs`) puts the job
 * back and a worker restarts it from the download (nothing of the dead worker's disk is
 * reachable). The result's random_id is derived from the Courier job id, the same in every
 * attempt, so Telegram drops a second send of a result the dead worker already sent, and the
 * restarted attempt reports the send as a duplicate (result null). A job that stalls more than
 * MAX_STALLED_COUNT times fails (INTERNAL, retryable: the user gets the Retry button).
 *
 * Job directories live under this worker's own data directory, which its owner sweeps at start.
 */
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { JobError } from '../../domain/jobError.js';
import type { MediaPool, TelegramFiles } from '../../domain/mediaPorts.js';
import { toWire } from '../pool/protocol.js';
import { makeJobDir, removeJobDir } from '../runner/jobDirs.js';
import { downloadInput, processInput, uploadResult, type StageContext, type StageJob } from '../runner/jobStages.js';
import type { JobMessenger, RunnerConfig, RunnerLogger } from '../runner/runnerTypes.js';
import { cancelChannel, cancelKey } from './bullmqQueue.js';
import type { ActiveStage } from './jobBackend.js';
import { progressThrottle, systemTimers, type ProgressThrottle } from './progressThrottle.js';
import { encodeFailure, parseRemoteJobData, type RemoteJobData, type RemoteProgress, type RemoteResult } from './remoteProtocol.js';

/** Stalls a job may survive before BullMQ fails it: two dead workers in a row is a pattern, not bad luck. */
export const MAX_STALLED_COUNT = 2;

export interface QueueWorkerSettings {
  redisUrl: string;
  queueName: string;
  /** Jobs this worker runs at once (its pool's threads). */
  concurrency: number;
  /** How long a job's lock lives without renewal (renewed every half of it); a dead worker's jobs wait this long. */
  lockDurationMs: number;
  /** How often this worker looks for stalled jobs (of any worker). */
  stalledIntervalMs: number;
  /** This worker's own directory for job files. */
  tempDir: string;
  /** Least time between two percent reports of a job (stage changes always go). */
  progressIntervalMs: number;
}

export interface QueueWorkerDeps {
  settings: QueueWorkerSettings;
  /** This worker's own Telegram client: its sends and transfers. */
  botPort: JobMessenger;
  files: TelegramFiles;
  pool: MediaPool;
  config: Pick<RunnerConfig, 'jobs' | 'links'>;
  log: RunnerLogger;
  now?: () => number;
}

export interface RunningQueueWorker {
  /** Where the pool's percent goes (pass it as the pool's onProgress). */
  poolProgress(jobId: string, percent: number): void;
  /** Jobs this worker finished (completed or failed) since it started. */
  finished(): number;
  /** Stops taking jobs; waits for running ones unless `force`. */
  stop(force?: boolean): Promise<void>;
}

export function startQueueWorker(deps: QueueWorkerDeps): RunningQueueWorker {
  const { settings, log } = deps;
  const now = deps.now ?? Date.now;
  const reporters = new Map<string, ProgressThrottle>();
  let finished = 0;

  function reporterOf(job: Job<RemoteJobData, RemoteResult>): ProgressThrottle {
    return progressThrottle(
      settings.progressIntervalMs,
      (report: RemoteProgress) =>
        void job.updateProgress(report).catch((error: unknown) => log.warn('could not report job progress', { jobId: job.data.jobId, error: String(error) })),
      { ...systemTimers, now },
    );
  }

  async function processJob(job: Job<RemoteJobData, RemoteResult>, _token?: string, signal?: AbortSignal): Promise<RemoteResult> {
    const controller = new AbortController();
    const abort = () => controller.abort(new JobError('CANCELLED', `Job ${job.id} was cancelled by its user.`));
    signal?.addEventListener('abort', abort, { once: true });
    let data: RemoteJobData | null = null;
    try {
      data = parseRemoteJobData(job.data);
      if ((await redis.exists(cancelKey(settings.queueName, job.id ?? ''))) === 1) abort();
      controller.signal.throwIfAborted();
      const progress = reporterOf(job);
      reporters.set(data.jobId, progress);
      log.info('job taken', { jobId: data.jobId, queueId: job.id, restartedAfterStall: job.stalledCounter > 0 });
      const result = await runStages(data, controller.signal, (stage, percent) => progress.report(stage, percent));
      log.info('job done', { jobId: data.jobId, duplicate: result.result === null });
      return result;
    } catch (error) {
      const cause = controller.signal.aborted ? controller.signal.reason : error;
      log.warn('job failed', { jobId: data?.jobId ?? job.id, error: String(cause) });
      throw new Error(encodeFailure(toWire(cause)));
    } finally {
      signal?.removeEventListener('abort', abort);
      if (data) {
        reporters.get(data.jobId)?.stop();
        reporters.delete(data.jobId);
        await removeJobDir(settings.tempDir, data.jobId).catch(() => undefined);
      }
      finished += 1;
    }
  }

  async function runStages(data: RemoteJobData, signal: AbortSignal, report: (stage: ActiveStage | null, percent: number) => void): Promise<RemoteResult> {
    // Upload parts are remembered for this attempt only: a successor on another machine starts over.
    const parts = new Map<string, Set<number>>();
    const sentParts = new Set<number>();
    const ctx: StageContext = {
      botPort: deps.botPort,
      files: deps.files,
      pool: deps.pool,
      config: { ...deps.config, jobs: { ...deps.config.jobs, maxFileBytes: data.maxFileBytes, maxDurationSeconds: data.maxDurationSeconds }, paths: { temp: settings.tempDir } },
      now,
      signal,
      deadline: data.deadline,
      progress: (_jobId, percent) => report(null, percent),
      uploads: {
        confirmedParts: (_jobId, fileId) => [...(parts.get(fileId) ?? [])],
        setFileId: () => undefined,
        addPart: (_jobId, fileId, part) => void parts.set(fileId, (parts.get(fileId) ?? new Set()).add(part)),
        sentParts: () => [...sentParts],
        partSent: (_jobId, part) => void sentParts.add(part),
      },
    };
    const dir = await makeJobDir(settings.tempDir, data.jobId);
    let job: StageJob = { id: data.jobId, source: data.source, request: data.request, chat: data.chat, sourceMessageId: data.sourceMessageId, inputPath: null, outcome: null, uploadFileId: null, ...(data.lang !== undefined ? { lang: data.lang } : {}) };
    report('downloading', 0);
    job = { ...job, inputPath: await downloadInput(ctx, job, dir) };
    signal.throwIfAborted();
    report('processing', 0);
    job = { ...job, outcome: await processInput(ctx, job, dir) };
    signal.throwIfAborted();
    report('uploading', 0);
    return { result: await uploadResult(ctx, job) };
  }

  const redis = new Redis(settings.redisUrl);
  const subscriber = new Redis(settings.redisUrl);
  const onError = (what: string) => (error: Error) => log.warn(`job queue: ${what} error (is Redis at jobs.redisUrl up?)`, { error: error.message });
  redis.on('error', onError('redis'));
  subscriber.on('error', onError('cancel channel'));
  const worker = new Worker<RemoteJobData, RemoteResult>(settings.queueName, processJob, {
    connection: { url: settings.redisUrl },
    concurrency: settings.concurrency,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    maxStalledCount: MAX_STALLED_COUNT,
  });
  worker.on('error', onError('worker'));
  void subscriber.subscribe(cancelChannel(settings.queueName)).catch(onError('subscribe'));
  subscriber.on('message', (_channel: string, queueId: string) => {
    if (worker.cancelJob(queueId, 'cancelled by its user')) log.info('job cancelled by the service', { queueId });
  });

  return {
    poolProgress: (jobId, percent) => reporters.get(jobId)?.report(null, percent),
    finished: () => finished,
    async stop(force = false) {
      await worker.close(force);
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}
