/**
 * Uploads a local file to Telegram in parallel parts, resumably, with bounded memory.
 *
 * GramJS-free: the caller injects `sendPart`, which sends one upload.saveFilePart or
 * upload.saveBigFilePart (src/telegram/uploadInvoker.ts builds one from a GramJS client).
 * Parts are read with positioned reads into a pool of at most `windowSize` reusable buffers, so
 * memory is windowSize * 512 KiB whatever the file size. Each confirmed part is reported through
 * `onPartConfirmed`; persisting those numbers with the file id lets a later call send only the
 * missing parts (Telegram keeps uploaded parts for a while, core.telegram.org/api/files).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { PartWindow } from './partWindow.js';
import { progressSteps } from './progressSteps.js';
import { abortable, runParts, systemClock, type TransferClock } from './runParts.js';
import { TransferFatalError } from './transferErrors.js';
import { newFileId, partRange, planUpload, type UploadPlan } from './uploadPlan.js';

export interface SendPartRequest {
  /** The random file_id as a signed 64-bit decimal string. */
  fileId: string;
  /** 0-based file_part. */
  part: number;
  totalParts: number;
  /** The part's bytes; a view into a reused buffer, valid only until the promise settles. */
  bytes: Buffer;
  /** true: upload.saveBigFilePart (with file_total_parts); false: upload.saveFilePart. */
  big: boolean;
  signal: AbortSignal;
}

export type SendPart = (request: SendPartRequest) => Promise<void>;

export interface UploadProgress {
  confirmedBytes: number;
  totalBytes: number;
  confirmedParts: number;
  totalParts: number;
}

export interface UploadOptions {
  sendPart: SendPart;
  filePath: string;
  /** File name Telegram shows; defaults to the path's base name. */
  name?: string;
  /** Upload only bytes [start, end) of the file, as a file of its own (one part of a split result). */
  range?: { start: number; end: number };
  /** The most parts Telegram accepts (upload_max_fileparts_default); default MAX_PARTS (4000). */
  maxParts?: number;
  /** Resume: the file id of the earlier attempt and the parts it confirmed. */
  fileId?: string;
  confirmedParts?: Iterable<number>;
  onPartConfirmed?(event: { fileId: string; part: number; totalParts: number }): void | Promise<void>;
  /** Called at the start, whenever the whole percent moves, and at the end. */
  onProgress?(progress: UploadProgress): void;
  /** Parts in flight at once. Default 8. */
  windowSize?: number;
  maxAttempts?: number;
  baseBackoffMs?: number;
  signal?: AbortSignal;
  clock?: TransferClock;
  /** Buffer allocation for the read pool; tests count calls. */
  allocate?(size: number): Buffer;
}

/** What Telegram needs to refer to the upload: the fields of inputFile / inputFileBig. */
export interface UploadedFile {
  id: string;
  parts: number;
  name: string;
  big: boolean;
  /** Hex MD5 of the whole file, only for small (inputFile) uploads. */
  md5?: string;
}

/** A fixed set of part-sized buffers handed out and returned; never more than `capacity`. */
class PartBufferPool {
  private readonly free: Buffer[] = [];
  private created = 0;
  constructor(
    private readonly capacity: number,
    private readonly size: number,
    private readonly allocate: (size: number) => Buffer,
  ) {}

  take(): Buffer {
    const reused = this.free.pop();
    if (reused) return reused;
    if (this.created >= this.capacity) {
      throw new Error(`part buffer pool exhausted (${this.capacity}); the window let too many parts run`);
    }
    this.created++;
    return this.allocate(this.size);
  }

  give(buffer: Buffer): void {
    this.free.push(buffer);
  }
}

async function md5Of(filePath: string, range: { start: number; end: number }): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(filePath, { start: range.start, end: range.end - 1 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readPart(file: FileHandle, plan: UploadPlan, part: number, buffer: Buffer, offset: number): Promise<Buffer> {
  const range = partRange(plan, part);
  const start = range.start + offset;
  const end = range.end + offset;
  const length = end - start;
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buffer, done, length - done, start + done);
    if (bytesRead === 0) {
      throw new TransferFatalError(
        `The file shrank while uploading (part ${part} ends at byte ${start + done}, expected ${end}). Do not modify a file while it is being sent.`,
      );
    }
    done += bytesRead;
  }
  return buffer.subarray(0, length);
}

export async function uploadFile(options: UploadOptions): Promise<UploadedFile> {
  const clock = options.clock ?? systemClock;
  const name = options.name ?? basename(options.filePath);
  const what = `upload of ${name}`;
  const file = await open(options.filePath, 'r');
  try {
    const stats = await file.stat();
    const range = options.range ?? { start: 0, end: stats.size };
    if (!(range.start >= 0 && range.start < range.end && range.end <= stats.size)) {
      throw new TransferFatalError(`Bytes ${range.start}-${range.end} of ${options.filePath} cannot be uploaded: the file has ${stats.size} bytes.`);
    }
    const size = range.end - range.start;
    const plan = planUpload(size, undefined, options.maxParts);
    const fileId = options.fileId ?? newFileId();
    const windowSize = Math.min(options.windowSize ?? 8, plan.totalParts);
    const window = new PartWindow({
      totalParts: plan.totalParts,
      windowSize,
      confirmed: options.confirmedParts,
      maxAttempts: options.maxAttempts,
      baseBackoffMs: options.baseBackoffMs,
    });
    const pool = new PartBufferPool(windowSize, plan.partSize, options.allocate ?? Buffer.allocUnsafeSlow);

    const partBytes = (part: number) => (part === plan.totalParts - 1 ? plan.lastPartSize : plan.partSize);
    let confirmedParts = window.confirmedParts().length;
    let confirmedBytes = window.confirmedParts().reduce((sum, part) => sum + partBytes(part), 0);
    const progress = progressSteps(
      size,
      options.onProgress &&
        ((done) => options.onProgress!({ confirmedParts, totalParts: plan.totalParts, confirmedBytes: done, totalBytes: size })),
    );

    progress.update(confirmedBytes, true);
    await runParts({
      window,
      clock,
      what,
      signal: options.signal,
      runPart: async (part, signal) => {
        const buffer = pool.take();
        try {
          const bytes = await readPart(file, plan, part, buffer, range.start);
          const send = options.sendPart({ fileId, part, totalParts: plan.totalParts, bytes, big: plan.big, signal });
          await abortable(send, signal, what);
        } finally {
          // After an abort the send may still hold the buffer, but no part takes it again.
          pool.give(buffer);
        }
      },
      onConfirmed: async (part) => {
        await options.onPartConfirmed?.({ fileId, part, totalParts: plan.totalParts });
        confirmedParts += 1;
        confirmedBytes += partBytes(part);
        progress.update(confirmedBytes, window.isDone());
      },
    });

    const uploaded: UploadedFile = { id: fileId, parts: plan.totalParts, name, big: plan.big };
    if (!plan.big) uploaded.md5 = await md5Of(options.filePath, range);
    return uploaded;
  } finally {
    await file.close();
  }
}

/** The brief's name for the big-file case; small files work the same way. */
export const uploadBigFile = uploadFile;
