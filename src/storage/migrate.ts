/**
 * Numbered migrations, applied once each. All pending migrations run in ONE immediate
 * transaction with their schema_migrations rows, so a failure anywhere leaves the database exactly
 * at its previous version, and two threads opening the same new database cannot both migrate it
 * (the second waits for the write lock, then finds nothing left to do).
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  /** SQL; may hold several statements; no transaction control. */
  up: string;
}

export class MigrationError extends Error {
  constructor(
    readonly migration: Migration,
    readonly fromVersion: number,
    options: { cause: unknown },
  ) {
    super(
      `Database migration ${label(migration)} failed: ${(options.cause as Error)?.message ?? String(options.cause)}. ` +
        `Nothing was changed: the database is still at schema version ${fromVersion}. ` +
        'Restore the previous Courier version, or report this with the log.',
      options,
    );
    this.name = 'MigrationError';
  }
}

export class DatabaseTooNewError extends Error {
  constructor(
    readonly file: string,
    readonly databaseVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      `The database ${file} is at schema version ${databaseVersion}, but this Courier only knows versions up to ${codeVersion}: ` +
        'it was last used by a newer Courier. Run that newer version, or restore a backup taken before the upgrade.',
    );
    this.name = 'DatabaseTooNewError';
  }
}

function label(m: Migration): string {
  return `${String(m.version).padStart(3, '0')}-${m.name}`;
}

/** The highest applied version, 0 for a fresh database. */
export function schemaVersion(db: Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!table) return 0;
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null };
  return row.version ?? 0;
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration list out of order: entry ${i} is ${label(m)}, expected version ${i + 1}.`);
  });
}

/** Refuses a database newer than `migrations` (for read-only connections, which never migrate). */
export function assertNotNewer(db: Database, migrations: readonly Migration[]): void {
  const current = schemaVersion(db);
  const latest = migrations.length;
  if (current > latest) throw new DatabaseTooNewError(db.name, current, latest);
}

/** Applies the pending migrations; returns the versions applied (empty when up to date). */
export function runMigrations(db: Database, migrations: readonly Migration[], now: () => number = Date.now): number[] {
  checkOrder(migrations);
  const migrate = db.transaction((): number[] => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    ) STRICT`);
    const current = schemaVersion(db);
    const latest = migrations.length;
    if (current > latest) throw new DatabaseTooNewError(db.name, current, latest);
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    const applied: number[] = [];
    for (const migration of migrations.slice(current)) {
      try {
        db.exec(migration.up);
      } catch (cause) {
        throw new MigrationError(migration, current, { cause });
      }
      record.run(migration.version, migration.name, now());
      applied.push(migration.version);
    }
    return applied;
  });
  return migrate.immediate();
}
