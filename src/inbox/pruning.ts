/**
 * Pruning of handled inbox rows. A handled row is kept INBOX_KEEP_MS after it was handled: while
 * it exists, a late copy of its update (Telegram keeps differences for about a day) collapses on
 * its update_key instead of being handled again. Pending rows are never pruned (the repository's
 * delete touches only handled ones). Runs at start and every PRUNE_EVERY_MS.
 */
import { logger } from '../log/logger.js';
import type { Cancel, Timers } from './timers.js';

const log = logger('inbox');

export const INBOX_KEEP_MS = 3 * 24 * 3600_000;
export const PRUNE_EVERY_MS = 3600_000;

/** Rows handled before this instant (ms) may go. */
export function pruneCutoff(now: number, keepMs: number): number {
  return now - keepMs;
}

export interface PruningOptions {
  /** Deletes handled rows handled before `handledBefore`; returns how many (inboxRepository.deleteHandledBefore). */
  deleteHandledBefore(handledBefore: number): number;
  now: () => number;
  timers: Timers;
  keepMs?: number;
  everyMs?: number;
}

export interface Pruning {
  /** Prunes once now; returns how many rows went. */
  pruneNow(): number;
  /** Prunes now and every everyMs. */
  start(): void;
  stop(): void;
}

export function createPruning(options: PruningOptions): Pruning {
  const keepMs = options.keepMs ?? INBOX_KEEP_MS;
  let cancel: Cancel | null = null;
  const pruneNow = () => {
    const removed = options.deleteHandledBefore(pruneCutoff(options.now(), keepMs));
    if (removed > 0) log.info(`pruned ${removed} handled update(s) older than ${keepMs / 3600_000} h from the inbox`);
    return removed;
  };
  return {
    pruneNow,
    start() {
      pruneNow();
      cancel ??= options.timers.every(options.everyMs ?? PRUNE_EVERY_MS, pruneNow);
    },
    stop() {
      cancel?.();
      cancel = null;
    },
  };
}
