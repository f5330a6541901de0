/**
 * Errors of Courier's Telegram file transfers (src/telegram/files/mediaFiles.ts) that a job reports to
 * its user or retries on: each says what happened and what to do next.
 */

/**
 * FILE_REFERENCE_EXPIRED: Telegram's file_reference in a MediaRef is only valid for a while
 * (core.telegram.org/api/file_reference). It is refreshed by fetching the message again
 * (messages.getMessages); the download itself cannot fix it.
 */
export class FileReferenceExpiredError extends Error {
  override readonly name = 'FileReferenceExpiredError';
  constructor(what: string, cause?: unknown) {
    super(
      `The file reference of ${what} expired (FILE_REFERENCE_EXPIRED). Fetch the message again to get a fresh reference, or ask the user to send the file again.`,
      { cause },
    );
  }
}

/** Telegram refused the send of an uploaded file (e.g. MEDIA_INVALID, FILE_PARTS_INVALID). */
export class MediaSendError extends Error {
  override readonly name = 'MediaSendError';
  constructor(
    readonly fileName: string,
    readonly code: string,
    cause?: unknown,
  ) {
    super(`Telegram refused to send ${fileName} (${code}). The upload is kept; retry the job, and if it fails again check the file's type and size.`, { cause });
  }
}
