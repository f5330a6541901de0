/**
 * What an ffmpeg or ffprobe run on untrusted media may do, as command-line flags. The process
 * limits around it (address space, CPU time, file size, network, writable paths) are
 * confinement.ts; both take their numbers from one `MediaLimits`.
 *
 * Inputs: `-protocol_whitelist file` (no network, no pipes, no nested protocols such as
 * `concat:` or `subfile:`), `-format_whitelist` of the demuxers for the containers Courier
 * accepts (so HLS, DASH, ffconcat, SDP and the other "list of other files" demuxers cannot be
 * chosen, whatever the content sniff missed), `-max_pixels` (a decoder refuses a frame larger
 * than this before allocating it) and `-threads`. Outputs: `-t` (the longest media accepted)
 * and `-fs` (four times the largest file Telegram takes from a bot: larger results go out in
 * parts), plus the same `-threads` cap.
 *
 * All of these exist in the 2018 build shipped by @ffmpeg-installer (checked with
 * `ffmpeg -h full`), so the bundled and the system binary get the same flags.
 */

import { JobError } from '../domain/jobError.js';

export interface MediaLimits {
  /** Largest frame (width × height) a decoder may allocate. */
  maxPixels: number;
  /** Decoder and encoder threads per run. */
  threads: number;
  /** Address space of one ffmpeg/ffprobe process, bytes (RLIMIT_AS). */
  maxMemoryBytes: number;
  /**
   * Largest result written, bytes (`-fs`; RLIMIT_FSIZE is a little above it). Above Telegram's
   * per-file limit on purpose: larger results are sent in parts.
   */
  maxResultBytes: number;
}

/**
 * 2000 MiB: 4000 parts of 512 KiB, the most a bot may upload (core.telegram.org/api/files,
 * "Uploading files"; src/transfer/uploadPlan.ts MAX_UPLOAD_BYTES says the same). media/ does not
 * import transfer/, so the number is repeated here.
 */
export const TELEGRAM_MAX_RESULT_BYTES = 4000 * 512 * 1024;

/**
 * 64 Mpx (8192 × 8192): above every phone photo up to 50 Mpx and 8K video (33 Mpx), far below
 * the 16000 × 16000 (256 Mpx) that libavutil's own size check still lets through.
 */
export const DEFAULT_MEDIA_LIMITS: Readonly<MediaLimits> = {
  maxPixels: 8192 * 8192,
  threads: 2,
  maxMemoryBytes: 3 * 1024 ** 3,
  // Four of Telegram's files: a result above one is sent in parts (split/video.ts, and byte
  // ranges in src/transfer/resultParts.ts); the cap only keeps a runaway output off the disk.
  maxResultBytes: 4 * TELEGRAM_MAX_RESULT_BYTES,
};

/**
 * Demuxers for the containers Courier accepts (the extensions in playlistSniff.ts
 * SAFE_EXTENSIONS). ffmpeg matches each name against the demuxer's comma-separated name list, so
 * "mov" admits "mov,mp4,m4a,3gp,3g2,mj2" and "matroska" admits "matroska,webm". Still pictures
 * open through image2 (by file extension) or an *_pipe demuxer (by content).
 */
export const ACCEPTED_DEMUXERS: readonly string[] = [
  'mov', 'matroska', 'avi', 'mpeg', 'mpegts', 'flv', 'asf',
  'mp3', 'aac', 'ogg', 'wav', 'flac', 'amr',
  'gif', 'image2', 'png_pipe', 'jpeg_pipe', 'webp_pipe',
];

/** Flags placed before `-i`: what may be opened and how much a decoder may allocate. */
export function inputGuardArgs(limits: MediaLimits = DEFAULT_MEDIA_LIMITS): string[] {
  return [
    '-protocol_whitelist', 'file',
    '-format_whitelist', ACCEPTED_DEMUXERS.join(','),
    '-max_pixels', String(limits.maxPixels),
    '-threads', String(limits.threads),
  ];
}

/** Flags placed before the output: how long and how large it may get, and its encoder threads. */
export function outputLimitArgs(maxDurationSeconds: number, limits: MediaLimits = DEFAULT_MEDIA_LIMITS): string[] {
  return ['-t', String(maxDurationSeconds), '-fs', String(limits.maxResultBytes), '-threads', String(limits.threads)];
}

/**
 * libavutil refuses a frame over our limit with "Picture size WxH exceeds specified max pixel
 * count N", and one over its own limit ((w+128)·(h+128) < 2^28, so 30000×30000) with "Picture
 * size WxH is invalid". Either becomes an error naming the limit; other text gives null.
 */
export function pixelLimitError(stderr: string, limits: MediaLimits = DEFAULT_MEDIA_LIMITS): JobError | null {
  const match = /Picture size (\d+)x(\d+) (?:is invalid|exceeds specified max pixel count)/.exec(stderr);
  if (!match) return null;
  return tooManyPixels(Number(match[1]), Number(match[2]), limits);
}

export function tooManyPixels(width: number, height: number, limits: MediaLimits = DEFAULT_MEDIA_LIMITS): JobError {
  const mpx = (n: number) => `${Math.round(n / 1e5) / 10} Mpx`;
  return new JobError(
    'UNSUPPORTED_MEDIA',
    `The picture is ${width}×${height} (${mpx(width * height)}), larger than the pixel limit of ${mpx(limits.maxPixels)} per frame; ` +
      'it was not decoded. Send a smaller picture or video.',
    { retryable: false },
  );
}
