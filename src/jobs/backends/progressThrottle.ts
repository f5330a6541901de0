/**
 * A worker's progress reports to the queue, throttled: a stage change goes out at once, a
 * percent at most every `intervalMs`. A percent held back by the interval is sent when the
 * interval ends (the trailing edge), so the last state of a burst (a whole window of chunks
 * confirmed together) is not hidden until the next change, which may be a stalled round later.
 * Timers are injected so tests drive time.
 */
import type { ActiveStage } from './jobBackend.js';

export interface ProgressTimers {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: ProgressTimers = {
  now: Date.now,
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface ProgressThrottle {
  /** A stage (null: the stage is unchanged) and the percent of that stage. */
  report(stage: ActiveStage | null, percent: number): void;
  /** Drops a report still waiting for its interval (the job ended). */
  stop(): void;
}

export function progressThrottle(
  intervalMs: number,
  send: (progress: { stage: ActiveStage; percent: number }) => void,
  timers: ProgressTimers = systemTimers,
): ProgressThrottle {
  let stage: ActiveStage = 'downloading';
  let lastAt = Number.NEGATIVE_INFINITY;
  let lastPercent = -1;
  let held: unknown = null;
  const drop = () => {
    if (held !== null) timers.clearTimeout(held);
    held = null;
  };
  const emit = (percent: number) => {
    lastAt = timers.now();
    lastPercent = percent;
    send({ stage, percent });
  };
  return {
    report(next, percent) {
      const changed = next !== null && next !== stage;
      if (next !== null) stage = next;
      if (!changed && percent === lastPercent) return;
      drop();
      const wait = intervalMs - (timers.now() - lastAt);
      if (changed || wait <= 0) return emit(percent);
      held = timers.setTimeout(() => {
        held = null;
        emit(percent);
      }, wait);
    },
    stop: drop,
  };
}
