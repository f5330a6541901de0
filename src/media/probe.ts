/**
 * Runs ffprobe on a local file and turns its JSON into a small typed summary: what the bot shows
 * for "Info" and what decides which actions are offered (src/jobs/actions.ts).
 *
 * ffprobe's JSON is an outside boundary, so it is validated with zod; numbers arrive as strings
 * ("2.000000") and are converted here. Failures become JobErrors: unreadable input is
 * CORRUPT_MEDIA, no audio or video stream is UNSUPPORTED_MEDIA, a hung ffprobe is TIMEOUT, and a
 * frame over the pixel limit is UNSUPPORTED_MEDIA naming the limit. ffprobe decodes a frame or
 * two while probing, so it gets the same input guards (limits.ts) and confinement as ffmpeg.
 */

import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { z } from 'zod';
import { JobError } from '../domain/jobError.js';
import { confinedCommand, limitSignalText, type ConfinementSupport } from './confinement.js';
import { DEFAULT_MEDIA_LIMITS, inputGuardArgs, pixelLimitError, type MediaLimits } from './limits.js';

export interface VideoSummary {
  codec: string;
  width: number | null;
  height: number | null;
  fps: number | null;
}

export interface AudioSummary {
  codec: string;
  channels: number | null;
  sampleRate: number | null;
  bitRate: number | null;
}

export interface MediaSummary {
  durationSeconds: number | null;
  sizeBytes: number | null;
  /** ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  format: string;
  bitRate: number | null;
  video: VideoSummary | null;
  audio: AudioSummary | null;
  /** A still picture (JPEG/PNG/WebP...), not a video. */
  isImage: boolean;
  tags: { title: string | null; artist: string | null };
}

const numeric = z.union([z.string(), z.number()]).optional();
const tagsSchema = z.record(z.string(), z.unknown()).optional();

const streamSchema = z.looseObject({
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  channels: z.number().optional(),
  sample_rate: numeric,
  bit_rate: numeric,
  duration: numeric,
  disposition: z.looseObject({ attached_pic: z.number().optional() }).optional(),
  tags: tagsSchema,
});

const probeSchema = z.looseObject({
  streams: z.array(streamSchema).default([]),
  format: z.looseObject({
    format_name: z.string(),
    duration: numeric,
    size: numeric,
    bit_rate: numeric,
    tags: tagsSchema,
  }),
});

export interface ProbeOptions {
  ffprobePath: string;
  filePath: string;
  /** Wall-clock limit for ffprobe, ms (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  limits?: MediaLimits;
  /** Run inside confinement.ts; the file's directory is the only writable one. */
  confinement?: ConfinementSupport;
}

export async function probeMedia(options: ProbeOptions): Promise<MediaSummary> {
  const stdout = await runFfprobe(options, ['-print_format', 'json', '-show_format', '-show_streams']);
  try {
    return parseProbeOutput(JSON.parse(stdout) as unknown);
  } catch (parseError) {
    throw parseError instanceof JobError ? parseError : corrupt(options.filePath, String(parseError));
  }
}

/**
 * The times of the video keyframes between `fromSeconds` and `toSeconds`, read from the packet
 * index (no decoding): Trim copies the streams when its cut starts on one of them.
 */
export async function keyframeTimes(options: ProbeOptions & { fromSeconds: number; toSeconds: number }): Promise<number[]> {
  const interval = `${Math.max(0, options.fromSeconds).toFixed(3)}%${options.toSeconds.toFixed(3)}`;
  const stdout = await runFfprobe(options, ['-select_streams', 'v:0', '-read_intervals', interval, '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0']);
  return parseKeyframes(stdout);
}

/** ffprobe's "pts_time,flags" lines ("2.000000,K__") -> the times of the keyframe packets. */
export function parseKeyframes(csv: string): number[] {
  return csv
    .split('\n')
    .map((line) => line.trim().split(','))
    .filter(([time, flags]) => flags !== undefined && flags.includes('K') && time !== undefined && time !== 'N/A')
    .map(([time]) => Number(time))
    .filter((time) => Number.isFinite(time));
}

