/**
 * The checks a job must pass before it is accepted, so a user hears "no" at once instead of after
 * a long download: the file's size and duration as Telegram reports them (links are capped while
 * downloading instead, see jobStages.ts), the free-disk floor, and the user's queue.
 */
import type { RunnerConfig, SubmitInput } from './runnerTypes.js';

export interface Refusal {
  reason: 'QUEUE_FULL' | 'FILE_TOO_BIG' | 'DURATION_TOO_LONG' | 'DISK_FULL';
  /** For the operator's log. */
  detail: string;
}

export async function refusalOf(
  input: SubmitInput,
  context: { jobs: RunnerConfig['jobs']; freeDiskBytes(): Promise<number> },
): Promise<Refusal | null> {
  const { jobs } = context;
  if (input.source.kind === 'telegram') {
    const { sizeBytes, durationSeconds } = input.source.media;
    if (sizeBytes > jobs.maxFileBytes) return { reason: 'FILE_TOO_BIG', detail: `${sizeBytes} bytes is over jobs.maxFileBytes (${jobs.maxFileBytes})` };
    if (durationSeconds !== undefined && durationSeconds > jobs.maxDurationSeconds) {
      return { reason: 'DURATION_TOO_LONG', detail: `${durationSeconds} s is over jobs.maxDurationSeconds (${jobs.maxDurationSeconds})` };
    }
  }
  const free = await context.freeDiskBytes();
  if (free < jobs.minFreeDiskBytes) return { reason: 'DISK_FULL', detail: `${free} bytes free, jobs.minFreeDiskBytes is ${jobs.minFreeDiskBytes}` };
  return null;
}

/**
 * The user's queue limit. Checked by the caller right before it enqueues, with no await in
 * between, so two submissions at once cannot both take the last place.
 */
export function queueRefusal(load: { queued: number }, perUserQueued: number): Refusal | null {
  if (load.queued < perUserQueued) return null;
  return { reason: 'QUEUE_FULL', detail: `${load.queued} jobs waiting, jobs.perUserQueued is ${perUserQueued}` };
}
