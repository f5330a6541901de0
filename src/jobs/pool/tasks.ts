/**
 * The tasks a media worker thread runs: link downloads, ffprobe/ffmpeg processing and hashing.
 * The work itself is src/transfer/safeFetch.ts and src/media/process.ts; workers/media.ts is the
 * thin Piscina entry that exports these.
 *
 * Every task arrives as plain data (a `WorkerCall`) and answers with a `WorkerReply` envelope:
 * errors are returned as {reason, message, retryable} rather than thrown, because a thrown
 * JobError loses its class and fields crossing the thread boundary; pool.ts turns them back
 * into JobErrors (protocol.ts).
 *
 * Cancelling: Piscina's own abort terminates the whole thread, which would leave a running
 * ffmpeg behind (child processes belong to the process, not the thread). So each task also
 * carries a MessagePort; a "cancel" message on it aborts the task's own AbortController, which
 * kills ffmpeg / stops the download and removes partial files, and the task returns CANCELLED.
 *
 * Progress: each thread opens its own SQLite connection (once, cached per file) and writes its
 * job's percent itself, throttled; without a database file (a queue worker's pool) the same
 * throttled percent is posted on the control port instead.
 */

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { FetchLinkResult, FetchLinkTask, ProcessOutcome, ProcessTask } from '../../domain/mediaPorts.js';
import { JobError } from '../../domain/jobError.js';
import { resolveInJobDir, safeJobFileName } from '../../media/playlistSniff.js';
import { processMedia } from '../../media/process.js';
import { openDatabase, type Database } from '../../storage/index.js';
import { recordExpectedBytes, recordJobProgress } from '../../storage/jobProgress.js';
import { safeFetch } from '../../transfer/safeFetch.js';
import { toWire, type ControlMessage, type ProgressThrottle, type WorkerCall, type WorkerReply } from './protocol.js';

export function fetchLink(call: WorkerCall<FetchLinkTask>): Promise<WorkerReply<FetchLinkResult>> {
  return runTask(call, call.task.jobId, async (signal, progress) => {
    const { task } = call;
    const urlName = safeUrlName(task.url);
    let path = resolveInJobDir(task.jobDir, safeJobFileName(urlName));
    // The announced size goes to the jobs table once, so the status can tell a result over
    // Telegram's per-file limit will come in parts (src/jobs/runner/resultUpload.ts). A queue
    // worker's pool has no database here and leaves it out.
    const { databaseFile } = call.settings;
    let announced = false;
    const fetched = await safeFetch({
      url: task.url,
      destination: path,
      maxBytes: task.maxBytes,
      maxRedirects: task.maxRedirects,
      connectTimeoutMs: task.timeoutMs,
      idleTimeoutMs: task.timeoutMs,
      lookupTimeoutMs: task.timeoutMs,
      deadlineMs: task.deadlineSeconds * 1000,
      minBytesPerSecond: task.minBytesPerSecond,
      allowLoopback: task.allowLoopback,
      allowedPorts: task.allowedPorts,
      denyCidrs: task.denyCidrs,
      signal,
      onProgress: (received, total) => {
        if (total !== null && !announced && databaseFile !== null) {
          announced = true;
          recordExpectedBytes(database(databaseFile), task.jobId, total);
        }
        if (total !== null && total > 0) progress((received / total) * 100);
      },
    });
    // The URL may not have told the extension; the server's suggested name may. Only the
    // extension is used, through safeJobFileName, so the name still cannot escape jobDir.
    const named = safeJobFileName(fetched.suggestedName);
    if (!/\.[a-z0-9]+$/.test(path) && /\.[a-z0-9]+$/.test(named)) {
      const better = resolveInJobDir(task.jobDir, named);
      await rename(path, better);
      path = better;
    }
    progress(100);
    return { path, bytes: fetched.bytes, contentType: fetched.contentType, suggestedName: fetched.suggestedName };
  });
}

// Exported as `process` (the task name the pool uses) without shadowing the global `process` here.
export { processTask as process };

