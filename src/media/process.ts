/**
 * Runs one media action on a job's input file: the heavy part of a job, called inside a pool
 * worker (workers/media.ts) or, in benchmarks, directly.
 *
 * Order of checks, each before any tool reads the file:
 *   1. the input must be an absolute path inside the job directory;
 *   2. its content must not be a playlist or text (assertNotPlaylist) — ffmpeg and ffprobe pick
 *      demuxers by content, and a playlist would make them open whatever it lists;
 *   3. ffprobe must read it as audio/video (CORRUPT_MEDIA / UNSUPPORTED_MEDIA from probe.ts);
 *   4. its duration must be within the limit (DURATION_TOO_LONG), its frames within the pixel
 *      limit (UNSUPPORTED_MEDIA naming the limit).
 * "Send as file" and "Rename" skip 2–4: no tool ever reads the input, it is only sent back as a document.
 *
 * Every ffprobe and ffmpeg run gets the flags of limits.ts and runs inside confinement.ts; a
 * result that reached `-fs` (ffmpeg stops there and exits 0) is refused as FILE_TOO_BIG rather
 * than sent cut short. A video result over Telegram's per-file limit (task.maxPartBytes) is cut
 * at keyframes into playable parts (split/video.ts).
 *
 * Outputs get fresh names inside the job directory (outputs.ts). On any failure — including a
 * cancel that kills ffmpeg — the partial outputs are removed before the error goes up.
 */

import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { JobError } from '../domain/jobError.js';
import type { ProcessOutcome, ProcessTask, ResultFile } from '../domain/mediaPorts.js';
import {
  chooseAudioFormat,
  compressArgs,
  convertArgs,
  extractAudioArgs,
  GIF_MAX_SECONDS,
  thumbnailArgs,
  type AudioFormat,
  type CompressPreset,
} from './commands.js';
import { detectConfinement, type ConfinementSupport } from './confinement.js';
import { DEFAULT_MEDIA_LIMITS, TELEGRAM_MAX_RESULT_BYTES, tooManyPixels, type MediaLimits } from './limits.js';
import { bounds, ffmpeg, made, requireVideo, withThumb, type ActionInput } from './actionKit.js';
import { compressToSize, rename, trim } from './editActions.js';
import { describeOutput, displayName, outputPath, removeQuietly, replaceAfter, type DescribeOptions } from './outputs.js';
import { assertNotPlaylist, resolveInJobDir } from './playlistSniff.js';
import { describeMedia } from './processInfo.js';
import { textsFor } from '../texts/index.js';
import { probeMedia, type MediaSummary } from './probe.js';
import { splitVideo } from './split/video.js';

export interface ProcessContext {
  ffmpegPath: string;
  ffprobePath: string;
  signal: AbortSignal;
  /** 0..100 of the current action, as ffmpeg reports it. */
  onPercent(percent: number): void;
  /** Default: DEFAULT_MEDIA_LIMITS. */
  limits?: MediaLimits;
  /** What confines the tools; default: what detectConfinement() finds on this machine. */
  confinement?: ConfinementSupport;
}