/** Runs ffprobe with the input guards (and confinement) on `options.filePath`; resolves its stdout. */
function runFfprobe(options: ProbeOptions, what: string[]): Promise<string> {
  const { ffprobePath, filePath } = options;
  if (!filePath.startsWith('/')) {
    return Promise.reject(new JobError('INTERNAL', `ffprobe needs an absolute local path, got "${filePath}".`, { retryable: false }));
  }
  const limits = options.limits ?? DEFAULT_MEDIA_LIMITS;
  const args = ['-v', 'error', ...inputGuardArgs(limits), ...what, filePath];
  const timeoutMs = options.timeoutMs ?? 30_000;
  const run = options.confinement
    ? confinedCommand(ffprobePath, args, { support: options.confinement, jobDir: dirname(filePath), limits, timeoutMs })
    : { command: ffprobePath, args };
  return new Promise((resolve, reject) => {
    execFile(
      run.command,
      run.args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 8 * 1024 * 1024, ...(options.signal ? { signal: options.signal } : {}) },
      (error, stdout, stderr) => {
        if (error) {
          const err = error as Omit<NodeJS.ErrnoException, 'code'> & { code?: string | number; killed?: boolean; signal?: string | null };
          if (options.signal?.aborted) return reject(new JobError('CANCELLED', 'Probing was cancelled.', { cause: error }));
          // 127: prlimit or unshare could not exec the binary.
          if (err.code === 'ENOENT' || err.code === 127) {
            return reject(new JobError('INTERNAL', `ffprobe was not found at "${ffprobePath}"; check media.ffprobePath.`, { cause: error, retryable: false }));
          }
          if (err.killed || err.signal === 'SIGKILL') {
            return reject(new JobError('TIMEOUT', `ffprobe did not finish within ${timeoutMs} ms on ${filePath}.`, { cause: error }));
          }
          const pixels = pixelLimitError(String(stderr), limits);
          if (pixels) return reject(pixels);
          const limitHit = limitSignalText((err.signal ?? null) as NodeJS.Signals | null);
          if (limitHit !== null) {
            return reject(new JobError('UNSUPPORTED_MEDIA', `ffprobe was stopped on ${filePath}: ${limitHit}.`, { cause: error, retryable: false }));
          }
          return reject(corrupt(filePath, String(stderr)));
        }
        // ffprobe still answers when the decoder refused a frame, with a 0×0 picture.
        const pixels = pixelLimitError(String(stderr), limits);
        if (pixels) return reject(pixels);
        resolve(String(stdout));
      },
    );
  });
}

function corrupt(filePath: string, detail: string): JobError {
  const firstLine = detail.trim().split('\n').pop()?.slice(0, 300) ?? '';
  return new JobError('CORRUPT_MEDIA', `ffprobe could not read ${filePath} as media (${firstLine || 'no details'}); the file is damaged or not a media file.`, {
    retryable: false,
  });
}

/** Validates ffprobe's JSON and summarises it. Throws JobError for input that is not audio/video. */
export function parseProbeOutput(json: unknown): MediaSummary {
  const parsed = probeSchema.safeParse(json);
  if (!parsed.success) {
    throw new JobError('CORRUPT_MEDIA', `ffprobe's answer has no usable format section (${parsed.error.issues[0]?.message ?? 'invalid'}).`, { retryable: false });
  }
  const { streams, format } = parsed.data;
  const videoStream = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audioStream = streams.find((s) => s.codec_type === 'audio');
  if (!videoStream && !audioStream) {
    throw new JobError('UNSUPPORTED_MEDIA', `The file (${format.format_name}) has no audio or video stream.`, { retryable: false });
  }
  const isImage = /(^|,)(image2|[a-z0-9]+_pipe)(,|$)/.test(format.format_name) && !audioStream;
  const duration = positive(format.duration) ?? positive(videoStream?.duration) ?? positive(audioStream?.duration);
  return {
    durationSeconds: isImage ? null : duration,
    sizeBytes: positive(format.size),
    format: format.format_name,
    bitRate: positive(format.bit_rate),
    video: videoStream
      ? {
          codec: videoStream.codec_name ?? 'unknown',
          width: videoStream.width ?? null,
          height: videoStream.height ?? null,
          fps: frameRate(videoStream.avg_frame_rate) ?? frameRate(videoStream.r_frame_rate),
        }
      : null,
    audio: audioStream
      ? {
          codec: audioStream.codec_name ?? 'unknown',
          channels: audioStream.channels ?? null,
          sampleRate: positive(audioStream.sample_rate),
          bitRate: positive(audioStream.bit_rate),
        }
      : null,
    isImage,
    tags: { title: tag(format.tags, 'title'), artist: tag(format.tags, 'artist') },
  };
}

function positive(value: string | number | undefined): number | null {
  if (value === undefined) return null;
  const n = typeof value === 'number' ? value : Number.parseFloat(value);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** "30000/1001" -> 29.97; "0/0" -> null. */
function frameRate(text: string | undefined): number | null {
  const match = text ? /^(\d+)\/(\d+)$/.exec(text) : null;
  if (!match) return null;
  const den = Number(match[2]);
  if (den === 0) return null;
  return Math.round((Number(match[1]) / den) * 100) / 100 || null;
}

/** Tag keys differ in case between containers (TITLE in Matroska, title in MP4). */
function tag(tags: Record<string, unknown> | undefined, name: string): string | null {
  if (!tags) return null;
  for (const [key, value] of Object.entries(tags)) {
    if (key.toLowerCase() === name && typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return null;
}