function processTask(call: WorkerCall<ProcessTask>): Promise<WorkerReply<ProcessOutcome>> {
  return runTask(call, call.task.jobId, (signal, progress) =>
    processMedia(call.task, { ffmpegPath: call.settings.ffmpegPath, ffprobePath: call.settings.ffprobePath, signal, onPercent: progress }),
  );
}

export function hashFile(call: WorkerCall<{ path: string }>): Promise<WorkerReply<string>> {
  return runTask(call, null, async (signal) => {
    const hash = createHash('sha256');
    try {
      await pipeline(createReadStream(call.task.path), hash, { signal });
    } catch (error) {
      if (signal.aborted) throw new JobError('CANCELLED', 'Hashing was cancelled.');
      throw new JobError('INTERNAL', `Could not read ${call.task.path} to hash it (${(error as Error).message}).`, { cause: error });
    }
    return hash.digest('hex');
  });
}

type Work<T> = (signal: AbortSignal, progress: (percent: number) => void) => Promise<T>;

async function runTask<T>(call: WorkerCall<unknown>, jobId: string | null, work: Work<T>): Promise<WorkerReply<T>> {
  const controller = new AbortController();
  const { control } = call;
  control.on('message', (message: ControlMessage) => {
    if (message.type === 'cancel') controller.abort();
  });
  control.postMessage({ type: 'started' } satisfies ControlMessage);
  const { databaseFile } = call.settings;
  const toPort: ProgressWrite = (id, percent) => control.postMessage({ type: 'progress', jobId: id, percent } satisfies ControlMessage);
  const recorder = jobId === null ? null : new ProgressRecorder(databaseFile === null ? toPort : database(databaseFile), jobId, call.throttle, () => controller.abort());
  try {
    const value = await work(controller.signal, (percent) => recorder?.record(percent));
    if (recorder?.failure) throw recorder.failure;
    return { ok: true, value };
  } catch (error) {
    // A failed progress write aborts the work; report that cause, not the resulting CANCELLED.
    return { ok: false, error: toWire(recorder?.failure ?? error) };
  } finally {
    control.close();
  }
}

/** One connection per thread and file: opened on first use, kept for the thread's life. */
const connections = new Map<string, Database>();

function database(file: string): Database {
  let db = connections.get(file);
  if (!db) {
    db = openDatabase(file);
    connections.set(file, db);
  }
  return db;
}

/** Where a percent goes: the jobs table, or the control port. */
type ProgressWrite = (jobId: string, percent: number, at: number) => void;

/**
 * Writes a job's percent, throttled. A write that fails (it should not: WAL + busy_timeout)
 * stops the job rather than being swallowed, so contention problems are seen, not hidden.
 */
export class ProgressRecorder {
  private last = -1;
  private lastAt = 0;
  failure: JobError | null = null;
  private readonly write: ProgressWrite;

  constructor(
    target: Database | ProgressWrite,
    private readonly jobId: string,
    private readonly throttle: ProgressThrottle,
    private readonly onFailure: () => void,
    private readonly now: () => number = Date.now,
  ) {
    this.write = typeof target === 'function' ? target : (id, percent, at) => recordJobProgress(target, id, percent, at);
  }

  record(percent: number): void {
    if (this.failure || percent === this.last) return;
    const at = this.now();
    const due = percent >= 100 || Math.abs(percent - this.last) >= this.throttle.minStep || at - this.lastAt >= this.throttle.intervalMs;
    if (!due) return;
    try {
      this.write(this.jobId, percent, at);
      this.last = percent;
      this.lastAt = at;
    } catch (error) {
      this.failure = new JobError('INTERNAL', `Recording progress of job ${this.jobId} failed (${(error as Error).message}).`, { cause: error });
      this.onFailure();
    }
  }
}

function safeUrlName(url: string): string | null {
  try {
    return new URL(url).pathname.split('/').pop() ?? null;
  } catch {
    return null;
  }
}
