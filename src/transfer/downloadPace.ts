/**
 * How long a link download may take and how slowly it may go: a pure decision, checked by
 * safeFetch on a clock it is given.
 *
 * The idle timeout alone lets a server hold a worker thread for the whole job timeout by sending
 * one byte every 20 s. Two rules close that:
 * - a total deadline per download (links.deadlineSeconds), lookups and redirects included;
 * - after a grace period (30 s: connection set-up and TCP slow start), the average rate since the
 *   download began must stay at or above links.minBytesPerSecond (0 turns the rule off).
 * The average, not the rate of the last second, is judged: a short stall on a fast download is
 * not punished, a steady trickle is.
 */

import { JobError } from '../domain/jobError.js';

export interface PaceRules {
  deadlineMs: number;
  /** 0: no minimum. */
  minBytesPerSecond: number;
  /** The rate is judged only after this much time (default 30 s). */
  graceMs?: number;
}

export const DEFAULT_PACE_GRACE_MS = 30_000;

/** TIMEOUT when the download broke a rule after `elapsedMs` with `bytes` received, else null. */
export function paceBreach(rules: PaceRules, elapsedMs: number, bytes: number): JobError | null {
  if (elapsedMs > rules.deadlineMs) {
    return new JobError('TIMEOUT', `The link download took longer than ${seconds(rules.deadlineMs)} s (links.deadlineSeconds); ${bytes} bytes had arrived.`);
  }
  const graceMs = rules.graceMs ?? DEFAULT_PACE_GRACE_MS;
  if (rules.minBytesPerSecond > 0 && elapsedMs >= graceMs) {
    const perSecond = bytes / (elapsedMs / 1000);
    if (perSecond < rules.minBytesPerSecond) {
      return new JobError(
        'TIMEOUT',
        `The server sent ${Math.floor(perSecond)} bytes/s on average over ${seconds(elapsedMs)} s, below the minimum of ${rules.minBytesPerSecond} (links.minBytesPerSecond).`,
      );
    }
  }
  return null;
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** The clock the pace is checked on; tests pass a manual one and need no real waiting. */
export interface PaceClock {
  now(): number;
  /** Calls `tick` every `ms` until the returned function is called. */
  every(ms: number, tick: () => void): () => void;
}

export const systemPaceClock: PaceClock = {
  now: () => Date.now(),
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};
