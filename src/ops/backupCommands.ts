/**
 * `npm run backup` and `npm run restore -- FILE`, run as their own processes.
 *
 * Backup works while the service runs: it opens its own connection (WAL: its read transaction
 * neither waits for nor blocks the service's writes) and writes a checked copy, as the schedule
 * does. Restore must not: replacing the file under a running service would leave it writing into
 * a deleted file (its open descriptor) and the restored data silently lost at the next start.
 *
 * How a running Courier is detected: by the session's process lock (telegram/session/processLock.ts),
 * the `<session>.lock` file holding the service's pid. Restore takes every lock in paths.sessions
 * itself (the configured session's, and any other, such as a sandbox session's) for the duration:
 * a live owner makes it refuse with ProcessLockedError, a stale lock is taken over, and a Courier
 * started during the restore finds the lock taken and refuses to start.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { restoreDatabase, checkIntegrity, BackupError } from '../storage/backup.js';
import { openDatabase } from '../storage/index.js';
import { acquireProcessLock, ProcessLockedError, type ProcessLock } from '../telegram/session/processLock.js';
import { sessionFilePath } from '../telegram/session/sessionFile.js';
import { makeBackup } from './backups.js';

export interface BackupSettings {
  paths: { sessions: string };
  telegram: { sessionName: string };
  database: { file: string; busyTimeoutMs: number };
  backups: { dir: string; keep: number };
}

/** Makes one backup now; returns its path. Throws BackupError (or a database error) on failure. */
export function backupNow(settings: BackupSettings, now: () => number = Date.now): string {
  if (!existsSync(settings.database.file)) throw new BackupError(`There is no database at ${settings.database.file} to back up (check paths.data / database.file).`);
  const db = openDatabase(settings.database.file, { busyTimeoutMs: settings.database.busyTimeoutMs });
  try {
    return makeBackup(db, settings.backups.dir, settings.backups.keep, now()).file;
  } finally {
    db.close();
  }
}

/**
 * Restores `file` over the database, after checking it, keeping the current database aside.
 * Refuses (ProcessLockedError) while a Courier process holds a session lock in paths.sessions.
 */
export function restoreBackup(settings: BackupSettings, file: string, now: () => number = Date.now): { keptAside: string | null } {
  const verdict = checkIntegrity(file);
  if (verdict !== 'ok') throw new BackupError(`${file} is not a sound backup (integrity_check: ${verdict}); nothing was changed.`);
  const locks: ProcessLock[] = [];
  try {
    const configured = `${sessionFilePath(settings.paths.sessions, settings.telegram.sessionName)}.lock`;
    const others = existsSync(settings.paths.sessions) ? readdirSync(settings.paths.sessions).filter((n) => n.endsWith('.lock')).map((n) => join(settings.paths.sessions, n)) : [];
    for (const lockFile of new Set([configured, ...others])) {
      try {
        locks.push(acquireProcessLock(lockFile));
      } catch (error) {
        if (!(error instanceof ProcessLockedError)) throw error;
        throw new BackupError(`Courier is running (pid ${error.pid}, lock file ${error.file}): stop it first, then restore. Nothing was changed.`, { cause: error });
      }
    }
    const stamp = new Date(now()).toISOString().replace(/[-:.]/g, '');
    return restoreDatabase(file, settings.database.file, stamp);
  } finally {
    for (const lock of locks) lock.release();
  }
}
