/**
 * Storage: SQLite through better-sqlite3, one connection per thread.
 *
 * Invariant: a connection never leaves the thread that opened it. better-sqlite3 connections are
 * not thread-safe and cannot be transferred, and sharing one (Python's check_same_thread=False)
 * is how the bot Courier replaces corrupted its data under load. The main thread opens its own
 * connection; each worker thread calls openDatabase() itself on the same file. Threads hand each
 * other ids and paths, never a Database. WAL plus busy_timeout plus IMMEDIATE write transactions
 * (writeTransaction) let those connections write concurrently without SQLITE_BUSY.
 *
 * SQL lives only in this folder: one repository per table group, built on a Database.
 */
export { openDatabase, checkpointIfLarge, type Database, type OpenDatabaseOptions } from './openDatabase.js';
export { writeTransaction } from './writeTransaction.js';
export { runMigrations, schemaVersion, MigrationError, DatabaseTooNewError, type Migration } from './migrate.js';
export { MIGRATIONS } from './migrations/index.js';
export { createKvRepository, type KvRepository } from './kvRepository.js';
export { backupDatabase, checkIntegrity, restoreDatabase, BackupError } from './backup.js';
