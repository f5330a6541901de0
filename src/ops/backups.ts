/**
 * Scheduled online backups: every backups.everyHours a consistent copy of the database is written
 * into backups.dir as courier-<UTC time>.db (storage/backup.ts: VACUUM INTO, checked with
 * integrity_check before it gets its name), the newest backups.keep are kept, and the time of the
 * last good one is stored in kv 'ops.lastBackupAt' (ms), which is also what makes the schedule
 * survive restarts: a backup is due when that time is older than the period, so a Courier that
 * restarts every few hours still makes one a day.
 *
 * `npm run backup` (backupCommands.ts) calls the same makeBackup from a second process while the
 * service runs: WAL lets its read transaction run beside the service's writes.
 *
 * Known cost: the scheduled backup runs on the service's own connection, and better-sqlite3 is
 * synchronous, so the event loop waits for the copy (about a second per 100 MB here; Courier's
 * database stays small, since handled inbox rows are pruned after three days). The log line says
 * how long it took; if that grows, run `npm run backup` from cron instead (backups.everyHours 0).
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { backupDatabase } from '../storage/backup.js';
import type { Database } from '../storage/index.js';
import { createKvRepository } from '../storage/kvRepository.js';

export const LAST_BACKUP_KEY = 'ops.lastBackupAt';
const BACKUP_NAME = /^courier-\d{8}T\d{6}(\d{3})?Z\.db$/;

/** "courier-20261129T195503123Z.db": sorts by time as text. */
export function backupFileName(atMs: number): string {
  return `courier-${new Date(atMs).toISOString().replace(/[-:.]/g, '')}.db`;
}

export function lastBackupAt(db: Database): number | null {
  const value = createKvRepository(db).get(LAST_BACKUP_KEY);
  const ms = value === undefined ? NaN : Number(value);
  return Number.isFinite(ms) ? ms : null;
}

/** Writes one checked backup, records its time, deletes the oldest beyond `keep`; returns its path. */
export function makeBackup(db: Database, dir: string, keep: number, nowMs: number): { file: string; deleted: string[] } {
  const file = join(dir, backupFileName(nowMs));
  backupDatabase(db, file);
  createKvRepository(db, () => nowMs).set(LAST_BACKUP_KEY, String(nowMs));
  const backups = readdirSync(dir).filter((name) => BACKUP_NAME.test(name)).sort();
  const deleted = backups.slice(0, Math.max(0, backups.length - keep)).map((name) => join(dir, name));
  for (const old of deleted) rmSync(old, { force: true });
  return { file, deleted };
}

export interface BackupSchedule {
  /** Why the last attempt failed, or null when it succeeded (or none was due yet). */
  lastFailure(): string | null;
  stop(): void;
}

export interface BackupScheduleOptions {
  db: Database;
  dir: string;
  keep: number;
  everyMs: number;
  now: () => number;
  /** How often the schedule looks whether a backup is due (default 5 minutes; the first look after 30 s). */
  checkEveryMs?: number;
  firstCheckMs?: number;
  onBackup(result: { file: string; deleted: string[]; seconds: number } | { error: string }): void;
}

/** Starts the schedule (nothing at all when everyMs is 0). Timers are unref'd: they never hold the process. */
export function startBackupSchedule(options: BackupScheduleOptions): BackupSchedule {
  let failure: string | null = null;
  if (options.everyMs <= 0) return { lastFailure: () => null, stop: () => undefined };
  const check = () => {
    const last = lastBackupAt(options.db);
    const now = options.now();
    if (last !== null && now - last < options.everyMs) return;
    try {
      const started = performance.now();
      const result = makeBackup(options.db, options.dir, options.keep, now);
      failure = null;
      options.onBackup({ ...result, seconds: (performance.now() - started) / 1000 });
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
      options.onBackup({ error: failure });
    }
  };
  const first = setTimeout(check, options.firstCheckMs ?? 30_000);
  const every = setInterval(check, options.checkEveryMs ?? 5 * 60_000);
  first.unref();
  every.unref();
  return {
    lastFailure: () => failure,
    stop: () => {
      clearTimeout(first);
      clearInterval(every);
    },
  };
}
