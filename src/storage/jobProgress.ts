/**
 * Progress of one job's current stage, written by whichever thread does the work (a pool worker
 * through its own connection, or the main thread during Telegram transfers) and read by the
 * status-message updater. A single-row UPDATE in autocommit: short enough that busy_timeout
 * absorbs any contention (see test/unit/storage/concurrency.test.ts).
 */
import type { Database, Statement } from 'better-sqlite3';

interface ProgressStatements {
  write: Statement<[number, number, string]>;
  expected: Statement<[number, string]>;
  read: Statement<[string], { percent: number; progress_at: number | null }>;
}

// Prepared once per connection: progress is written often (every percent, from every thread).
const cache = new WeakMap<Database, ProgressStatements>();

function statements(db: Database): ProgressStatements {
  let s = cache.get(db);
  if (!s) {
    s = {
      write: db.prepare('UPDATE jobs SET percent = ?, progress_at = ? WHERE id = ?'),
      expected: db.prepare('UPDATE jobs SET expected_bytes = ? WHERE id = ?'),
      read: db.prepare('SELECT percent, progress_at FROM jobs WHERE id = ?'),
    };
    cache.set(db, s);
  }
  return s;
}

export function recordJobProgress(db: Database, jobId: string, percent: number, now: number = Date.now()): void {
  const clamped = Math.max(0, Math.min(100, percent));
  statements(db).write.run(clamped, now, jobId);
}

export function readJobProgress(db: Database, jobId: string): { percent: number; progressAt: number | null } | null {
  const row = statements(db).read.get(jobId);
  return row ? { percent: row.percent, progressAt: row.progress_at } : null;
}

/** The size a link's server announced (Content-Length), written by the worker downloading it. */
export function recordExpectedBytes(db: Database, jobId: string, bytes: number): void {
  statements(db).expected.run(bytes, jobId);
}
