import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DatabaseTooNewError,
  MIGRATIONS,
  MigrationError,
  openDatabase,
  runMigrations,
  schemaVersion,
  type Database,
  type Migration,
} from '../../../src/storage/index.js';

const tables = (db: Database) =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();

const v1: Migration = { version: 1, name: 'one', up: 'CREATE TABLE one (x INTEGER);' };
const v2: Migration = { version: 2, name: 'two', up: 'CREATE TABLE two (x INTEGER); INSERT INTO one VALUES (2);' };
const v3: Migration = { version: 3, name: 'three', up: 'CREATE TABLE three (x INTEGER); INSERT INTO no_such_table VALUES (1);' };

describe('migrations', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-migrate-'));
    file = join(dir, 'nested', 'courier.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('versions Courier’s own migrations 1, 2, 3... in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).to.deep.equal(MIGRATIONS.map((_, i) => i + 1));
  });

  it('gives a fresh database every migration, and records each version', () => {
    const db = openDatabase(file);
    expect(schemaVersion(db)).to.equal(MIGRATIONS.length);
    expect(tables(db)).to.include.members(['kv', 'schema_migrations']);
    const recorded = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(recorded).to.deep.equal(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    db.close();
  });

  it('applies nothing when the database is opened again', () => {
    openDatabase(file, { migrations: [v1, v2] }).close();
    const db = openDatabase(file, { migrations: [v1, v2] });
    expect(runMigrations(db, [v1, v2])).to.deep.equal([]);
    expect(db.prepare('SELECT x FROM one').pluck().all(), 'v2 ran exactly once').to.deep.equal([2]);
    db.close();
  });

  it('applies only the pending migrations to an older database', () => {
    openDatabase(file, { migrations: [v1] }).close();
    const db = openDatabase(file, { migrations: [v1] });
    expect(runMigrations(db, [v1, v2])).to.deep.equal([2]);
    expect(schemaVersion(db)).to.equal(2);
    db.close();
  });

  it('leaves the database at its previous version when a migration fails, even one after a good one', () => {
    openDatabase(file, { migrations: [v1] }).close();
    let caught: unknown;
    try {
      openDatabase(file, { migrations: [v1, v2, v3] });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(MigrationError);
    expect((caught as MigrationError).message).to.contain('003-three').and.contain('no such table').and.contain('still at schema version 1');
    const db = openDatabase(file, { migrations: [v1] });
    expect(schemaVersion(db)).to.equal(1);
    expect(tables(db), 'neither two nor three was created').to.deep.equal(['one', 'schema_migrations']);
    expect(db.prepare('SELECT COUNT(*) FROM one').pluck().get()).to.equal(0);
    db.close();
  });

  it('refuses a database written by a newer Courier, read-only too', () => {
    openDatabase(file, { migrations: [v1, v2] }).close();
    expect(() => openDatabase(file, { migrations: [v1] }))
      .to.throw(DatabaseTooNewError)
      .with.property('message')
      .that.contains('schema version 2')
      .and.contains('only knows versions up to 1');
    expect(() => openDatabase(file, { migrations: [v1], readonly: true })).to.throw(DatabaseTooNewError);
    const db = openDatabase(file, { migrations: [v1, v2] });
    expect(schemaVersion(db), 'refusing changed nothing').to.equal(2);
    db.close();
  });

  it('rejects a migration list with a gap', () => {
    expect(() => openDatabase(file, { migrations: [v1, v3] })).to.throw(/out of order/);
  });
});
