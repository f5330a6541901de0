/**
 * The one file that opens SQLite connections. Every thread that needs the database calls
 * openDatabase() itself and keeps the connection to itself (see index.ts).
 */
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations/index.js';
import { assertNotNewer, runMigrations, type Migration } from './migrate.js';

export type { Database };

export interface OpenDatabaseOptions {
  /** Open without writing: no migrations, no journal-mode change. */
  readonly?: boolean;
  /** How long to wait for another connection's write lock before SQLITE_BUSY; default 5000. */
  busyTimeoutMs?: number;
  /** checkpointIfLarge() truncates the WAL beyond this size; default 64 MiB. */
  walMaxBytes?: number;
  /** SQLite wal_autocheckpoint, in pages; default 1000 (SQLite's own). */
  walAutoCheckpointPages?: number;
  /** The schema history; tests pass their own. Default: migrations/index.ts. */
  migrations?: readonly Migration[];
}

const DEFAULT_WAL_MAX_BYTES = 64 * 1024 * 1024;
const walLimits = new WeakMap<Database, number>();

/** Opens a connection for the calling thread, configured and migrated. */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database {
  const readonly = options.readonly ?? false;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!readonly && file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new BetterSqlite3(file, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs });
  try {
    db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    db.pragma('foreign_keys = ON');
    if (!readonly) {
      // WAL: readers never block the writer and the writer never blocks readers, which is what
      // lets worker threads report progress while the main thread writes updates. The mode is
      // stored in the file, so only the first connection ever really switches it.
      db.pragma('journal_mode = WAL');
      db.pragma(`wal_autocheckpoint = ${Math.trunc(options.walAutoCheckpointPages ?? 1000)}`);
    }
    // synchronous=NORMAL with WAL: a commit is not fsynced, only each checkpoint is. A power loss
    // (not a process crash: the OS still has the data then) can undo the last few committed
    // transactions, but never corrupts the database. In Courier that loses no user's work: the
    // update state (pts/qts/seq) is advanced in the same transaction as the inbox rows it covers,
    // so an undone commit also undoes the state, and Telegram's getDifference delivers those
    // updates again; replies carry deterministic random_ids, so a reply sent again after that is
    // deduplicated by Telegram. FULL would fsync on every commit for nothing.
    db.pragma('synchronous = NORMAL');
    const migrations = options.migrations ?? MIGRATIONS;
    if (readonly) assertNotNewer(db, migrations);
    else runMigrations(db, migrations);
  } catch (err) {
    db.close();
    throw err;
  }
  walLimits.set(db, options.walMaxBytes ?? DEFAULT_WAL_MAX_BYTES);
  return db;
}

/**
 * Keeps the WAL bounded. wal_autocheckpoint copies pages back into the database but never shrinks
 * the -wal file, and a checkpoint cannot finish while a long read is open, so under steady load
 * the file can grow without limit. When it is larger than walMaxBytes this runs
 * wal_checkpoint(TRUNCATE), which (once no reader holds old pages) resets it to zero bytes.
 * Call it from a timer owned by the thread that owns the connection. Returns true when it ran.
 */
export function checkpointIfLarge(db: Database, walMaxBytes: number = walLimits.get(db) ?? DEFAULT_WAL_MAX_BYTES): boolean {
  if (db.memory || db.readonly) return false;
  let size: number;
  try {
    size = statSync(`${db.name}-wal`).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (size <= walMaxBytes) return false;
  db.pragma('wal_checkpoint(TRUNCATE)');
  return true;
}
