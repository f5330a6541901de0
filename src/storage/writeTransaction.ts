import type { Database } from 'better-sqlite3';

/**
 * Runs `fn` in a BEGIN IMMEDIATE transaction and returns its result; rolls back if it throws.
 *
 * IMMEDIATE takes the write lock at BEGIN, where busy_timeout applies. A DEFERRED transaction that
 * reads first and writes later can instead fail with SQLITE_BUSY at its first write, with no
 * waiting, when another connection committed in between: exactly the error that must never reach
 * a caller under load.
 *
 * Never `await` inside `fn`: better-sqlite3 transactions are synchronous, so the transaction
 * would commit at the first `await` and the rest would run outside it (better-sqlite3 throws when
 * `fn` returns a promise). Do the I/O first, then write everything in one synchronous step.
 */
export function writeTransaction<T>(db: Database, fn: () => T): T {
  return db.transaction(fn).immediate();
}
