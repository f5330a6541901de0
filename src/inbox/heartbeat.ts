/**
 * The "still alive" mark: the time is written to kv every HEARTBEAT_MS and once more at stop, so
 * the next start can tell how long Courier was offline (for the catch-up figures and the admins'
 * alert). The mark of the previous run is read when the heartbeat is created, before it writes.
 * Without a mark (first start, or a fresh database) Courier was offline 0 s and did not run before.
 */
import type { KvRepository } from '../storage/kvRepository.js';
import type { Cancel, Timers } from './timers.js';

export const ALIVE_AT_KEY = 'courier.aliveAt';
export const HEARTBEAT_MS = 15_000;

/** The stored mark as ms since the epoch, or null when there is none (or it is not a number). */
export function parseAliveAt(stored: string | undefined): number | null {
  const value = Number(stored ?? NaN);
  return Number.isFinite(value) ? value : null;
}

/** Seconds from the last mark to `now`: 0 without a mark, and never negative (a clock set back). */
export function offlineSecondsSince(aliveAt: number | null, now: number): number {
  return aliveAt === null ? 0 : Math.max(0, (now - aliveAt) / 1000);
}

export interface HeartbeatOptions {
  kv: Pick<KvRepository, 'get' | 'set'>;
  now: () => number;
  timers: Timers;
  everyMs?: number;
}

export interface Heartbeat {
  /** The previous run's last mark (ms), null when there was none. */
  readonly previousAliveAt: number | null;
  /** Seconds between the previous run's last mark and the creation of this heartbeat. */
  readonly offlineSeconds: number;
  /** Writes a mark now and every everyMs. */
  start(): void;
  /** Stops the marks and writes a last one. */
  stop(): void;
}

export function createHeartbeat(options: HeartbeatOptions): Heartbeat {
  const previousAliveAt = parseAliveAt(options.kv.get(ALIVE_AT_KEY));
  const offlineSeconds = offlineSecondsSince(previousAliveAt, options.now());
  const beat = () => options.kv.set(ALIVE_AT_KEY, String(options.now()));
  let cancel: Cancel | null = null;
  return {
    previousAliveAt,
    offlineSeconds,
    start() {
      beat();
      cancel ??= options.timers.every(options.everyMs ?? HEARTBEAT_MS, beat);
    },
    stop() {
      cancel?.();
      cancel = null;
      beat();
    },
  };
}
