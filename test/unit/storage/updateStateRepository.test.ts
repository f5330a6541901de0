import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/storage/index.js';
import {
  InvalidUpdateStateError,
  loadUpdateState,
  saveUpdateState,
  updateStateRepository,
  type UpdateState,
} from '../../../src/storage/updateStateRepository.js';

describe('updateStateRepository', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-state-'));
    file = join(dir, 'courier.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has no state on a fresh database', () => {
    const db = openDatabase(file);
    expect(loadUpdateState(db)).to.equal(null);
    db.close();
  });

  it('saves the account sequence and every channel’s pts, and loads them back after reopening', () => {
    const state: UpdateState = { pts: 120, qts: 4, date: 1_700_000_000, seq: 33, channels: { '1001': 7, '1002': 90 } };
    const first = openDatabase(file);
    saveUpdateState(first, state, 5000);
    expect(first.prepare('SELECT updated_at FROM update_state').pluck().get()).to.equal(5000);
    first.close();

    const second = openDatabase(file);
    expect(updateStateRepository.load(second)).to.deep.equal(state);
    second.close();
  });

  it('replaces the state on every save, dropping channels the engine no longer tracks', () => {
    const db = openDatabase(file);
    updateStateRepository.save(db, { pts: 1, qts: 0, date: 10, seq: 1, channels: { '1001': 7, '1002': 90 } });
    saveUpdateState(db, { pts: 2, qts: 1, date: 20, seq: 2, channels: { '1002': 91, '1003': 1 } });
    expect(loadUpdateState(db)).to.deep.equal({ pts: 2, qts: 1, date: 20, seq: 2, channels: { '1002': 91, '1003': 1 } });
    expect(db.prepare('SELECT COUNT(*) FROM update_state').pluck().get(), 'still one row').to.equal(1);
    saveUpdateState(db, { pts: 3, qts: 1, date: 30, seq: 3, channels: {} });
    expect(loadUpdateState(db)?.channels).to.deep.equal({});
    db.close();
  });

  it('refuses a state that is not whole numbers, leaving the stored one unchanged', () => {
    const db = openDatabase(file);
    const good: UpdateState = { pts: 5, qts: 0, date: 10, seq: 1, channels: { '1001': 3 } };
    saveUpdateState(db, good);
    expect(() => saveUpdateState(db, { ...good, pts: 6, channels: { '1001': Number.NaN } }))
      .to.throw(InvalidUpdateStateError)
      .with.property('message')
      .that.contains('channels[1001]');
    expect(() => saveUpdateState(db, { ...good, seq: -1 })).to.throw(InvalidUpdateStateError, /seq is -1/);
    expect(loadUpdateState(db)).to.deep.equal(good);
    db.close();
  });
});
