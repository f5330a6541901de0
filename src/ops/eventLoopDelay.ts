/**
 * How long Courier's event loop was held up: Node's histogram of timer delays, enabled for the
 * service's life. A delay shows work that blocks every chat at once (a long synchronous query, a
 * big JSON parse, TL parsing of a huge difference); the figure is logged when Courier stops, and
 * the load bench reads it from there.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface EventLoopDelay {
  /** Milliseconds: p50, p99 and max since start. */
  figures(): { p50: number; p99: number; max: number; seconds: number };
  /** The stop line: "event loop delay over S s: p50 X ms, p99 Y ms, max Z ms". */
  summary(): string;
  stop(): void;
}

export function watchEventLoopDelay(now: () => number = () => performance.now()): EventLoopDelay {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  const started = now();
  histogram.enable();
  const ms = (ns: number) => Math.round((ns / 1e6) * 10) / 10;
  const figures = () => ({ p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), seconds: Math.round((now() - started) / 100) / 10 });
  return {
    figures,
    summary: () => {
      const f = figures();
      return `event loop delay over ${f.seconds} s: p50 ${f.p50} ms, p99 ${f.p99} ms, max ${f.max} ms`;
    },
    stop: () => histogram.disable(),
  };
}
