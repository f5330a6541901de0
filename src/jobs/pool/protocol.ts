/**
 * What crosses the thread boundary between the pool (pool.ts) and its workers (tasks.ts): a tagged
 * call envelope in, a reply envelope out, control messages on a MessagePort. Errors travel as plain
 * {reason, message, retryable}: a thrown JobError loses its class and fields crossing threads, so
 * it is sent as data and rebuilt here (fromWire) on the receiving side.
 */
import type { MessagePort } from 'node:worker_threads';
import { JobError, isReasonCode, type ReasonCode } from '../../domain/jobError.js';
import type { PoolSettings } from '../../domain/mediaPorts.js';

/** How often a job's progress is written: on a change of at least `minStep` points, or after `intervalMs`. */
export interface ProgressThrottle {
  minStep: number;
  intervalMs: number;
}

export const DEFAULT_THROTTLE: ProgressThrottle = { minStep: 1, intervalMs: 500 };

/**
 * The pool's settings as a worker thread gets them. `databaseFile` null: the thread writes no
 * database and posts its progress on the control port instead (a queue worker on another machine
 * has no access to the service's SQLite; its progress goes back through the queue).
 */
export type WorkerSettings = Omit<PoolSettings, 'databaseFile'> & { databaseFile: string | null };

export interface WorkerCall<T> {
  settings: WorkerSettings;
  throttle: ProgressThrottle;
  task: T;
  /** Receives {type:'cancel'}; the worker posts {type:'started'} when it begins the task. */
  control: MessagePort;
}

export interface WireError {
  reason: ReasonCode;
  message: string;
  retryable: boolean;
}

export type WorkerReply<T> = { ok: true; value: T } | { ok: false; error: WireError };

export type ControlMessage = { type: 'cancel' } | { type: 'started' } | { type: 'progress'; jobId: string; percent: number };

/** Turns any error into the plain data a reply carries. */
export function toWire(error: unknown): WireError {
  if (error instanceof JobError) return { reason: error.reason, message: error.message, retryable: error.retryable };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { reason: 'INTERNAL', message: `Unexpected error in the media worker: ${message}`, retryable: true };
}

/** Turns a reply's error back into a JobError on the receiving side. */
export function fromWire(error: WireError): JobError {
  const reason = isReasonCode(error.reason) ? error.reason : 'INTERNAL';
  return new JobError(reason, error.message, { retryable: error.retryable });
}
