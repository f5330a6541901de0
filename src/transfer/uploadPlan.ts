/**
 * How a file of a given size is cut into upload parts (pure; no I/O).
 *
 * Telegram's rules (core.telegram.org/api/files, "Uploading files"):
 * - all parts have the same size except the last one, which may be smaller;
 * - part_size % 1024 == 0 and 524288 % part_size == 0 (so at most 512 KiB);
 * - a file over 10 MB is "big": its parts go through upload.saveBigFilePart with
 *   file_total_parts and it is passed on as inputFileBig; smaller files use upload.saveFilePart
 *   and inputFile (whose md5_checksum may be left empty);
 * - a file may have at most 4000 parts for regular accounts and bots (the
 *   upload_max_fileparts_default client config; 8000 for Premium users, which a bot is not);
 * - file_id is a random 64-bit integer chosen by the client, and file_part counts from 0.
 *
 * Courier always uses 512 KiB parts, so its largest file is 4000 * 512 KiB = 2,097,152,000
 * bytes (2000 MiB, about 1.95 GiB): a "2 GB" file in the decimal sense fits, a 2 GiB one does not.
 */
import { randomBytes } from 'node:crypto';

export const KIB = 1024;
/** The largest part size Telegram allows, and the one Courier uses. */
export const MAX_PART_SIZE = 512 * KIB;
/** Files strictly larger than this are "big" (saveBigFilePart / inputFileBig). */
export const BIG_FILE_THRESHOLD = 10 * 1024 * 1024;
/** upload_max_fileparts_default: the part limit for bots and non-Premium users. */
export const MAX_PARTS = 4000;
/** The largest file Courier can upload: MAX_PARTS parts of MAX_PART_SIZE. */
export const MAX_UPLOAD_BYTES = MAX_PARTS * MAX_PART_SIZE;

/** Thrown when a file cannot be uploaded under Telegram's part rules. */
export class UploadPlanError extends Error {
  override readonly name = 'UploadPlanError';
}

export interface UploadPlan {
  readonly fileSize: number;
  readonly partSize: number;
  readonly totalParts: number;
  /** Size of the last part (equal to partSize when the file divides evenly). */
  readonly lastPartSize: number;
  /** True for files over 10 MB: use saveBigFilePart and inputFileBig. */
  readonly big: boolean;
}

/** True when `size` is a part size Telegram accepts. */
export function isValidPartSize(size: number): boolean {
  return Number.isInteger(size) && size > 0 && size % KIB === 0 && MAX_PART_SIZE % size === 0;
}

/**
 * Cuts a file of `fileSize` bytes into parts of `partSize` (512 KiB unless told otherwise), at
 * most `maxParts` of them (upload_max_fileparts_default as Telegram's app config says; 4000).
 */
export function planUpload(fileSize: number, partSize = MAX_PART_SIZE, maxParts = MAX_PARTS): UploadPlan {
  if (!Number.isSafeInteger(fileSize) || fileSize <= 0) {
    throw new UploadPlanError(
      `Cannot upload a file of ${fileSize} bytes: Telegram refuses empty files (FILE_PART_EMPTY). Check the file was written completely.`,
    );
  }
  if (!isValidPartSize(partSize)) {
    throw new UploadPlanError(
      `Part size ${partSize} is invalid: it must divide 524288 and be a multiple of 1024 (core.telegram.org/api/files).`,
    );
  }
  const totalParts = Math.ceil(fileSize / partSize);
  if (totalParts > maxParts) {
    throw new UploadPlanError(
      `The file is ${fileSize} bytes, which needs ${totalParts} parts of ${partSize} bytes; Telegram accepts at most ${maxParts} (${maxParts * MAX_PART_SIZE} bytes at 512 KiB). Lower the size limit or compress the file.`,
    );
  }
  return {
    fileSize,
    partSize,
    totalParts,
    lastPartSize: fileSize - (totalParts - 1) * partSize,
    big: fileSize > BIG_FILE_THRESHOLD,
  };
}

/** Byte range [start, end) of part `index` (0-based) in the plan. */
export function partRange(plan: UploadPlan, index: number): { start: number; end: number } {
  if (!Number.isInteger(index) || index < 0 || index >= plan.totalParts) {
    throw new UploadPlanError(`Part ${index} does not exist: the file has ${plan.totalParts} parts.`);
  }
  const start = index * plan.partSize;
  return { start, end: Math.min(start + plan.partSize, plan.fileSize) };
}

/**
 * A fresh random file_id as a signed 64-bit integer (TL `long`), formatted as a decimal string
 * so it survives JSON and SQLite storage for resuming without losing precision.
 */
export function newFileId(random: (size: number) => Buffer = randomBytes): string {
  return random(8).readBigInt64LE(0).toString();
}
