/**
 * Parses what ffmpeg writes with `-progress pipe:1`: blocks of `key=value` lines, each block
 * ending with `progress=continue` (or `progress=end` for the last one). See ffmpeg's
 * documentation of the `-progress` option (ffmpeg.org/ffmpeg.html, "Main options").
 *
 * The time reached is taken from `out_time_us`, else `out_time_ms` (which ffmpeg, despite its
 * name, also writes in microseconds), else `out_time` ("HH:MM:SS.micro"). Values may be "N/A"
 * at the start of a run. Pure: feed text chunks as they arrive; lines split across chunks are
 * handled.
 */

export interface FfmpegProgress {
  /** Output time reached, seconds; null when ffmpeg has not reported one yet. */
  outTimeSeconds: number | null;
  /** 0..100 given the expected duration; null without a duration (or no time yet). */
  percent: number | null;
  /** Encoding speed relative to real time (e.g. 2.5 for "2.5x"), when reported. */
  speed: number | null;
  /** True for the last block (`progress=end`). */
  done: boolean;
}

export class FfmpegProgressParser {
  private pending = '';
  private block = new Map<string, string>();

  /** @param durationSeconds the media's duration, for percentages; null or 0 if unknown. */
  constructor(private readonly durationSeconds: number | null) {}

  /** Feeds a chunk of ffmpeg's progress output; returns the blocks it completed. */
  push(chunk: string): FfmpegProgress[] {
    this.pending += chunk;
    const lines = this.pending.split(/\r?\n/);
    this.pending = lines.pop() ?? '';
    const completed: FfmpegProgress[] = [];
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      this.block.set(key, value);
      if (key === 'progress') {
        completed.push(summariseBlock(this.block, this.durationSeconds));
        this.block = new Map();
      }
    }
    return completed;
  }
}

/** Reads one block (already split into keys) into a progress report. */
export function summariseBlock(block: ReadonlyMap<string, string>, durationSeconds: number | null): FfmpegProgress {
  const done = block.get('progress') === 'end';
  const outTimeSeconds = outTimeOf(block);
  let percent: number | null = null;
  if (done) percent = 100;
  else if (outTimeSeconds !== null && durationSeconds !== null && durationSeconds > 0) {
    // Never report 100 before ffmpeg says it is done: the muxer may still be finishing.
    percent = Math.min(99, Math.max(0, Math.floor((outTimeSeconds / durationSeconds) * 100)));
  }
  const speedText = block.get('speed');
  const speed = speedText && /^[\d.]+x$/.test(speedText) ? Number.parseFloat(speedText) : null;
  return { outTimeSeconds, percent, speed, done };
}

function outTimeOf(block: ReadonlyMap<string, string>): number | null {
  for (const key of ['out_time_us', 'out_time_ms']) {
    const text = block.get(key);
    if (text !== undefined && /^-?\d+$/.test(text)) return Math.max(0, Number(text) / 1e6);
  }
  const clock = block.get('out_time');
  const match = clock ? /^(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(clock) : null;
  if (match) {
    const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]);
    return match[1] === '-' ? 0 : seconds;
  }
  return null;
}
