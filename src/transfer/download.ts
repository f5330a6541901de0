/**
 * Downloads a Telegram file in parallel 1 MiB chunks straight into place on disk, resumably.
 *
 * GramJS-free: the caller injects `fetchChunk`, which sends one upload.getFile
 * (src/telegram/files/downloadInvoker.ts builds one over several media connections and follows
 * FILE_MIGRATE_X).
 * Telegram's rules for upload.getFile (core.telegram.org/api/files, "Downloading files"):
 * offset and limit divisible by 4 KiB, 1 MiB divisible by limit, and one request must not
 * cross a 1 MiB boundary. Chunks of exactly 1 MiB at offsets that are multiples of 1 MiB
 * satisfy all three with the fewest requests.
 *
 * Each chunk is written with a positioned write and flushed (datasync) before it is reported
 * through `onChunkCompleted`, so a persisted list never claims bytes the disk may not hold.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { PartWindow } from './partWindow.js';
import { progressSteps } from './progressSteps.js';
import { abortable, runParts, systemClock, type TransferClock } from './runParts.js';
import { TransferFatalError } from './transferErrors.js';

export const DOWNLOAD_CHUNK_SIZE = 1024 * 1024;

export interface FetchChunkRequest {
  offset: number;
  limit: number;
  signal: AbortSignal;
}

/** Returns the chunk's bytes; shorter than `limit` only for the file's last chunk. */
export type FetchChunk = (request: FetchChunkRequest) => Promise<Uint8Array>;

export interface DownloadProgress {
  completedBytes: number;
  totalBytes: number;
}

export interface DownloadOptions {
  fetchChunk: FetchChunk;
  destPath: string;
  /** The file's size as Telegram reported it (document.size). */
  size: number;
  /** Resume: chunk indexes (offset / 1 MiB) already on disk from an earlier run. */
  completedChunks?: Iterable<number>;
  onChunkCompleted?(chunk: number): void | Promise<void>;
  /** Called at the start, whenever the whole percent moves, and at the end. */
  onProgress?(progress: DownloadProgress): void;
  /** Chunks in flight at once. Default 4. */
  windowSize?: number;
  maxAttempts?: number;
  baseBackoffMs?: number;
  signal?: AbortSignal;
  clock?: TransferClock;
}

export interface DownloadPlan {
  size: number;
  chunkSize: number;
  totalChunks: number;
}

export function planDownload(size: number, chunkSize = DOWNLOAD_CHUNK_SIZE): DownloadPlan {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new TransferFatalError(`Cannot download a file of ${size} bytes: the size must be a whole number.`);
  }
  if (chunkSize % 4096 !== 0 || DOWNLOAD_CHUNK_SIZE % chunkSize !== 0) {
    throw new TransferFatalError(`Chunk size ${chunkSize} breaks upload.getFile's rules (4 KiB multiple dividing 1 MiB).`);
  }
  return { size, chunkSize, totalChunks: Math.ceil(size / chunkSize) };
}

function chunkLength(plan: DownloadPlan, chunk: number): number {
  return Math.min(plan.chunkSize, plan.size - chunk * plan.chunkSize);
}

export async function downloadFile(options: DownloadOptions): Promise<void> {
  const clock = options.clock ?? systemClock;
  const what = `download to ${options.destPath}`;
  const plan = planDownload(options.size);
  // O_CREAT without O_TRUNC: a resumed download keeps the chunks already written.
  const file = await open(options.destPath, constants.O_RDWR | constants.O_CREAT, 0o600);
  try {
    const { size: onDisk } = await file.stat();
    if (onDisk !== plan.size) await file.truncate(plan.size);
    const window = new PartWindow({
      totalParts: plan.totalChunks,
      windowSize: Math.max(1, Math.min(options.windowSize ?? 4, plan.totalChunks)),
      confirmed: options.completedChunks,
      maxAttempts: options.maxAttempts,
      baseBackoffMs: options.baseBackoffMs,
    });
    let completedBytes = window.confirmedParts().reduce((sum, c) => sum + chunkLength(plan, c), 0);
    const progress = progressSteps(plan.size, options.onProgress && ((done) => options.onProgress!({ completedBytes: done, totalBytes: plan.size })));

    progress.update(completedBytes, true);
    await runParts({
      window,
      clock,
      what,
      signal: options.signal,
      runPart: async (chunk, signal) => {
        const offset = chunk * plan.chunkSize;
        const expected = chunkLength(plan, chunk);
        const bytes = await abortable(options.fetchChunk({ offset, limit: plan.chunkSize, signal }), signal, what);
        if (bytes.length !== expected) {
          // Telegram returns a full limit except at the end of the file; anything else is a
          // transient server hiccup or a wrong size from the caller, so retry (bounded).
          throw new Error(`chunk ${chunk} came back with ${bytes.length} bytes, expected ${expected}`);
        }
        let written = 0;
        while (written < bytes.length) {
          const { bytesWritten } = await file.write(bytes, written, bytes.length - written, offset + written);
          written += bytesWritten;
        }
        await file.datasync();
      },
      onConfirmed: async (chunk) => {
        await options.onChunkCompleted?.(chunk);
        completedBytes += chunkLength(plan, chunk);
        progress.update(completedBytes, window.isDone());
      },
    });
  } finally {
    await file.close();
  }
}
