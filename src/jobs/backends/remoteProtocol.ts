/**
 * What crosses Redis between the service (bullmqBackend.ts) and `npm run worker` processes
 * (queueWorker.ts): a BullMQ job's data, its progress reports, its return value and its failure.
 * Plain JSON only. The worker validates the data it takes (a queue outlives a deploy: an older
 * or newer service may have written it), and failures travel as the pool's WireError
 * ({reason, message, retryable}) inside the failed job's reason text.
 */
import { z } from 'zod';
import { chatRefSchema, type ChatRef } from '../../domain/chat.js';
import { jobSourceSchema, type JobSource } from '../../domain/media.js';
import { MEDIA_ACTIONS } from '../../domain/mediaAction.js';
import { isReasonCode, type ReasonCode } from '../../domain/jobError.js';
import type { JobRequest } from '../../domain/mediaPorts.js';
import type { StoredResult } from '../../storage/jobRepository.js';
import type { WireError } from '../pool/protocol.js';
import type { ActiveStage } from './jobBackend.js';

/** The BullMQ job name of a media job (one queue, one kind of job). */
export const MEDIA_JOB = 'media';

/** What a worker needs to do one attempt of a job; the result's random_id derives from `jobId`. */
export interface RemoteJobData {
  v: 1;
  /** Courier's job id (the SQLite row's). */
  jobId: string;
  chat: ChatRef;
  /** The user's message: the result replies to it. */
  sourceMessageId: number;
  source: JobSource;
  request: JobRequest;
  /** The job's wall-clock limit, ms since the epoch (the service's clock; keep hosts in NTP). */
  deadline: number;
  maxFileBytes: number;
  maxDurationSeconds: number;
  /** The user's language code, for the Info answer's words and the captions of a result sent in parts; optional, so data from an older service still reads. */
  lang?: string;
}

const remoteJobDataSchema = z.object({
  v: z.literal(1),
  jobId: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  chat: chatRefSchema,
  sourceMessageId: z.number().int(),
  source: jobSourceSchema,
  // videoAs: the user's "video results as file" (/settings); the worker sends the result.
  request: z.object({ action: z.enum(MEDIA_ACTIONS), option: z.string().optional(), videoAs: z.literal('file').optional() }),
  deadline: z.number(),
  maxFileBytes: z.number().int().positive(),
  maxDurationSeconds: z.number().int().positive(),
  lang: z.string().max(64).optional(),
});

export class RemoteJobDataError extends Error {
  override readonly name = 'RemoteJobDataError';
}

/** Reads a job's data as a worker takes it; a shape this Courier does not know fails the job. */
export function parseRemoteJobData(data: unknown): RemoteJobData {
  const parsed = remoteJobDataSchema.safeParse(data);
  if (!parsed.success) {
    throw new RemoteJobDataError(`The queue holds a job this worker cannot read (${parsed.error.issues[0]?.message ?? 'bad shape'}); are the service and the workers the same Courier version?`);
  }
  const { request, ...rest } = parsed.data;
  return {
    ...rest,
    request: {
      action: request.action,
      ...(request.option === undefined ? {} : { option: request.option }),
      ...(request.videoAs === undefined ? {} : { videoAs: request.videoAs }),
    },
  };
}

/** A worker's progress report: the stage it is in and that stage's percent. */
export interface RemoteProgress {
  stage: ActiveStage;
  percent: number;
}

const STAGES: readonly string[] = ['downloading', 'processing', 'uploading'];

export function isRemoteProgress(value: unknown): value is RemoteProgress {
  if (typeof value !== 'object' || value === null) return false;
  const { stage, percent } = value as Record<string, unknown>;
  return typeof stage === 'string' && STAGES.includes(stage) && typeof percent === 'number' && Number.isFinite(percent);
}

/** A job's return value: what the service stores for re-use (null: the send was a duplicate). */
export interface RemoteResult {
  result: StoredResult | null;
}

/** How a job ended, as the service reads it back. */
export type RemoteEnd = { ok: true; value: RemoteResult } | { ok: false; error: WireError };

/**
 * The BullMQ job id of one attempt of a Courier job. Fixed per attempt, so a restarted service
 * adding the job again finds the one it added before (BullMQ ignores an add with a known id),
 * and a Retry (the next attempt) gets a fresh BullMQ job.
 */
export function queueJobId(jobId: string, attempt: number): string {
  return `${jobId}.a${attempt}`;
}

const FAILURE_TAG = 'courier-job-error:';

/** The text a worker fails a BullMQ job with (BullMQ keeps only the message as failedReason). */
export function encodeFailure(error: WireError): string {
  return `${FAILURE_TAG}${JSON.stringify(error)}`;
}

/** Reads a failed job's reason back; anything else BullMQ says (a job stalled too often...) is INTERNAL. */
export function decodeFailure(failedReason: string | undefined): WireError {
  const text = failedReason ?? '';
  if (text.startsWith(FAILURE_TAG)) {
    try {
      const parsed = JSON.parse(text.slice(FAILURE_TAG.length)) as { reason?: unknown; message?: unknown; retryable?: unknown };
      const reason: ReasonCode = isReasonCode(parsed.reason) ? parsed.reason : 'INTERNAL';
      return { reason, message: String(parsed.message ?? ''), retryable: parsed.retryable === true };
    } catch {
      // fall through: an unreadable tag is reported as it is
    }
  }
  return { reason: 'INTERNAL', message: `The queue failed the job: ${text || 'no reason given'}`, retryable: true };
}
