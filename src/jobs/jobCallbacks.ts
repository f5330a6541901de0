/**
 * Callback data of the Cancel and Retry buttons under a job's status message:
 * "j1|c|<jobId>" and "j1|r|<jobId>". Like the media actions' data (actions.ts) it is versioned,
 * at most 64 bytes (Telegram's limit for callback data), and validated with zod on the way in,
 * so a forged or outdated button is refused with JobCallbackError instead of being misread.
 */
import { z } from 'zod';
import { CALLBACK_MAX_BYTES } from './actions.js';

/** The start of every job button's callback data (the bot routes it to the runner). */
export const JOB_CALLBACK_PREFIX = 'j1|';
const PREFIX = JOB_CALLBACK_PREFIX;

export type JobCallbackOp = 'cancel' | 'retry';

export interface JobCallback {
  op: JobCallbackOp;
  jobId: string;
}

const OP_CODE: Record<JobCallbackOp, string> = { cancel: 'c', retry: 'r' };

const callbackSchema = z
  .string()
  .max(CALLBACK_MAX_BYTES)
  .regex(/^j1\|([cr])\|([A-Za-z0-9_-]{1,40})$/, 'not "j1|<c|r>|<job id>"')
  .transform((text): JobCallback => {
    const [, code, jobId] = text.split('|');
    return { op: code === 'c' ? 'cancel' : 'retry', jobId: jobId ?? '' };
  });

export class JobCallbackError extends Error {
  override readonly name = 'JobCallbackError';
  constructor(detail: string) {
    super(`This job button's data is not valid (${detail}); it may come from an older Courier — send the file again.`);
  }
}

/** True when the data belongs to a job button (the bot routes it to the runner). */
export function isJobCallback(data: Uint8Array | string): boolean {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
  return text.startsWith(PREFIX);
}

export function encodeJobCallback(callback: JobCallback): string {
  const data = `${PREFIX}${OP_CODE[callback.op]}|${callback.jobId}`;
  const checked = callbackSchema.safeParse(data);
  if (!checked.success) throw new JobCallbackError(checked.error.issues.map((i) => i.message).join('; '));
  return data;
}

export function decodeJobCallback(data: Uint8Array | string): JobCallback {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  if (bytes.length > CALLBACK_MAX_BYTES) throw new JobCallbackError(`${bytes.length} bytes is over Telegram's 64`);
  const checked = callbackSchema.safeParse(bytes.toString('utf8'));
  if (!checked.success) throw new JobCallbackError(checked.error.issues.map((i) => i.message).join('; '));
  return checked.data;
}
