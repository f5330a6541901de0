/** What the job runner is built from (createJobRunner's dependencies) and what it answers. */
import type { Database } from '../../storage/index.js';
import type { JobRequest, MediaPool, TelegramFiles } from '../../domain/mediaPorts.js';
import type { JobSource } from '../../domain/media.js';
import type { ReasonCode } from '../../domain/jobError.js';
import type { JobBackend } from '../backends/jobBackend.js';
import type { QuotaLimits } from '../quotas.js';

/*
 * The bot's plain-data types come from its port contract (types only: src/jobs runs no bot code);
 * the part of BotPort the runner uses is declared here, and the bot's BotPort fits it as it is.
 */
import type { ChatRef } from '../../domain/chat.js';
import type { SentMessage } from '../../domain/botPort.js';
export type { ChatRef, SentMessage };

/** A callback button (Cancel, Retry). */
export interface JobButton {
  text: string;
  data: string;
}

/** What the runner says through the bot: the status message and text results. */
export interface JobMessenger {
  sendText(chat: ChatRef, text: string, opts: { replyTo?: number; randomId: bigint; buttons?: JobButton[][] }): Promise<SentMessage>;
  editText(chat: ChatRef, messageId: number, text: string, opts?: { buttons?: JobButton[][] }): Promise<void>;
}

export interface RunnerLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

/** The settings the runner reads (a subset of Config: jobs.*, links.*, paths.temp). */
export interface RunnerConfig {
  jobs: {
    poolSize: number;
    perUserInFlight: number;
    perUserQueued: number;
    maxFileBytes: number;
    maxDurationSeconds: number;
    minFreeDiskBytes: number;
    jobTimeoutSeconds: number;
    progressIntervalMs: number;
  };
  links: {
    allowLoopback: boolean;
    allowedPorts: readonly number[];
    denyCidrs: readonly string[];
    timeoutMs: number;
    deadlineSeconds: number;
    minBytesPerSecond: number;
    maxRedirects: number;
    maxBytes: number;
  };
  paths: { temp: string };
  /** Daily quotas per user (src/jobs/quotas.ts); absent: none. */
  quotas?: QuotaLimits;
  /** Telegram user ids exempt from the quotas (config `admins`). */
  admins?: readonly number[];
}

/** A timer the runner can cancel; injected so tests drive time without sleeping. */
export type StartTimer = (ms: number, fn: () => void) => () => void;

export interface JobRunnerDeps {
  /** The main thread's connection. */
  db: Database;
  /** The bot's BotPort. */
  botPort: JobMessenger;
  files: TelegramFiles;
  /** The media pool of the local backend; not needed with another backend. */
  pool?: MediaPool;
  clock: { now(): number };
  /** Free bytes on the file system holding `dir`. */
  freeDiskBytes(dir: string): Promise<number>;
  config: RunnerConfig;
  log: RunnerLogger;
  /** Where the work happens; default: the local backend over `files` and `pool` (src/jobs/backends/). */
  backend?: JobBackend;
  /** Default: setTimeout. Used for the per-job wall-clock limit and the status refresh. */
  startTimer?: StartTimer;
  /** Default: newJobId (random); tests fix ids. */
  newId?: () => string;
  /** Default true: refresh status messages every progressIntervalMs; tests call refreshStatuses(). */
  refreshTimer?: boolean;
  /** Told when a job ended (done, failed or cancelled): metrics (src/ops, wired by app.ts). */
  onJobEnded?(ended: JobEnded): void;
}

/** A job that just ended, as metrics see it: no user, no file. */
export interface JobEnded {
  action: string;
  outcome: 'done' | 'failed' | 'cancelled';
  /** From acceptance to the end. */
  seconds: number;
  /** The failure's reason code and message, when it failed. */
  failure?: { reason: string; message: string };
}

export interface SubmitInput {
  /** The update that asked for the job (e.g. "cbq:<queryId>"); creation is exactly-once per key. */
  originKey: string;
  userId: string;
  chat: ChatRef;
  /** The user's media (or link) message; the status and the result reply to it. */
  sourceMessageId: number;
  source: JobSource;
  request: JobRequest;
  lang: string;
}

export type SubmitResult =
  | { kind: 'accepted'; jobId: string; /** false when the origin key had already created this job */ created: boolean }
  | { kind: 'reused' }
  | {
      kind: 'refused';
      /** QUOTA_*: the user's daily quota of jobs or bytes (src/jobs/quotas.ts). */
      reason: Extract<ReasonCode, 'QUEUE_FULL' | 'FILE_TOO_BIG' | 'DURATION_TOO_LONG' | 'DISK_FULL'> | 'QUOTA_JOBS' | 'QUOTA_BYTES';
      /** The refusal as sent to the user. */
      text: string;
      /** A shorter answer to the press, when `text` is too long for one (Telegram shows 200 characters). */
      answer?: string;
    };

/** The answer to a Cancel or Retry press, with a text for answerCallback. */
export interface ButtonAnswer {
  ok: boolean;
  text: string;
}

export interface JobRunner {
  start(): Promise<void>;
  stop(): Promise<void>;
  submit(input: SubmitInput): Promise<SubmitResult>;
  /**
   * Cancel and Retry of `userId`'s press. `lang` is the presser's language code: the answers to a
   * press on a missing job or someone else's job are in it (the job's own lang covers the rest).
   */
  cancel(jobId: string, userId: string, lang?: string): Promise<ButtonAnswer>;
  retry(jobId: string, userId: string, lang?: string): Promise<ButtonAnswer>;
  /** Edits the status messages of running jobs whose percent changed (throttled). */
  refreshStatuses(): Promise<void>;
  /** Resolves when no job is running or waiting (tests; graceful shutdown). */
  idle(): Promise<void>;
}
