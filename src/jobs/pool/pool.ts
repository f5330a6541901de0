/**
 * The MediaPool the job runner uses: a Piscina pool of worker threads running workers/media.ts
 * (the tasks are tasks.ts; what crosses the thread boundary is protocol.ts).
 *
 * Each call hands the worker plain data plus one end of a MessageChannel. Cancelling a task
 * first asks the worker over that channel (it kills ffmpeg or stops the download, removes partial
 * files and answers CANCELLED); only a task still waiting in the queue, or a worker that has not
 * answered within `cancelGraceMs`, is dropped with Piscina's own abort, which terminates the
 * thread. The worker's answer is an envelope; its error becomes a JobError here again.
 *
 * Under `node --import tsx` (tests, `npm run bench`) the worker threads inherit the loader
 * through execArgv, so the .ts worker file loads as it is.
 */

import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { DEFAULT_THROTTLE, fromWire, type WorkerSettings, type ControlMessage, type ProgressThrottle, type WorkerCall, type WorkerReply } from './protocol.js';
import type { FetchLinkResult, FetchLinkTask, MediaPool, PoolSettings, ProcessOutcome, ProcessTask } from '../../domain/mediaPorts.js';
import { JobError } from '../../domain/jobError.js';

export interface MediaPoolOptions extends Omit<PoolSettings, 'databaseFile'> {
  /** The database the threads write progress to; null: no database, progress goes to `onProgress`. */
  databaseFile: string | null;
  /** A job's percent, when `databaseFile` is null (a queue worker passes it on through the queue). */
  onProgress?: (jobId: string, percent: number) => void;
  /** The worker module: workers/media.ts's `filename` (the composition root passes it, so jobs/ never imports workers/). */
  workerFile: string;
  /** Worker threads: the most tasks that run at once (jobs.poolSize). */
  threads: number;
  /** How long a running task may take to stop after a cancel before its thread is terminated; default 10 s. */
  cancelGraceMs?: number;
  /** Progress write throttle inside the workers; default: 1 point or 500 ms. */
  progressThrottle?: ProgressThrottle;
}

export function createMediaPool(options: MediaPoolOptions): MediaPool {
  if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError(`The media pool needs at least one thread, got ${options.threads}.`);
  const settings: WorkerSettings = { databaseFile: options.databaseFile, ffmpegPath: options.ffmpegPath, ffprobePath: options.ffprobePath };
  const throttle = options.progressThrottle ?? DEFAULT_THROTTLE;
  const cancelGraceMs = options.cancelGraceMs ?? 10_000;
  // All threads start at once and stay: a thread's start-up (loading the worker's modules) costs
  // far more than an idle thread, and would otherwise land on the first jobs after a quiet spell.
  // `name` must be an export of the worker: Piscina preloads that handler when a thread starts,
  // and for a missing one falls back from require() to import(), which has no TypeScript loader
  // inside worker threads on Node 20 (tsx's --import hooks only reach require there).
  const piscina = new Piscina({ filename: options.workerFile, name: 'process', minThreads: options.threads, maxThreads: options.threads, concurrentTasksPerWorker: 1 });

  async function run<T, R>(name: 'fetchLink' | 'process' | 'hashFile', task: T, signal: AbortSignal): Promise<R> {
    if (signal.aborted) throw new JobError('CANCELLED', `The ${name} task was cancelled before it started.`);
    const { port1, port2 } = new MessageChannel();
    const hardStop = new AbortController();
    let started = false;
    let graceTimer: NodeJS.Timeout | undefined;
    port1.on('message', (message: ControlMessage) => {
      if (message.type === 'started') started = true;
      else if (message.type === 'progress') options.onProgress?.(message.jobId, message.percent);
    });
    const onAbort = () => {
      port1.postMessage({ type: 'cancel' } satisfies ControlMessage);
      // Not started: drop it from the queue. Started: give the worker time to clean up.
      if (!started) hardStop.abort();
      else graceTimer = setTimeout(() => hardStop.abort(), cancelGraceMs);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const call: WorkerCall<T> = { settings, throttle, task, control: port2 };
    try {
      const reply = (await piscina.run(call, { name, transferList: [port2], signal: hardStop.signal })) as WorkerReply<R>;
      if (!reply.ok) throw fromWire(reply.error);
      return reply.value;
    } catch (error) {
      if (error instanceof JobError) throw error;
      if (hardStop.signal.aborted) {
        throw new JobError('CANCELLED', started ? `The ${name} task did not stop within ${cancelGraceMs} ms of the cancel; its worker was terminated.` : `The ${name} task was cancelled while queued.`);
      }
      throw new JobError('INTERNAL', `The media worker failed running ${name} (${(error as Error).message}).`, { cause: error });
    } finally {
      clearTimeout(graceTimer);
      signal.removeEventListener('abort', onAbort);
      port1.close();
    }
  }

  return {
    fetchLink: (task: FetchLinkTask, signal: AbortSignal) => run<FetchLinkTask, FetchLinkResult>('fetchLink', task, signal),
    process: (task: ProcessTask, signal: AbortSignal) => run<ProcessTask, ProcessOutcome>('process', task, signal),
    hashFile: (path: string, signal: AbortSignal) => run<{ path: string }, string>('hashFile', { path }, signal),
    close: () => piscina.destroy(),
  };
}
