/**
 * What every media action of process.ts and editActions.ts shares: the checked input with its
 * probe summary, the list of outputs made so far (removed if the action fails), and running
 * ffmpeg inside the job's confinement with the result-size check after it.
 */

import { stat } from 'node:fs/promises';
import { JobError } from '../domain/jobError.js';
import type { ProcessTask, ResultFile } from '../domain/mediaPorts.js';
import { runFfmpeg } from './commands.js';
import type { MediaLimits } from './limits.js';
import { removeQuietly, type DescribeOptions } from './outputs.js';
import type { MediaSummary } from './probe.js';
import type { ProcessContext } from './process.js';

/** What one action needs: the checked input, its summary and where outputs go. */
export interface ActionInput {
  task: ProcessTask;
  input: string;
  media: MediaSummary;
  ctx: ProcessContext;
  describe: DescribeOptions;
  /** Every output path made so far, removed if the action fails. */
  made: string[];
}

/** Adds the thumbnail path made by describeOutput to the list removed on failure. */
export function withThumb(action: ActionInput, file: ResultFile): ResultFile {
  if (file.thumbPath !== undefined) action.made.push(file.thumbPath);
  return file;
}

export function made(action: ActionInput, path: string): string {
  action.made.push(path);
  return path;
}

export function bounds(action: ActionInput): { limits: MediaLimits; maxSeconds: number } {
  return { limits: action.describe.limits, maxSeconds: action.task.maxDurationSeconds };
}

export async function ffmpeg(action: ActionInput, args: string[], durationSeconds: number | null): Promise<void> {
  const { ctx, task, describe } = action;
  await runFfmpeg({
    ffmpegPath: ctx.ffmpegPath,
    args,
    durationSeconds,
    signal: ctx.signal,
    timeoutMs: task.timeoutMs,
    confine: { support: describe.confinement, jobDir: task.jobDir, limits: describe.limits },
    onProgress: (progress) => {
      if (progress.percent !== null) ctx.onPercent(progress.percent);
    },
  });
  await assertUnderResultLimit(args[args.length - 1] ?? '', describe.limits);
}

/** `-fs` stops ffmpeg cleanly (exit 0) once the output reaches the limit: such a file is cut short. */
async function assertUnderResultLimit(output: string, limits: MediaLimits): Promise<void> {
  const { size } = await stat(output);
  if (size >= limits.maxResultBytes) {
    throw new JobError('FILE_TOO_BIG', `The result reached ${size} bytes, the most Courier writes for one result (media limits maxResultBytes ${limits.maxResultBytes}); it was cut short and is not sent.`, {
      retryable: false,
    });
  }
}

export function requireVideo(media: MediaSummary, what: string): void {
  if (!media.video || media.isImage) throw new JobError('UNSUPPORTED_MEDIA', `Only videos can be ${what === 'compress' ? 'compressed' : 'converted'}; this file has no video track.`, { retryable: false });
}

/** Removes an output made earlier in this action (a first attempt replaced by a second). */
export async function removeMade(action: ActionInput, path: string): Promise<void> {
  await removeQuietly(path);
  const at = action.made.indexOf(path);
  if (at >= 0) action.made.splice(at, 1);
}
