/**
 * Remembers which 1 MiB chunks of a download are safely on disk, so a download interrupted by a
 * crash continues where it stopped (TelegramFiles.download's resume contract).
 *
 * Why a side file: src/transfer/download.ts writes chunks in parallel at their final offsets into
 * a file it first extends to the full size, so the destination's size says nothing about which
 * chunks arrived. Each completed chunk (already flushed with datasync by the transfer) is appended
 * to DEST.chunks as one decimal line; a torn last line after a crash is ignored, which only costs
 * that chunk again. The journal is created before the first chunk is written and removed when the
 * download completes. A destination with no journal is a partial file written front to back (by
 * an older Courier or a copy): its whole chunks are kept and the download continues from the
 * last whole chunk.
 */
import { appendFile, readFile, rm, stat, writeFile } from 'node:fs/promises';

export interface ChunkJournal {
  /** Chunks to skip: already on disk. */
  readonly completed: readonly number[];
  record(chunk: number): Promise<void>;
  /** The download is complete: forget the journal. */
  finish(): Promise<void>;
}

export const journalPathOf = (destination: string): string => `${destination}.chunks`;

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function openChunkJournal(destination: string, fileSize: number, chunkSize: number): Promise<ChunkJournal> {
  const path = journalPathOf(destination);
  const totalChunks = Math.ceil(fileSize / chunkSize);
  const valid = (n: number) => Number.isInteger(n) && n >= 0 && n < totalChunks;
  let completed: number[] = [];
  const journal = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (journal !== null) {
    // Only lines ended by "\n" were fully written.
    const lines = journal.split('\n').slice(0, -1);
    completed = [...new Set(lines.filter((l) => /^\d+$/.test(l)).map(Number).filter(valid))];
  } else {
    const onDisk = await sizeOf(destination);
    if (onDisk !== null && onDisk <= fileSize) {
      const whole = onDisk === fileSize ? totalChunks : Math.floor(onDisk / chunkSize);
      completed = Array.from({ length: whole }, (_, i) => i);
    }
    // Written now, before the transfer extends the file, so a crash from here on leaves a journal.
    await writeFile(path, completed.map((c) => `${c}\n`).join(''), { mode: 0o600 });
  }
  return {
    completed,
    record: (chunk) => appendFile(path, `${chunk}\n`),
    finish: () => rm(path, { force: true }),
  };
}
