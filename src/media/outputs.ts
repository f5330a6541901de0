/**
 * Naming and describing the files processing produces.
 *
 * A result has two names: the path on disk, which is always a fresh generated name inside the
 * job directory (safeJobFileName + resolveInJobDir: nothing the user typed reaches a path), and
 * the name the user sees in Telegram, derived from the input's display name with the new
 * extension ("holiday.mov" -> "holiday.mp3"). The description (size, duration, dimensions, tags)
 * comes from probing the output itself, so what Telegram is told matches what is sent.
 */

import { stat, unlink } from 'node:fs/promises';
import { JobError } from '../domain/jobError.js';
import type { ResultFile } from '../domain/mediaPorts.js';
import { runFfmpeg, thumbnailArgs } from './commands.js';
import type { ConfinementSupport } from './confinement.js';
import type { MediaLimits } from './limits.js';
import { resolveInJobDir, safeJobFileName } from './playlistSniff.js';
import { probeMedia } from './probe.js';

/** Telegram draws thumbnails at most 320 px on the longer side (core.telegram.org/api/files, "thumb"). */
export const THUMB_MAX_SIDE = 320;

/** A fresh absolute path for an output with extension `ext` inside `jobDir`. */
export function outputPath(jobDir: string, ext: string, prefix = 'result'): string {
  return resolveInJobDir(jobDir, safeJobFileName(`x.${ext}`, { prefix }));
}

/**
 * The name shown to the user: the input's base name without directories, control characters or
 * leading dots, with `ext` in place of its extension. Never used as a path.
 */
export function displayName(inputName: string, ext: string | null): string {
  const base = inputName.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').replace(/^[.\s]+/, '').trim();
  const stem = (ext === null ? cleaned : cleaned.replace(/\.[A-Za-z0-9]{1,5}$/, '')).slice(0, 100).trim() || 'file';
  return ext === null ? stem : `${stem}.${ext}`;
}

export interface DescribeOptions {
  ffmpegPath: string;
  ffprobePath: string;
  jobDir: string;
  signal: AbortSignal;
  timeoutMs: number;
  limits: MediaLimits;
  confinement: ConfinementSupport;
  /** jobs.maxDurationSeconds, the `-t` of every output. */
  maxSeconds: number;
}

/** Probes a finished output and fills in the attributes Telegram shows. */
export async function describeOutput(
  file: Pick<ResultFile, 'path' | 'fileName' | 'mimeType' | 'sendAs'> & { fallbackTags?: { title: string | null; artist: string | null } },
  options: DescribeOptions,
): Promise<ResultFile> {
  const { size } = await stat(file.path);
  if (size === 0) throw new JobError('UNSUPPORTED_MEDIA', `ffmpeg produced an empty ${file.fileName}; the input has nothing to take this from.`, { retryable: false });
  const summary = await probeMedia({
    ffprobePath: options.ffprobePath,
    filePath: file.path,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    limits: options.limits,
    confinement: options.confinement,
  });
  const result: ResultFile = { path: file.path, fileName: file.fileName, mimeType: file.mimeType, sendAs: file.sendAs, sizeBytes: size };
  if (summary.durationSeconds !== null && file.sendAs !== 'photo') result.durationSeconds = Math.round(summary.durationSeconds * 1000) / 1000;
  if (summary.video?.width && summary.video.height) {
    result.width = summary.video.width;
    result.height = summary.video.height;
  }
  if (file.sendAs === 'audio') {
    const title = summary.tags.title ?? file.fallbackTags?.title ?? null;
    const performer = summary.tags.artist ?? file.fallbackTags?.artist ?? null;
    if (title !== null) result.title = title;
    if (performer !== null) result.performer = performer;
  }
  if (file.sendAs === 'video' && file.mimeType === 'video/mp4') result.supportsStreaming = true;
  if (file.sendAs === 'video' || file.sendAs === 'animation') {
    const at = summary.durationSeconds !== null && summary.durationSeconds < 2 ? summary.durationSeconds / 2 : 1;
    result.thumbPath = await makeThumb(file.path, at, options);
  }
  return result;
}

/** A JPEG of one frame, scaled to fit THUMB_MAX_SIDE, inside the job directory. */
export async function makeThumb(video: string, atSeconds: number, options: DescribeOptions): Promise<string> {
  const thumb = outputPath(options.jobDir, 'jpg', 'thumb');
  // thumbnailArgs caps at 1280 px wide (a photo for the user); a Telegram thumbnail must fit in
  // 320x320, so only its scale filter is swapped, keeping the shared safety flags.
  const args = replaceAfter(
    thumbnailArgs({ input: video, output: thumb, atSeconds, limits: options.limits, maxSeconds: options.maxSeconds }),
    '-vf',
    `scale=w=${THUMB_MAX_SIDE}:h=${THUMB_MAX_SIDE}:force_original_aspect_ratio=decrease`,
  );
  try {
    await runFfmpeg({
      ffmpegPath: options.ffmpegPath,
      args,
      durationSeconds: null,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      confine: { support: options.confinement, jobDir: options.jobDir, limits: options.limits },
    });
  } catch (error) {
    await removeQuietly(thumb);
    throw error;
  }
  return thumb;
}

/** A copy of `args` with the value after `flag` replaced; throws if the flag is missing (a changed builder). */
export function replaceAfter(args: readonly string[], flag: string, value: string | string[]): string[] {
  const at = args.indexOf(flag);
  if (at < 0 || at + 1 >= args.length) throw new Error(`ffmpeg arguments have no ${flag} to replace; src/media/commands.ts changed shape.`);
  return [...args.slice(0, at + 1), ...(Array.isArray(value) ? value : [value]), ...args.slice(at + 2)];
}

export async function removeQuietly(path: string | undefined): Promise<void> {
  if (path !== undefined) await unlink(path).catch(() => undefined);
}