export async function processMedia(task: ProcessTask, ctx: ProcessContext): Promise<ProcessOutcome> {
  const input = checkedInput(task);
  throwIfCancelled(ctx.signal);
  if (task.request.action === 'sendAsFile') return { kind: 'file', file: await sendAsFile(task, input) };
  if (task.request.action === 'rename') return { kind: 'file', file: await rename(task, input) };

  await assertNotPlaylist(input);
  const limits = ctx.limits ?? DEFAULT_MEDIA_LIMITS;
  const confinement = ctx.confinement ?? (await detectConfinement());
  const media = await probeMedia({ ffprobePath: ctx.ffprobePath, filePath: input, timeoutMs: task.timeoutMs, signal: ctx.signal, limits, confinement });
  const { width, height } = media.video ?? { width: null, height: null };
  if (width !== null && height !== null && width * height > limits.maxPixels) throw tooManyPixels(width, height, limits);
  if (media.durationSeconds !== null && media.durationSeconds > task.maxDurationSeconds) {
    throw new JobError(
      'DURATION_TOO_LONG',
      `The media lasts ${Math.round(media.durationSeconds)} s; the limit is ${task.maxDurationSeconds} s (jobs.maxDurationSeconds).`,
      { retryable: false },
    );
  }
  if (task.request.action === 'info') {
    const { size } = await stat(input);
    ctx.onPercent(100);
    return { kind: 'text', text: describeMedia(media, size, textsFor(task.lang)) };
  }

  const describe: DescribeOptions = {
    ffmpegPath: ctx.ffmpegPath,
    ffprobePath: ctx.ffprobePath,
    jobDir: task.jobDir,
    signal: ctx.signal,
    timeoutMs: task.timeoutMs,
    limits,
    confinement,
    maxSeconds: task.maxDurationSeconds,
  };
  const action: ActionInput = { task, input, media, ctx, describe, made: [] };
  try {
    const file = await runAction(action);
    // A video over Telegram's per-file limit goes out as playable parts cut at keyframes; other
    // results over it are sent as byte ranges by the upload stage (src/transfer/resultParts.ts).
    const maxPartBytes = task.maxPartBytes ?? TELEGRAM_MAX_RESULT_BYTES;
    if (file.sendAs === 'video' && file.sizeBytes > maxPartBytes) {
      const parts = await splitVideo({ file, maxPartBytes, hasAudio: media.audio !== null, describe, made: action.made });
      ctx.onPercent(100);
      return { kind: 'file', file, parts };
    }
    ctx.onPercent(100);
    return { kind: 'file', file };
  } catch (error) {
    await Promise.all(action.made.map((path) => removeQuietly(path)));
    throw error;
  }
}

function runAction(action: ActionInput): Promise<ResultFile> {
  const { request } = action.task;
  switch (request.action) {
    case 'extractAudio':
      return extractAudio(action, parseOption(request.option, ['mp3', 'm4a', 'opus'] as const, 'extractAudio'));
    case 'compress':
      return compress(action, parseOption(request.option, ['720p', '480p'] as const, 'compress') ?? '480p');
    case 'convert':
      return convert(action, parseOption(request.option, ['mp4', 'gif'] as const, 'convert') ?? 'mp4');
    case 'thumbnail':
      return thumbnail(action, request.option);
    case 'trim':
      return trim(action);
    case 'compressToSize':
      return compressToSize(action);
    case 'info':
    case 'sendAsFile':
    case 'rename':
      throw new Error(`unreachable: ${request.action} is handled before runAction`);
  }
}

const AUDIO_MIME: Record<AudioFormat, string> = { mp3: 'audio/mpeg', m4a: 'audio/mp4', opus: 'audio/ogg' };

async function extractAudio(action: ActionInput, forced: AudioFormat | undefined): Promise<ResultFile> {
  const { media, task } = action;
  if (!media.audio) throw new JobError('UNSUPPORTED_MEDIA', 'The file has no audio track to extract.', { retryable: false });
  const format = forced ?? chooseAudioFormat(media.audio.codec);
  const output = made(action, outputPath(task.jobDir, format));
  let args = extractAudioArgs({ input: action.input, output, format, ...bounds(action) });
  // extractAudioArgs copies the stream for M4A, which only works for AAC; an M4A asked for
  // explicitly from another codec is encoded to AAC instead.
  if (format === 'm4a' && media.audio.codec !== 'aac') args = replaceAfter(args, '-c:a', ['aac', '-b:a', '160k']);
  await ffmpeg(action, args, media.durationSeconds);
  return describeOutput(
    { path: output, fileName: displayName(task.inputName, format), mimeType: AUDIO_MIME[format], sendAs: 'audio', fallbackTags: media.tags },
    action.describe,
  );
}

async function compress(action: ActionInput, preset: CompressPreset): Promise<ResultFile> {
  const { media, task } = action;
  requireVideo(media, 'compress');
  const output = made(action, outputPath(task.jobDir, 'mp4'));
  await ffmpeg(action, compressArgs({ input: action.input, output, preset, hasAudio: media.audio !== null, ...bounds(action) }), media.durationSeconds);
  return withThumb(action, await describeOutput({ path: output, fileName: displayName(task.inputName, 'mp4'), mimeType: 'video/mp4', sendAs: 'video' }, action.describe));
}

