/**
 * The RemoteQueue of the bullmq backend, on BullMQ: the service's side of the media-job queue.
 *
 * - add: Queue.add with the attempt's fixed job id (BullMQ ignores an add whose id it knows, which
 *   is how a restarted service re-attaches). Attempts 1: a failed job is the user's to retry (the
 *   Retry button, a fresh attempt), not BullMQ's. Finished jobs are kept a week so a service that
 *   was down can still read how its jobs ended.
 * - wait: the job's end comes with QueueEvents' completed/failed event, and is also read from the
 *   job itself (Job.fromId + getState) once at once (it may have ended already) and every
 *   `pollMs` (events are a stream a reconnecting reader may skip); progress comes from QueueEvents.
 * - cancel: BullMQ cannot stop a job another process runs, so the service publishes the job id on
 *   a channel every worker listens to (worker.cancelJob aborts the processor) and leaves a key
 *   that a worker checks before it starts the job; a job still waiting is removed.
 *
 * Every BullMQ and ioredis object gets an 'error' listener: an unreachable Redis is logged and
 * waited out, never an unhandled 'error' event that ends the process.
 */
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { RunnerLogger } from '../runner/runnerTypes.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBullmqBackend, type RemoteQueue } from './bullmqBackend.js';
import type { JobBackend } from './jobBackend.js';
import { decodeFailure, isRemoteProgress, MEDIA_JOB, type RemoteEnd, type RemoteJobData, type RemoteProgress, type RemoteResult } from './remoteProtocol.js';

export interface BullmqQueueSettings {
  redisUrl: string;
  queueName: string;
  /** How often the ends of waited-for jobs are read, besides the events; default 5 s. */
  pollMs?: number;
}

const WEEK_SECONDS = 7 * 24 * 3600;

/** The channel and key of a cancelled job (shared with queueWorker.ts). */
export const cancelChannel = (queueName: string) => `courier:${queueName}:cancel`;
export const cancelKey = (queueName: string, queueId: string) => `courier:${queueName}:cancelled:${queueId}`;

export class QueueNotStartedError extends Error {
  override readonly name = 'QueueNotStartedError';
  constructor() {
    super('The job queue was used before start() (or after close()); this is a bug in the runner wiring.');
  }
}

interface Waiter {
  onProgress(progress: RemoteProgress): void;
  settle(end: RemoteEnd): void;
}

