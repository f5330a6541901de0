/**
 * Online backups of the database, and their check and restore.
 *
 * VACUUM INTO, not better-sqlite3's backup() (the SQLite online-backup API): the backup API copies
 * pages in steps and starts over whenever another connection writes to the source between steps,
 * and Courier's media workers write job progress on their own connections every half second, so
 * under load a step-wise backup might never finish. VACUUM INTO runs as one read transaction: it
 * sees one consistent snapshot (WAL readers never block writers, nor writers them) and writes a
 * compact copy that needs no -wal file beside it.
 *
 * The copy is written to a temporary name and renamed when complete, so a crash never leaves a
 * half-written file under a backup's name.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';

export class BackupError extends Error {
  override readonly name = 'BackupError';
}

/** integrity_check's verdict on a database file: 'ok', or what SQLite found wrong. */
export function checkIntegrity(file: string): string {
  if (!existsSync(file)) return `${file} does not exist`;
  let db: Database | null = null;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('; ');
  } catch (error) {
    return `${file} could not be read as a SQLite database (${(error as Error).message})`;
  } finally {
    db?.close();
  }
}

/** Writes a consistent copy of `db` to `destination` (replacing none: it must not exist) and checks it. */
export function backupDatabase(db: Database, destination: string): void {
  if (existsSync(destination)) throw new BackupError(`Backup target ${destination} already exists; choose another name.`);
  mkdirSync(dirname(destination), { recursive: true });
  const partial = `${destination}.partial`;
  rmSync(partial, { force: true });
  try {
    db.prepare('VACUUM INTO ?').run(partial);
    const verdict = checkIntegrity(partial);
    if (verdict !== 'ok') throw new BackupError(`The backup written to ${partial} failed integrity_check: ${verdict}`);
    renameSync(partial, destination);
  } catch (error) {
    rmSync(partial, { force: true });
    if (error instanceof BackupError) throw error;
    throw new BackupError(`Backing up the database to ${destination} failed: ${(error as Error).message}. Check free disk and permissions of ${dirname(destination)}.`, { cause: error });
  }
}

/**
 * Replaces the database at `target` with the backup `source`, after checking the backup. The
 * current database (with its -wal and -shm) is kept aside as `<target>.before-restore-<stamp>`, so
 * a restore can itself be undone. The caller makes sure no process has the database open.
 */
export function restoreDatabase(source: string, target: string, stamp: string): { keptAside: string | null } {
  const verdict = checkIntegrity(source);
  if (verdict !== 'ok') throw new BackupError(`${source} is not a sound backup (integrity_check: ${verdict}); nothing was changed.`);
  mkdirSync(dirname(target), { recursive: true });
  let keptAside: string | null = null;
  if (existsSync(target)) {
    keptAside = `${target}.before-restore-${stamp}`;
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(target + suffix)) renameSync(target + suffix, keptAside + suffix);
  }
  const partial = join(dirname(target), `.restore-${stamp}.partial`);
  copyFileSync(source, partial);
  renameSync(partial, target);
  return { keptAside };
}
