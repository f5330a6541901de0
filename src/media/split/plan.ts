/**
 * Where to cut a video that is larger than Telegram's per-file limit so that every part plays on
 * its own and stays under the limit (pure; the I/O is video.ts).
 *
 * A cut made with `-c copy` (no re-encoding) can only fall on a video keyframe: a part that began
 * elsewhere would open on frames that refer to pictures it does not contain. So the plan works on
 * the packets ffprobe lists (time, size, keyframe flag; every stream, since audio counts towards
 * the size too) and cuts greedily: each part runs to the last keyframe before its packets would
 * pass the budget. The budget is the limit less a margin for what the packets do not show (the
 * MP4 index, which grows with the packet count, and interleaving at the cut); the caller checks
 * the real sizes and plans again with a wider margin if one part still came out too large.
 *
 * The cut times handed to ffmpeg's segment muxer are the midpoints between the chosen keyframe
 * and the keyframe before it: the muxer starts a new part at the first keyframe at or after each
 * time, and a midpoint cannot be missed through rounding of the printed timestamps.
 */

export interface PacketInfo {
  /** Presentation time, seconds. */
  time: number;
  size: number;
  /** A keyframe of the video stream the cuts follow (always false for audio). */
  videoKey: boolean;
}

export interface VideoCutPlan {
  /** Times for -segment_times, ascending; empty when the video fits. */
  cutTimes: number[];
  /** The keyframe times the parts start at (the first is the video's start). */
  partStarts: number[];
  /** Estimated bytes of each part (packet payload only). */
  partBytes: number[];
}

/** Thrown when no keyframe cut keeps a part under the limit (one keyframe interval is larger than it). */
export class UnsplittableVideoError extends Error {
  override readonly name = 'UnsplittableVideoError';
}

/** Bytes of packet payload allowed per part: the limit less `margin` (a fraction) and 64 KiB for headers. */
export function partBudget(maxBytes: number, margin: number): number {
  return Math.floor(maxBytes * (1 - margin)) - 64 * 1024;
}

export function planVideoCuts(packets: readonly PacketInfo[], maxBytes: number, margin = 0.03): VideoCutPlan {
  const sorted = [...packets].sort((a, b) => a.time - b.time);
  const budget = partBudget(maxBytes, margin);
  if (budget <= 0) throw new UnsplittableVideoError(`A per-file limit of ${maxBytes} bytes leaves no room for a video part.`);
  const prefix = [0];
  for (const p of sorted) prefix.push(prefix[prefix.length - 1]! + p.size);
  const total = prefix[sorted.length]!;
  const keys = sorted.flatMap((p, i) => (p.videoKey ? [i] : []));
  const partStarts = [sorted[0]?.time ?? 0];
  const cutTimes: number[] = [];
  const partBytes: number[] = [];
  let start = 0;
  let previousKey = keys.length > 0 ? keys[0]! : 0;
  while (total - prefix[start]! > budget) {
    // The last keyframe after `start` whose part (start .. keyframe) fits the budget.
    let cut = -1;
    for (const k of keys) {
      if (k <= start) continue;
      if (prefix[k]! - prefix[start]! > budget) break;
      cut = k;
    }
    if (cut < 0) {
      const next = keys.find((k) => k > start);
      const span = next === undefined ? total - prefix[start]! : prefix[next]! - prefix[start]!;
      throw new UnsplittableVideoError(
        `The video has ${span} bytes between two keyframes from ${sorted[start]!.time.toFixed(2)} s on, more than one part may hold (${budget} bytes); ` +
          'it cannot be cut without re-encoding.',
      );
    }
    const before = keys.filter((k) => k < cut).pop() ?? previousKey;
    cutTimes.push((sorted[before]!.time + sorted[cut]!.time) / 2);
    partStarts.push(sorted[cut]!.time);
    partBytes.push(prefix[cut]! - prefix[start]!);
    previousKey = cut;
    start = cut;
  }
  partBytes.push(total - prefix[start]!);
  return { cutTimes, partStarts, partBytes };
}

/** "clip.mp4" → "clip.part2.mp4": the name part `index` (0-based) of a video cut by time is shown with. */
export function videoPartName(fileName: string, index: number): string {
  const match = /^(.*?)(\.[A-Za-z0-9]{1,5})?$/.exec(fileName);
  const stem = match?.[1] || 'video';
  return `${stem}.part${index + 1}${match?.[2] ?? '.mp4'}`;
}
