/**
 * The one error a job fails with: a reason code users see translated (src/texts/), whether a
 * retry may help, and a message for the operator's log. It crosses threads as plain data
 * (src/jobs/pool/protocol.ts) and is rebuilt as a JobError on the other side.
 */

/** Reason codes users see (translated); keep them stable, they are stored in the database. */
export const REASON_CODES = [
  'FILE_TOO_BIG',
  'DURATION_TOO_LONG',
  'UNSUPPORTED_MEDIA',
  'CORRUPT_MEDIA',
  'LINK_REFUSED',
  'LINK_UNREACHABLE',
  'DISK_FULL',
  'QUEUE_FULL',
  'TIMEOUT',
  'CANCELLED',
  'INTERNAL',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** Reasons that a later attempt may get past without the user changing anything. */
const RETRYABLE_BY_DEFAULT: ReadonlySet<ReasonCode> = new Set(['LINK_UNREACHABLE', 'DISK_FULL', 'TIMEOUT', 'INTERNAL']);

export function isReasonCode(value: unknown): value is ReasonCode {
  return typeof value === 'string' && (REASON_CODES as readonly string[]).includes(value);
}

/**
 * The error a job fails with. `reason` is what users see (translated); `message` is for the
 * operator's log and says what happened and what to do.
 */
export class JobError extends Error {
  override readonly name = 'JobError';
  readonly reason: ReasonCode;
  readonly retryable: boolean;

  constructor(reason: ReasonCode, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(reason);
  }
}

export function isJobError(error: unknown): error is JobError {
  return error instanceof JobError;
}

export interface JobFailure {
  reason: ReasonCode;
  retryable: boolean;
  message: string;
}
