/**
 * The emulator's own SQLite file (DATA_DIR/world.sqlite). The only place the world opens a
 * database; every world module brings its tables through an `initXxxSchema(db)` function,
 * all of them idempotent (CREATE ... IF NOT EXISTS) so reopening a data dir keeps its state.
 *
 * better-sqlite3 is synchronous: a world operation (send a message, advance pts, log the update)
 * runs inside one `db.transaction`, never across an `await`.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BinaryReader } from 'telegram/extensions/index.js';
import { returnBigInt } from 'telegram/Helpers.js';
import type { Api } from 'telegram';

export type Db = Database.Database;

export const WORLD_DB_FILE = 'world.sqlite';

/** Opens (creating if needed) DATA_DIR/world.sqlite with WAL and foreign keys on. */
export function openWorldDb(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, WORLD_DB_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Reads back one TL object stored with `.getBytes()`. */
export function readTl<T>(bytes: Buffer): T {
  return new BinaryReader(bytes).tgReadObject() as T;
}

/** A TL `long` (GramJS big-integer) from a JS number or bigint. */
export function long(n: number | bigint): Api.long {
  return returnBigInt(n.toString());
}

/** A TL `long` back to a JS number (ids in the emulator stay below 2^53). */
export function num(n: Api.long | number | bigint): number {
  return typeof n === 'number' ? n : Number(n.toString());
}
