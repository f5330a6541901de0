/**
 * Errors a transfer's injected send/fetch function throws to steer the part window, and the
 * errors the transfer itself throws. The GramJS adapters (src/telegram/uploadInvoker.ts,
 * downloadInvoker.ts) translate GramJS's RPC errors into these, so src/transfer/ stays
 * GramJS-free.
 */

/** Telegram answered FLOOD_WAIT_X: every request must wait `seconds` (core.telegram.org/api/errors). */
export class TransferFloodWaitError extends Error {
  override readonly name = 'TransferFloodWaitError';
  constructor(readonly seconds: number, cause?: unknown) {
    super(`Telegram asked to wait ${seconds} s before sending more parts (FLOOD_WAIT_${seconds}).`, { cause });
  }
}

/** A failure that retrying the same request cannot fix (e.g. FILE_PART_SIZE_INVALID). */
export class TransferFatalError extends Error {
  override readonly name = 'TransferFatalError';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

/** The transfer was cancelled through its AbortSignal. */
export class TransferCancelledError extends Error {
  override readonly name = 'TransferCancelledError';
  constructor(what: string) {
    super(`${what} was cancelled; parts confirmed so far are kept for a resume.`);
  }
}

/** The transfer gave up on a part (retries exhausted, fatal error, or a flood wait too long). */
export class TransferFailedError extends Error {
  override readonly name = 'TransferFailedError';
  constructor(what: string, reason: string, cause?: unknown) {
    super(`${what} failed: ${reason}. Confirmed parts are kept; retry later to resume.`, { cause });
  }
}
