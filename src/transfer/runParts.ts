/**
 * Drives a PartWindow with real promises: starts the parts it hands out, feeds outcomes back,
 * and sleeps (through an injected sleep) when the window is paused or waiting on a backoff.
 * Shared by upload.ts and download.ts; no timers of its own, so tests inject time.
 */
import { setMaxListeners } from 'node:events';
import { PartWindow, type PartFailure } from './partWindow.js';
import {
  TransferCancelledError,
  TransferFailedError,
  TransferFatalError,
  TransferFloodWaitError,
} from './transferErrors.js';

export interface TransferClock {
  now(): number;
  /** Resolves after `ms`, or rejects/resolves early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: TransferClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** Maps an error thrown by a send/fetch into what the window understands. */
export function classifyPartError(error: unknown): PartFailure {
  if (error instanceof TransferFloodWaitError) return { kind: 'flood', seconds: error.seconds, error };
  if (error instanceof TransferFatalError) return { kind: 'fatal', error };
  return { kind: 'retry', error };
}

/** Settles with `promise`, or rejects with TransferCancelledError as soon as `signal` aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) return Promise.reject(new TransferCancelledError(what));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new TransferCancelledError(what));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export interface RunPartsOptions {
  window: PartWindow;
  /** Sends or fetches one part; resolves when Telegram confirmed it. */
  runPart(part: number, signal: AbortSignal): Promise<void>;
  /** Called after each confirmation (persist it for a resume). */
  onConfirmed?(part: number): void | Promise<void>;
  clock: TransferClock;
  signal?: AbortSignal;
  /** Used in error messages, e.g. "upload of video.mp4". */
  what: string;
}

export async function runParts(options: RunPartsOptions): Promise<void> {
  const { window, clock, what } = options;
  // Our own controller: aborting it on a fatal failure stops the other parts in flight.
  const internal = new AbortController();
  // One abort listener per part in flight: a wide window is expected, not a leak.
  setMaxListeners(0, internal.signal);
  const onOuterAbort = () => internal.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const running = new Set<Promise<void>>();
  let wake: () => void = () => {};
  let wakeup = new Promise<void>((resolve) => (wake = resolve));
  const notify = () => {
    wake();
    wakeup = new Promise<void>((resolve) => (wake = resolve));
  };
  let hookError: unknown;

  const start = (part: number) => {
    const task = options
      .runPart(part, internal.signal)
      .then(
        async () => {
          window.confirm(part);
          try {
            await options.onConfirmed?.(part);
          } catch (error) {
            hookError ??= error;
            internal.abort();
          }
        },
        (error: unknown) => {
          if (internal.signal.aborted) return;
          const verdict = window.fail(part, classifyPartError(error), clock.now());
          if (verdict.kind === 'give-up') internal.abort();
        },
      )
      .finally(() => {
        running.delete(task);
        notify();
      });
    running.add(task);
  };

  try {
    while (!window.isDone()) {
      if (internal.signal.aborted) break;
      for (const part of window.takeReady(clock.now())) start(part);
      if (window.isDone()) break;
      const wakeAt = window.wakeAt(clock.now());
      const waits: Promise<void>[] = [];
      if (running.size > 0) waits.push(wakeup);
      // A sleep that loses the race is cancelled, so no timer outlives its purpose.
      const sleepCancel = new AbortController();
      if (wakeAt !== undefined) {
        const signal = AbortSignal.any([internal.signal, sleepCancel.signal]);
        waits.push(clock.sleep(Math.max(0, wakeAt - clock.now()), signal));
      }
      if (waits.length === 0) break; // nothing running and nothing to wait for: stuck or failed
      await Promise.race(waits);
      sleepCancel.abort();
    }
    // Let parts already sent settle so their confirmations are recorded.
    await Promise.allSettled([...running]);
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
  if (hookError !== undefined) throw hookError;
  const failed = window.failed();
  if (failed?.kind === 'give-up') throw new TransferFailedError(what, failed.reason, failed.error);
  if (options.signal?.aborted) throw new TransferCancelledError(what);
  if (!window.isDone()) throw new TransferFailedError(what, 'the part window stopped with parts missing');
}
