/**
 * The `bullmq` backend, service side: a job's work is a BullMQ job on Redis, done by
 * `npm run worker` processes on any machine (queueWorker.ts). The service keeps everything else:
 * the SQLite row and state machine, the scheduler (only jobs it starts enter the queue, so
 * per-user limits and fairness hold however many workers there are), the status message and its
 * edits (under the service's one send limiter), Cancel and the time limit.
 *
 * The queue itself is behind `RemoteQueue` (bullmqQueue.ts is BullMQ's), so this adapter's rules
 * are tested with a fake:
 * - one BullMQ job per attempt, named by queueJobId(jobId, attempt): adding it again after a
 *   service restart re-attaches to the job already there instead of running it twice;
 * - the job stays 'queued' in SQLite (and its status message says so) until a worker reports a
 *   stage, so a user whose job waits for a free worker, or for Redis to come back, sees it waiting;
 * - reports only move the job forward: a worker that restarts a stalled job from the download
 *   does not send the status back;
 * - Cancel and the time limit cancel the BullMQ job; the runner stopping does not (the work goes
 *   on and the next start re-attaches);
 * - Redis unreachable: the add is retried with back-off until it succeeds or the job is cancelled.
 */
import { fromWire } from '../pool/protocol.js';
import type { RunnerLogger } from '../runner/runnerTypes.js';
import { RunnerStopping, type ActiveStage, type BackendRun, type JobBackend } from './jobBackend.js';
import { queueJobId, type RemoteEnd, type RemoteJobData, type RemoteProgress } from './remoteProtocol.js';

/** The queue as the adapter sees it. */
export interface RemoteQueue {
  start(): Promise<void>;
  /** Adds the job; a job with this id already in the queue (any state) is left as it is. */
  add(queueId: string, data: RemoteJobData): Promise<void>;
  /**
   * Resolves with the job's end (also when it ended before the call), reporting progress on the
   * way; rejects with the signal's reason when `signal` aborts.
   */
  wait(queueId: string, onProgress: (progress: RemoteProgress) => void, signal: AbortSignal): Promise<RemoteEnd>;
  /** Stops the job wherever it is: removed while it waits, its worker told while it runs. */
  cancel(queueId: string): Promise<void>;
  close(): Promise<void>;
}

export interface BullmqBackendDeps {
  queue: RemoteQueue;
  config: { jobs: { maxFileBytes: number; maxDurationSeconds: number } };
  log: RunnerLogger;
  /** Waits `ms` or until `signal` aborts (rejecting with its reason); injected so tests do not sleep. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Jobs handed to the queue at once (jobs.queueSlots): the scheduler's total. */
  slots: number;
  /** Back-off between adds while Redis is unreachable; default 1 s doubling to 30 s. */
  retryDelaysMs?: { first: number; max: number };
}

const STAGE_RANK: Record<ActiveStage | 'queued', number> = { queued: 0, downloading: 1, processing: 2, uploading: 3 };

export function createBullmqBackend(deps: BullmqBackendDeps): JobBackend {
  const { queue, log } = deps;
  const delays = deps.retryDelaysMs ?? { first: 1000, max: 30_000 };

  /** Adds until Redis takes it: a job accepted by the service is never dropped for want of Redis. */
  async function addPatiently(queueId: string, data: RemoteJobData, signal: AbortSignal): Promise<void> {
    let delay = delays.first;
    for (let tries = 1; ; tries += 1) {
      signal.throwIfAborted();
      try {
        // An add may wait for Redis indefinitely (ioredis queues commands while offline); Cancel must not.
        await raceAbort(queue.add(queueId, data), signal);
        if (tries > 1) log.info('the job queue is reachable again; job handed over', { jobId: data.jobId, tries });
        return;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (tries === 1 || tries % 10 === 0) {
          log.warn('the job queue (Redis) is unreachable; the job waits, shown as queued, and is handed over when it is back', {
            jobId: data.jobId,
            error: String(error),
          });
        }
      }
      await deps.sleep(delay, signal);
      delay = Math.min(delays.max, delay * 2);
    }
  }

  async function run({ job, signal, deadline, reach, progress }: BackendRun) {
    // The attempt this run belongs to: a queued job is about to start its next one.
    const attempt = job.state === 'queued' ? job.attempts + 1 : job.attempts;
    const queueId = queueJobId(job.id, attempt);
    const data: RemoteJobData = {
      v: 1,
      jobId: job.id,
      chat: job.chat,
      sourceMessageId: job.sourceMessageId,
      source: job.source,
      request: job.request,
      deadline,
      maxFileBytes: deps.config.jobs.maxFileBytes,
      maxDurationSeconds: deps.config.jobs.maxDurationSeconds,
      lang: job.lang,
    };
    let stage: ActiveStage | 'queued' = job.state === 'queued' ? 'queued' : (job.state as ActiveStage);
    const onProgress = (report: RemoteProgress) => {
      if (signal.aborted) return;
      try {
        if (STAGE_RANK[report.stage] > STAGE_RANK[stage]) {
          reach(report.stage);
          stage = report.stage;
        }
        // A restarted attempt reporting an earlier stage: its percent would mislead; keep the stage's last.
        if (report.stage === stage) progress(report.percent);
      } catch (error) {
        log.warn('could not record a job progress report', { jobId: job.id, error: String(error) });
      }
    };
    let end: RemoteEnd;
    try {
      await addPatiently(queueId, data, signal);
      end = await queue.wait(queueId, onProgress, signal);
    } catch (error) {
      if (signal.aborted && !(signal.reason instanceof RunnerStopping)) {
        // Not awaited: with Redis away it goes out when Redis is back, and the user's Cancel is answered now.
        void queue.cancel(queueId).catch((cancelError: unknown) => log.warn('could not cancel a queued job', { jobId: job.id, error: String(cancelError) }));
      }
      throw signal.aborted ? signal.reason : error;
    }
    if (!end.ok) throw fromWire(end.error);
    return end.value.result;
  }

  return {
    kind: 'bullmq',
    slots: deps.slots,
    start: () => queue.start(),
    close: () => queue.close(),
    run,
  };
}

/** `work`, or the signal's reason as soon as it aborts (the work goes on unobserved). */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  let onAbort = () => undefined as void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  work.catch(() => undefined);
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}