export function createBullmqQueue(settings: BullmqQueueSettings, log: RunnerLogger): RemoteQueue {
  const { queueName } = settings;
  const waiters = new Map<string, Set<Waiter>>();
  let parts: { queue: Queue; events: QueueEvents; redis: Redis; poll: NodeJS.Timeout } | null = null;

  const need = () => {
    if (!parts) throw new QueueNotStartedError();
    return parts;
  };
  const onError = (what: string) => (error: Error) => log.warn(`job queue: ${what} error (is Redis at jobs.redisUrl up?)`, { error: error.message });

  /** Reads the job's end; settles its waiters when it has one. */
  async function check(queueId: string): Promise<void> {
    if (!waiters.has(queueId)) return;
    const job = await Job.fromId<RemoteJobData, RemoteResult>(need().queue, queueId);
    let end: RemoteEnd | null = null;
    if (!job) {
      end = { ok: false, error: { reason: 'INTERNAL', retryable: true, message: `The queue no longer has job ${queueId} (removed by hand, or Redis lost its data); press Retry to run it again.` } };
    } else {
      const state = await job.getState();
      if (state === 'completed') end = { ok: true, value: job.returnvalue ?? { result: null } };
      else if (state === 'failed') end = { ok: false, error: decodeFailure(job.failedReason) };
    }
    if (end) settle(queueId, end);
  }

  function settle(queueId: string, end: RemoteEnd): void {
    for (const waiter of waiters.get(queueId) ?? []) waiter.settle(end);
  }

  // Reads in flight are awaited by close(): a read cut off by closing its connection would reject unseen.
  const reads = new Set<Promise<void>>();
  const checkQuietly = (queueId: string) => {
    if (!parts) return;
    const read = check(queueId).catch(onError('reading a job'));
    reads.add(read);
    void read.finally(() => reads.delete(read));
  };

  return {
    async start() {
      if (parts) return;
      const connection = { url: settings.redisUrl };
      const queue = new Queue<RemoteJobData, RemoteResult>(queueName, { connection, skipWaitingForReady: true });
      const events = new QueueEvents(queueName, { connection });
      const redis = new Redis(settings.redisUrl, { lazyConnect: false });
      queue.on('error', onError('queue'));
      events.on('error', onError('events'));
      redis.on('error', onError('cancel channel'));
      events.on('progress', ({ jobId, data }) => {
        if (!isRemoteProgress(data)) return;
        for (const waiter of waiters.get(jobId) ?? []) waiter.onProgress(data);
      });
      // The events carry the end (attempts 1: a failure is final); no second read of the job.
      events.on('completed', ({ jobId, returnvalue }) => settle(jobId, { ok: true, value: (returnvalue as RemoteResult | null) ?? { result: null } }));
      events.on('failed', ({ jobId, failedReason }) => settle(jobId, { ok: false, error: decodeFailure(failedReason) }));
      const poll = setInterval(() => {
        for (const queueId of waiters.keys()) checkQuietly(queueId);
      }, settings.pollMs ?? 5000);
      poll.unref();
      parts = { queue, events, redis, poll };
    },

    async add(queueId, data) {
      await need().queue.add(MEDIA_JOB, data, {
        jobId: queueId,
        attempts: 1,
        removeOnComplete: { age: WEEK_SECONDS },
        removeOnFail: { age: WEEK_SECONDS },
      });
    },

    wait(queueId, onProgress, signal) {
      return new Promise<RemoteEnd>((resolve, reject) => {
        const set = waiters.get(queueId) ?? new Set<Waiter>();
        waiters.set(queueId, set);
        const done = () => {
          set.delete(waiter);
          if (set.size === 0) waiters.delete(queueId);
          signal.removeEventListener('abort', onAbort);
        };
        const waiter: Waiter = {
          onProgress,
          settle: (end) => {
            done();
            resolve(end);
          },
        };
        const onAbort = () => {
          done();
          reject(signal.reason);
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        set.add(waiter);
        checkQuietly(queueId);
      });
    },

    async cancel(queueId) {
      const { redis, queue } = need();
      await redis.set(cancelKey(queueName, queueId), '1', 'EX', WEEK_SECONDS);
      await redis.publish(cancelChannel(queueName), queueId);
      const job = await Job.fromId(queue, queueId);
      // A running job is locked and refuses removal; its worker got the message above.
      if (job && ['waiting', 'delayed', 'prioritized'].includes(await job.getState())) await job.remove().catch(() => undefined);
    },

    async close() {
      if (!parts) return;
      const { queue, events, redis, poll } = parts;
      clearInterval(poll);
      await Promise.allSettled([...reads]);
      parts = null;
      redis.disconnect();
      // With Redis gone, a close waits for a reconnect that may never come; the process is stopping.
      const give = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref());
      await Promise.race([Promise.allSettled([queue.close(), events.close()]), give]);
    },
  };
}

/** The settings of the bullmq backend (config jobs.*). */
export interface BullmqJobsConfig {
  redisUrl: string | null;
  queueName: string;
  queueSlots: number;
  maxFileBytes: number;
  maxDurationSeconds: number;
}

export class MissingRedisUrlError extends Error {
  override readonly name = 'MissingRedisUrlError';
  constructor() {
    super('jobs.backend is "bullmq" but jobs.redisUrl is not set; set COURIER_REDIS_URL=redis://host:6379 (the same for the service and its workers).');
  }
}

/** The service's bullmq backend on the configured Redis (the composition root's one call). */
export function createBullmqJobBackend(jobs: Partial<BullmqJobsConfig> & Pick<BullmqJobsConfig, 'maxFileBytes' | 'maxDurationSeconds'>, log: RunnerLogger): JobBackend {
  if (!jobs.redisUrl) throw new MissingRedisUrlError();
  return createBullmqBackend({
    // The schema's defaults (src/config/schema.ts) when a caller leaves them out.
    queue: createBullmqQueue({ redisUrl: jobs.redisUrl, queueName: jobs.queueName ?? 'courier-media' }, log),
    config: { jobs },
    log,
    slots: jobs.queueSlots ?? 16,
    sleep: (ms, signal) => sleep(ms, undefined, { signal }),
  });
}
