/**
 * Progress of one job's current stage, written by whichever thread does the work (a pool worker
 * through its own connection, or the main thread during Telegram transfers) and read by the
 * status-message updater. A single-row UPDATE in autocommit: short enough that busy_timeout
 * absorbs any contention (see test/unit/storage/concurrency.test.ts).
 */
import type { Database } from 'better-sqlite3';

export function recordJobProgress(db: Database, jobId: string, percent: number, now: number = Date.now()): void {
  const clamped = Math.max(0, Math.min(100, percent));
  db.prepare('UPDATE jobs SET percent = ?, progress_at = ? WHERE id = ?').run(clamped, now, jobId);
}

export function readJobProgress(db: Database, jobId: string): { percent: number; progressAt: number | null } | null {
  const row = db.prepare('SELECT percent, progress_at FROM jobs WHERE id = ?').get(jobId) as { percent: number; progress_at: number | null } | undefined;
  return row ? { percent: row.percent, progressAt: row.progress_at } : null;
}
