/**
 * Names a job and the things derived from it: its id, the key that finds earlier results for the
 * same input (re-use), the random_ids of the messages it sends, and the stable part of its input
 * file name.
 *
 * Everything sent on a job's behalf carries a random_id derived from the job (not a fresh random
 * number): a message sent again after a crash reuses the id of the first attempt and Telegram
 * drops the copy (RANDOM_ID_DUPLICATE). The derivation is src/domain/randomId.ts, shared with the bot's replies.
 */
import { createHash, randomBytes } from 'node:crypto';
import { derivedRandomId } from '../domain/randomId.js';
import type { JobSource } from '../domain/media.js';

/** 12 URL-safe characters: short enough for callback data, random enough to never collide. */
export function newJobId(): string {
  return randomBytes(9).toString('base64url');
}

/**
 * Identifies the input for re-use. Telegram media: the document/photo id, which Telegram keeps
 * for the same file however often it is forwarded. Links: the URL as given — good enough, since
 * the same URL usually serves the same file, and hashing the download would mean downloading it
 * first, which is most of the cost re-use saves.
 */
export function inputKeyOf(source: JobSource): string {
  return source.kind === 'telegram' ? `tg:${source.media.location.type}:${source.media.location.id}` : `url:${source.url}`;
}


/** The random_ids a job uses; fixed per job so every resend is deduplicated. */
export const JOB_MESSAGES = {
  status: (jobId: string) => derivedRandomId(`job:${jobId}`, 0),
  result: (jobId: string) => derivedRandomId(`job:${jobId}`, 1),
  /** Part `index` (0-based) of a result sent in parts. */
  resultPart: (jobId: string, index: number) => derivedRandomId(`job-part:${jobId}`, index),
  refusal: (originKey: string) => derivedRandomId(`job-refusal:${originKey}`, 0),
  reuse: (originKey: string) => derivedRandomId(`job-reuse:${originKey}`, 0),
} as const;

/**
 * The "random" part of the input file name, fixed per job (16 hex characters) so a download
 * resumed after a crash continues the same file instead of starting a second one.
 */
export function stableFilePart(jobId: string): string {
  return createHash('sha256').update(`input:${jobId}`).digest('hex').slice(0, 16);
}

/** A display name for the input ("clip.mp4"), used to name outputs; never a path. */
export function inputDisplayName(source: JobSource): string {
  if (source.kind === 'telegram') {
    const { fileName, kind, mimeType } = source.media;
    if (fileName) return fileName;
    const extension = /\/([a-z0-9]{1,5})$/.exec(mimeType)?.[1] ?? 'bin';
    return `${kind}.${extension}`;
  }
  try {
    const last = new URL(source.url).pathname.split('/').filter(Boolean).pop();
    return last ? decodeURIComponent(last) : 'download';
  } catch {
    return 'download';
  }
}
