/**
 * The inbox's only seam to time passing: its policies (retry backoff, pruning, heartbeat, the
 * shutdown grace) ask for callbacks through this, so their tests swap in a manual clock and never
 * sleep. Background timers do not keep the process alive; only the shutdown grace does.
 */

/** Undoes a scheduled callback; calling it twice, or after the callback ran, does nothing. */
export type Cancel = () => void;

export interface Timers {
  /**
   * Calls `fn` once after `ms`. By default the timer does not keep the process alive (a pending
   * retry must not hold off exit); `keepAlive` is for a wait the process must see to the end.
   */
  after(ms: number, fn: () => void, options?: { keepAlive?: boolean }): Cancel;
  /** Calls `fn` every `ms` until cancelled, without keeping the process alive. */
  every(ms: number, fn: () => void): Cancel;
}

export const systemTimers: Timers = {
  after(ms, fn, options = {}) {
    const timer = setTimeout(fn, ms);
    if (!options.keepAlive) timer.unref();
    return () => clearTimeout(timer);
  },
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};
