/**
 * Reply times of the last few minutes, for the "slow replies" alert: the histogram in /metrics is
 * cumulative since start, while the alert asks about the p95 of a sliding window. Bounded: past
 * `maxSamples` the oldest are dropped (under such load the recent ones tell the story anyway).
 */
export interface ReplyWindow {
  add(atMs: number, seconds: number): void;
  /** The 95th percentile of the samples within `windowMs` before `nowMs`, and how many there were. */
  p95(nowMs: number): { seconds: number; samples: number };
}

export function createReplyWindow(windowMs: number, maxSamples = 20_000): ReplyWindow {
  let samples: { at: number; seconds: number }[] = [];
  const prune = (nowMs: number) => {
    const from = nowMs - windowMs;
    const first = samples.findIndex((s) => s.at >= from);
    if (first === -1) samples = [];
    else if (first > 0) samples = samples.slice(first);
  };
  return {
    add(atMs, seconds) {
      samples.push({ at: atMs, seconds });
      if (samples.length > maxSamples) samples = samples.slice(samples.length - maxSamples);
    },
    p95(nowMs) {
      prune(nowMs);
      if (samples.length === 0) return { seconds: 0, samples: 0 };
      const sorted = samples.map((s) => s.seconds).sort((a, b) => a - b);
      const index = Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1);
      return { seconds: sorted[index]!, samples: sorted.length };
    },
  };
}
