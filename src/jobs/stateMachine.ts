/**
 * The life of one media job, as a pure state machine.
 *
 *   queued ──start──▶ downloading ──downloaded──▶ processing ──processed──▶ uploading ──uploaded──▶ done
 *     │                   │                          │                         │
 *     └──────── fail ─────┴──────────── fail ────────┴────────── fail ─────────┴──▶ failed ──retry──▶ queued
 *     └──────── cancel ───┴─────────── cancel ───────┴───────── cancel ────────┴──▶ cancelled
 *
 * `transition(job, event)` returns the next job, or an `InvalidTransition` saying why the event
 * does not apply; it never throws and touches no clock, disk or database. The caller persists
 * the result (src/storage/) and does the I/O the new state asks for.
 *
 * After a crash every non-terminal job gets `resumeAfterCrash`: it stays in its stage and gets a
 * `resume` hint — a download continues from the bytes already on disk, processing is re-run from
 * the downloaded input (ffmpeg output is not resumable), an upload continues from the parts
 * Telegram already confirmed. Terminal jobs are left as they are, so the boot code can apply the
 * event to every row it reads without filtering.
 *
 * The job record itself (Job, JobState) and JobError live in src/domain/: storage and the worker
 * threads read them too.
 */
import { JobError, type JobFailure, type ReasonCode } from '../domain/jobError.js';
import { ACTIVE_STATES, TERMINAL_STATES, type Job, type JobState, type ResumeHint } from '../domain/job.js';

export type JobEvent =
  | { type: 'start' }
  | { type: 'downloaded' }
  | { type: 'processed' }
  | { type: 'uploaded' }
  | { type: 'progress'; percent: number }
  | { type: 'fail'; reason: ReasonCode; retryable: boolean; message?: string }
  | { type: 'cancel' }
  | { type: 'resumeAfterCrash' }
  | { type: 'retry' };

/** Returned (not thrown) when an event does not apply to the job's state. */
export class InvalidTransition {
  readonly kind = 'InvalidTransition';
  constructor(
    readonly from: JobState,
    readonly event: JobEvent['type'],
    readonly message: string,
  ) {}
}

export function isInvalidTransition(value: Job | InvalidTransition): value is InvalidTransition {
  return value instanceof InvalidTransition;
}

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

export const DEFAULT_MAX_ATTEMPTS = 3;

export function newJob(id: string, userId: string, maxAttempts = DEFAULT_MAX_ATTEMPTS): Job {
  return { id, userId, state: 'queued', progress: 0, attempts: 0, maxAttempts, failure: null, resume: null };
}

/** Stage order: the event that finishes each stage and the state it leads to. */
const STAGE_DONE: Partial<Record<JobEvent['type'], { from: JobState; to: JobState }>> = {
  downloaded: { from: 'downloading', to: 'processing' },
  processed: { from: 'processing', to: 'uploading' },
  uploaded: { from: 'uploading', to: 'done' },
};

const RESUME_HINT: Partial<Record<JobState, ResumeHint>> = {
  downloading: 'continue-download',
  processing: 'rerun-processing',
  uploading: 'resume-upload',
};

export function transition(job: Job, event: JobEvent): Job | InvalidTransition {
  const refuse = (why: string) => new InvalidTransition(job.state, event.type, `Job ${job.id}: cannot apply "${event.type}" in state "${job.state}": ${why}.`);

  switch (event.type) {
    case 'start':
      if (job.state !== 'queued') return refuse('only a queued job can start');
      return { ...job, state: 'downloading', progress: 0, attempts: job.attempts + 1, failure: null, resume: null };

    case 'downloaded':
    case 'processed':
    case 'uploaded': {
      const step = STAGE_DONE[event.type];
      if (!step || job.state !== step.from) return refuse(`it finishes the "${step?.from ?? '?'}" stage`);
      return { ...job, state: step.to, progress: step.to === 'done' ? 100 : 0, resume: null };
    }

    case 'progress': {
      if (!ACTIVE_STATES.includes(job.state)) return refuse('progress is only reported while downloading, processing or uploading');
      if (!Number.isFinite(event.percent)) return refuse('the percent is not a finite number');
      const percent = Math.min(100, Math.max(0, event.percent));
      return { ...job, progress: percent };
    }

    case 'fail':
      if (isTerminal(job.state)) return refuse('the job has already ended');
      return {
        ...job,
        state: 'failed',
        failure: { reason: event.reason, retryable: event.retryable, message: event.message ?? event.reason },
        resume: null,
      };

    case 'cancel':
      if (isTerminal(job.state)) return refuse('the job has already ended');
      return {
        ...job,
        state: 'cancelled',
        failure: { reason: 'CANCELLED', retryable: false, message: 'cancelled by the user' },
        resume: null,
      };

    case 'resumeAfterCrash': {
      const hint = RESUME_HINT[job.state];
      // Queued jobs simply wait for their turn again; ended jobs stay ended.
      if (!hint) return job;
      // Processing restarts from 0 %; download and upload keep what they had reached.
      return { ...job, resume: hint, progress: job.state === 'processing' ? 0 : job.progress };
    }

    case 'retry':
      if (job.state !== 'failed') return refuse('only a failed job can be retried');
      if (!job.failure?.retryable) return refuse(`the failure (${job.failure?.reason ?? 'unknown'}) is not retryable`);
      if (job.attempts >= job.maxAttempts) return refuse(`it already used all ${job.maxAttempts} attempts`);
      return { ...job, state: 'queued', progress: 0, failure: null, resume: null };
  }
}

/** Applies `fail` from a caught error: JobError keeps its reason, anything else is INTERNAL. */
export function failEventFrom(error: unknown): Extract<JobEvent, { type: 'fail' }> {
  if (error instanceof JobError) return { type: 'fail', reason: error.reason, retryable: error.retryable, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { type: 'fail', reason: 'INTERNAL', retryable: true, message };
}
