import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointIfLarge, openDatabase, writeTransaction, type Database } from '../../../src/storage/index.js';

describe('openDatabase', () => {
  let dir: string;
  let file: string;
  const open: Database[] = [];
  const track = (db: Database) => (open.push(db), db);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-open-'));
    file = join(dir, 'courier.db');
  });
  afterEach(() => {
    for (const db of open.splice(0)) if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets WAL, foreign keys, synchronous=NORMAL, the busy timeout and the autocheckpoint', () => {
    const db = track(openDatabase(file, { busyTimeoutMs: 1234, walAutoCheckpointPages: 77 }));
    expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
    expect(db.pragma('foreign_keys', { simple: true })).to.equal(1);
    expect(db.pragma('synchronous', { simple: true })).to.equal(1); // NORMAL
    expect(db.pragma('busy_timeout', { simple: true })).to.equal(1234);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).to.equal(77);
  });

  it('opens read-only without writing', () => {
    track(openDatabase(file)).close();
    const db = track(openDatabase(file, { readonly: true }));
    expect(db.readonly).to.equal(true);
    expect(() => db.exec("INSERT INTO kv (key, value) VALUES ('a', 'b')")).to.throw(/readonly/);
  });

  it('writeTransaction commits what fn wrote and returns its result, or rolls back when fn throws', () => {
    const db = track(openDatabase(file));
    const put = db.prepare("INSERT INTO kv (key, value) VALUES (?, 'v')");
    expect(writeTransaction(db, () => (put.run('kept'), 42))).to.equal(42);
    expect(() =>
      writeTransaction(db, () => {
        put.run('lost');
        throw new Error('halfway');
      }),
    ).to.throw('halfway');
    expect(db.prepare('SELECT key FROM kv').pluck().all()).to.deep.equal(['kept']);
  });

  it('writeTransaction refuses an async function, whose awaits would escape the transaction', () => {
    const db = track(openDatabase(file));
    expect(() => writeTransaction(db, async () => 1)).to.throw(TypeError);
  });

  it('writeTransaction takes the write lock at BEGIN', () => {
    const db = track(openDatabase(file));
    const other = track(openDatabase(file, { busyTimeoutMs: 0 }));
    writeTransaction(db, () => {
      // Nothing written yet, but another connection already cannot begin writing.
      expect(() => other.exec('BEGIN IMMEDIATE')).to.throw(/locked|busy/i);
    });
  });

  it('checkpointIfLarge truncates the WAL only once it passes walMaxBytes', () => {
    const db = track(openDatabase(file, { walMaxBytes: 64 * 1024, walAutoCheckpointPages: 0 }));
    // Start from an empty WAL: the migrations alone may have written more than 64 KiB.
    db.pragma('wal_checkpoint(TRUNCATE)');
    const put = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?)');
    put.run('small', 'x');
    expect(checkpointIfLarge(db)).to.equal(false);
    writeTransaction(db, () => {
      for (let i = 0; i < 200; i++) put.run(`k${i}`, 'y'.repeat(1000));
    });
    expect(statSync(`${file}-wal`).size).to.be.greaterThan(64 * 1024);
    expect(checkpointIfLarge(db)).to.equal(true);
    expect(statSync(`${file}-wal`).size).to.equal(0);
    expect(db.prepare('SELECT COUNT(*) FROM kv').pluck().get()).to.equal(201);
  });
});