async function convert(action: ActionInput, target: 'mp4' | 'gif'): Promise<ResultFile> {
  const { media, task } = action;
  requireVideo(media, 'convert');
  if (target === 'gif' && (media.durationSeconds === null || media.durationSeconds > GIF_MAX_SECONDS)) {
    throw new JobError('UNSUPPORTED_MEDIA', `A GIF is made only from clips up to ${GIF_MAX_SECONDS} s; this one is longer — convert it to MP4 instead.`, {
      retryable: false,
    });
  }
  const output = made(action, outputPath(task.jobDir, target));
  await ffmpeg(action, convertArgs({ input: action.input, output, target, hasAudio: media.audio !== null, ...bounds(action) }), media.durationSeconds);
  const file =
    target === 'gif'
      ? { path: output, fileName: displayName(task.inputName, 'gif'), mimeType: 'image/gif', sendAs: 'animation' as const }
      : { path: output, fileName: displayName(task.inputName, 'mp4'), mimeType: 'video/mp4', sendAs: 'video' as const };
  return withThumb(action, await describeOutput(file, action.describe));
}

async function thumbnail(action: ActionInput, option: string | undefined): Promise<ResultFile> {
  const { media, task } = action;
  if (!media.video) throw new JobError('UNSUPPORTED_MEDIA', 'The file has no picture to take a thumbnail from.', { retryable: false });
  const output = made(action, outputPath(task.jobDir, 'jpg'));
  await ffmpeg(action, thumbnailArgs({ input: action.input, output, atSeconds: thumbnailSecond(media.durationSeconds, option), ...bounds(action) }), null);
  return describeOutput({ path: output, fileName: displayName(task.inputName, 'jpg'), mimeType: 'image/jpeg', sendAs: 'photo' }, action.describe);
}

/**
 * The second a thumbnail is taken at: the user's choice, else 1 s, else the middle of clips
 * shorter than 2 s; always inside the clip (seeking past the end yields no frame at all).
 */
export function thumbnailSecond(durationSeconds: number | null, option: string | undefined): number {
  const chosen = option !== undefined && /^\d{1,6}$/.test(option) ? Number(option) : null;
  if (durationSeconds === null) return 0;
  if (chosen === null) return durationSeconds < 2 ? durationSeconds / 2 : 1;
  // A frame or two before the end: the last frame's timestamp is below the duration.
  return Math.max(0, Math.min(chosen, durationSeconds - 0.1));
}

async function sendAsFile(task: ProcessTask, input: string): Promise<ResultFile> {
  const { size } = await stat(input);
  const ext = /\.([A-Za-z0-9]{1,5})$/.exec(task.inputName)?.[1] ?? null;
  return { path: input, fileName: displayName(task.inputName, ext), mimeType: 'application/octet-stream', sendAs: 'document', sizeBytes: size };
}







function parseOption<T extends string>(option: string | undefined, allowed: readonly T[], action: string): T | undefined {
  if (option === undefined) return undefined;
  if ((allowed as readonly string[]).includes(option)) return option as T;
  throw new JobError('INTERNAL', `Option "${option}" is not valid for ${action} (expected ${allowed.join(' or ')}).`, { retryable: false });
}

/** The input must be a file directly inside the job directory (the runner put it there). */
function checkedInput(task: ProcessTask): string {
  if (!task.input.startsWith('/') || !task.jobDir.startsWith('/')) {
    throw new JobError('INTERNAL', `Job paths must be absolute (input "${task.input}", jobDir "${task.jobDir}").`, { retryable: false });
  }
  const input = resolveInJobDir(task.jobDir, basename(task.input));
  if (input !== resolve(task.input)) throw new JobError('INTERNAL', `The input ${task.input} is not inside the job directory ${task.jobDir}.`, { retryable: false });
  return input;
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new JobError('CANCELLED', 'The job was cancelled before processing started.');
}
