/**
 * The actions whose option is the user's answer to a question (src/bot/mediaDialogs.ts): Trim,
 * Rename and Compress to size. The option's format is src/domain/editOptions.ts; it is read again
 * here rather than trusted, since a job row can be older than this code.
 *
 * Trim copies the streams when it can, which is fast and loses nothing: always for audio-only
 * files, and for video when the cut starts at 0 or on a keyframe (ffprobe's packet index, read
 * around the start). A cut that starts between keyframes is encoded again, since a copy could
 * only start at the keyframe before it and the part would begin early or with broken frames.
 *
 * Compress to size plans the rates from the probed duration (planSizeTarget), encodes once with
 * the rate capped, and checks the result: if the encoder still overshot, it encodes once more at
 * a rate scaled down by the overshoot.
 */

import { stat } from 'node:fs/promises';
import { decodeSizeOption, decodeTrimOption, MB, minimumTargetBytes, planSizeTarget, renamedFileName } from '../domain/editOptions.js';
import { JobError } from '../domain/jobError.js';
import type { ProcessTask, ResultFile } from '../domain/mediaPorts.js';
import { bounds, ffmpeg, made, removeMade, requireVideo, withThumb, type ActionInput } from './actionKit.js';
import { targetSizeArgs, trimArgs, type TrimMode } from './commands.js';
import { describeOutput, displayName, outputPath } from './outputs.js';
import { keyframeTimes } from './probe.js';

/** A cut this close to a keyframe starts on it (timestamps are rounded to milliseconds). */
const KEYFRAME_TOLERANCE_SECONDS = 0.05;
/** An end up to this far past the probed duration means "to the end" (Telegram rounds durations). */
const END_TOLERANCE_SECONDS = 0.5;

export async function trim(action: ActionInput): Promise<ResultFile> {
  const { media, task } = action;
  const range = decodeTrimOption(task.request.option);
  if (!range) throw new JobError('INTERNAL', `Trim got the option ${JSON.stringify(task.request.option)}, not "<start>-<end>" in seconds.`, { retryable: false });
  const duration = media.durationSeconds;
  const hasVideo = media.video !== null && !media.isImage;
  if (!hasVideo && !media.audio) throw new JobError('UNSUPPORTED_MEDIA', 'Only videos and audio can be trimmed.', { retryable: false });
  if (duration !== null && (range.startSeconds >= duration || range.endSeconds > duration + END_TOLERANCE_SECONDS)) {
    throw new JobError('UNSUPPORTED_MEDIA', `The part ${range.startSeconds}-${range.endSeconds} s is not inside the file, which lasts ${duration.toFixed(1)} s.`, {
      retryable: false,
    });
  }
  const end = duration === null ? range.endSeconds : Math.min(range.endSeconds, duration);
  const mode = await trimMode(action, range.startSeconds, hasVideo);
  const ext = mode.kind === 'copy' ? MUXER_EXT[mode.muxer]! : hasVideo ? 'mp4' : 'mp3';
  const output = made(action, outputPath(task.jobDir, ext));
  const args = trimArgs({
    input: action.input,
    output,
    startSeconds: range.startSeconds,
    durationSeconds: end - range.startSeconds,
    mode,
    hasVideo,
    hasAudio: media.audio !== null,
    ...bounds(action),
  });
  await ffmpeg(action, args, end - range.startSeconds);
  const file = hasVideo
    ? { path: output, fileName: displayName(task.inputName, ext), mimeType: MIME[ext] ?? 'video/mp4', sendAs: 'video' as const }
    : { path: output, fileName: displayName(task.inputName, ext), mimeType: MIME[ext] ?? 'audio/mpeg', sendAs: 'audio' as const, fallbackTags: media.tags };
  const described = await describeOutput(file, action.describe);
  return hasVideo ? withThumb(action, described) : described;
}

/** Containers a copied part is written in, by the input's demuxer; anything else is encoded. */
const MUXER_EXT: Record<string, string> = { mp4: 'mp4', ipod: 'm4a', matroska: 'mkv', webm: 'webm', mp3: 'mp3', ogg: 'ogg', flac: 'flac', wav: 'wav', adts: 'aac' };
const MIME: Record<string, string> = {
  mp4: 'video/mp4',
  m4a: 'audio/mp4',
  mkv: 'video/x-matroska',
  webm: 'video/webm',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  flac: 'audio/flac',
  wav: 'audio/wav',
  aac: 'audio/aac',
};

