import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/storage/index.js';
import { markDone, storeUpdates } from '../../../src/storage/inboxRepository.js';
import {
  claimUpdateState,
  setAsideUpdateState,
  updateStatesSetAside,
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

  describe('one account on one server (claimUpdateState)', () => {
    const worldA = { accountId: '777', server: 'sandbox:111' };
    const worldB = { accountId: '777', server: 'sandbox:222' };
    const stateA: UpdateState = { pts: 900, qts: 3, date: 1_700_000_000, seq: 40, channels: { '1001': 7 } };

    it('a first start claims an empty database; the same owner gets its state back after a restart', () => {
      const db = openDatabase(file);
      expect(claimUpdateState(db, worldA, 1)).to.deep.equal({ state: null, setAside: null });
      saveUpdateState(db, stateA);
      db.close();
      const again = openDatabase(file);
      expect(claimUpdateState(again, worldA, 2)).to.deep.equal({ state: stateA, setAside: null });
      again.close();
    });

    it('another world with the same database starts fresh; the old state is kept aside with its owner, not deleted', () => {
      const db = openDatabase(file);
      claimUpdateState(db, worldA, 1);
      saveUpdateState(db, stateA);
      expect(claimUpdateState(db, worldB, 2)).to.deep.equal({ state: null, setAside: { owner: worldA, state: stateA } });
      expect(loadUpdateState(db)).to.equal(null);
      expect(updateStatesSetAside(db)).to.deep.equal([{ owner: worldA, state: stateA, reason: 'other owner', setAsideAt: 2 }]);
      // B's own state is stored from here on, and is B's at the next start.
      saveUpdateState(db, { ...stateA, pts: 5, channels: {} });
      expect(claimUpdateState(db, worldB, 3).state?.pts).to.equal(5);
      db.close();
    });

    it("the old world's inbox rows are kept apart: the new world's message with the same key is stored, and an old pending one is not handled", () => {
      const db = openDatabase(file);
      claimUpdateState(db, worldA, 1);
      const row = (key: string) => ({ updateKey: key, chatKey: 'user:5', kind: 'message', payload: {}, sentAt: 1, receivedAt: 1, recovered: false });
      storeUpdates(db, [row('msg:user:5:12'), row('msg:user:5:13')], stateA);
      markDone(db, 1);
      claimUpdateState(db, worldB, 2);
      expect(db.prepare("SELECT update_key, status FROM inbox ORDER BY id").all()).to.deep.equal([
        { update_key: 'aside:1:msg:user:5:12', status: 'done' },
        { update_key: 'aside:1:msg:user:5:13', status: 'skipped' },
      ]);
      expect(storeUpdates(db, [row('msg:user:5:12')], { ...stateA, pts: 3 }).inserted).to.equal(1);
      db.close();
    });

    it('another bot on the same server is another owner too', () => {
      const db = openDatabase(file);
      claimUpdateState(db, worldA, 1);
      saveUpdateState(db, stateA);
      expect(claimUpdateState(db, { ...worldA, accountId: '888' }, 2).state).to.equal(null);
      db.close();
    });

    it('a state stored before owners were recorded is adopted by the first claim', () => {
      const db = openDatabase(file);
      saveUpdateState(db, stateA);
      expect(claimUpdateState(db, worldA, 1)).to.deep.equal({ state: stateA, setAside: null });
      db.close();
    });

    it('setAsideUpdateState keeps an impossible state apart, and the next state starts afresh', () => {
      const db = openDatabase(file);
      claimUpdateState(db, worldA, 1);
      saveUpdateState(db, stateA);
      setAsideUpdateState(db, 'ahead of server', 9);
      expect(loadUpdateState(db)).to.equal(null);
      expect(updateStatesSetAside(db).map((r) => [r.reason, r.state.pts, r.owner?.server])).to.deep.equal([['ahead of server', 900, 'sandbox:111']]);
      db.close();
    });
  });
});
