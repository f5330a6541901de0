/**
 * A media job as stored and as the state machine (src/jobs/stateMachine.ts) moves it: plain data
 * shared by the scheduler, the runner, storage and the bot.
 */
import type { JobFailure } from './jobError.js';

export const JOB_STATES = ['queued', 'downloading', 'processing', 'uploading', 'done', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_STATES: readonly JobState[] = ['done', 'failed', 'cancelled'];
export const ACTIVE_STATES: readonly JobState[] = ['downloading', 'processing', 'uploading'];

/** What the worker should do when a job is picked up again after a crash. */
export type ResumeHint = 'continue-download' | 'rerun-processing' | 'resume-upload';


export interface Job {
  id: string;
  userId: string;
  state: JobState;
  /** Percent (0..100) of the current stage; reset to 0 when a stage begins. */
  progress: number;
  /** How many times the job was started (the first start counts). */
  attempts: number;
  /** `retry` is refused once `attempts` reaches this. */
  maxAttempts: number;
  failure: JobFailure | null;
  resume: ResumeHint | null;
}