async function trimMode(action: ActionInput, start: number, hasVideo: boolean): Promise<TrimMode> {
  const muxer = copyMuxer(action.media.format, hasVideo, action.media.video?.codec ?? null);
  if (muxer === null) return { kind: 'encode' };
  if (!hasVideo || start === 0) return { kind: 'copy', muxer };
  const { ctx, describe, task } = action;
  const keyframes = await keyframeTimes({
    ffprobePath: ctx.ffprobePath,
    filePath: action.input,
    timeoutMs: task.timeoutMs,
    signal: ctx.signal,
    limits: describe.limits,
    confinement: describe.confinement,
    fromSeconds: start - 1,
    toSeconds: start + 1,
  });
  return keyframes.some((k) => Math.abs(k - start) <= KEYFRAME_TOLERANCE_SECONDS) ? { kind: 'copy', muxer } : { kind: 'encode' };
}

/** The muxer a copy is written with, from ffprobe's format_name; null when the part is better encoded. */
export function copyMuxer(formatName: string, hasVideo: boolean, videoCodec: string | null): string | null {
  const names = formatName.split(',');
  if (names.includes('mp4') || names.includes('mov')) return hasVideo ? 'mp4' : 'ipod';
  if (names.includes('matroska') || names.includes('webm')) return hasVideo && !['vp8', 'vp9', 'av1'].includes(videoCodec ?? '') ? 'matroska' : 'webm';
  if (hasVideo) return null;
  for (const audio of ['mp3', 'ogg', 'flac', 'wav', 'aac']) if (names.includes(audio)) return audio === 'aac' ? 'adts' : audio;
  return null;
}

/** Send as file under the name the user gave (sanitised again: the row may be older than the rules). */
export async function rename(task: ProcessTask, input: string): Promise<ResultFile> {
  const name = renamedFileName(task.request.option ?? '', task.inputName);
  if (name === null) throw new JobError('INTERNAL', `Rename got the option ${JSON.stringify(task.request.option)}, which is no usable file name.`, { retryable: false });
  const { size } = await stat(input);
  return { path: input, fileName: name, mimeType: 'application/octet-stream', sendAs: 'document', sizeBytes: size };
}

export async function compressToSize(action: ActionInput): Promise<ResultFile> {
  const { media, task } = action;
  requireVideo(media, 'compress');
  const megabytes = decodeSizeOption(task.request.option);
  if (megabytes === null) throw new JobError('INTERNAL', `Compress to size got the option ${JSON.stringify(task.request.option)}, not a number of MB.`, { retryable: false });
  const duration = media.durationSeconds;
  if (duration === null) throw new JobError('UNSUPPORTED_MEDIA', 'The video has no known length, so no bitrate can be planned for a target size.', { retryable: false });
  const target = megabytes * MB;
  const hasAudio = media.audio !== null;
  const plan = planSizeTarget(target, duration, hasAudio);
  if (plan === null) {
    const minimum = (minimumTargetBytes(duration, hasAudio) / MB).toFixed(1);
    throw new JobError('UNSUPPORTED_MEDIA', `${megabytes} MB is too small for ${duration.toFixed(0)} s of video; at least ${minimum} MB is needed.`, { retryable: false });
  }
  let output = made(action, outputPath(task.jobDir, 'mp4'));
  await ffmpeg(action, targetSizeArgs({ input: action.input, output, ...plan, hasAudio, ...bounds(action) }), duration);
  const first = (await stat(output)).size;
  if (first > target) {
    // Rare (a short clip, a hard scene): once more, the video rate cut by the overshoot and 5 % more.
    const videoKbps = Math.floor(plan.videoKbps * (target / first) * 0.95);
    if (videoKbps < 50) throw new JobError('UNSUPPORTED_MEDIA', `The result came out at ${first} bytes, over the ${target} asked for, and cannot be made smaller.`, { retryable: false });
    await removeMade(action, output);
    output = made(action, outputPath(task.jobDir, 'mp4'));
    await ffmpeg(action, targetSizeArgs({ input: action.input, output, ...plan, videoKbps, hasAudio, ...bounds(action) }), duration);
    const second = (await stat(output)).size;
    if (second > target) throw new JobError('UNSUPPORTED_MEDIA', `The result came out at ${second} bytes twice over the ${target} asked for; pick a larger size.`, { retryable: false });
  }
  const file = await describeOutput({ path: output, fileName: displayName(task.inputName, 'mp4'), mimeType: 'video/mp4', sendAs: 'video' }, action.describe);
  return withThumb(action, file);
}
