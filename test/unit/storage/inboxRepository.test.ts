import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDatabase, type Database } from '../../../src/storage/index.js';
import {
  countPending,
  deleteHandledBefore,
  inboxRow,
  markDone,
  nextPending,
  pendingChats,
  recordAttempt,
  storeUpdates,
  type InboxEvent,
} from '../../../src/storage/inboxRepository.js';
import { loadUpdateState, saveUpdateState, type UpdateState } from '../../../src/storage/updateStateRepository.js';

function message(chatKey: string, messageId: number, text: string, recovered = false): InboxEvent {
  return {
    updateKey: `msg:${chatKey}:${messageId}`,
    chatKey,
    kind: 'message',
    payload: { messageId, text },
    sentAt: 1_700_000_000 + messageId,
    receivedAt: 1_700_000_000_000 + messageId * 1000,
    recovered,
  };
}

const state = (pts: number, channels: Record<string, number> = {}): UpdateState => ({ pts, qts: 0, date: 1_700_000_000 + pts, seq: pts, channels });

describe('inboxRepository', () => {
  let dir: string;
  let file: string;
  let db: Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-inbox-'));
    file = join(dir, 'courier.db');
    db = openDatabase(file);
  });
  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores events with their plain-data payload and the state after them', () => {
    const result = storeUpdates(db, [message('u1', 1, 'سلام'), message('u2', 5, 'привет')], state(2, { '1001': 8 }));
    expect(result).to.deep.equal({ inserted: 2, duplicates: 0 });
    expect(loadUpdateState(db)).to.deep.equal(state(2, { '1001': 8 }));
    const row = nextPending(db, 'u1');
    expect(row).to.deep.include({
      updateKey: 'msg:u1:1',
      chatKey: 'u1',
      kind: 'message',
      payload: { messageId: 1, text: 'سلام' },
      sentAt: 1_700_000_001,
      receivedAt: 1_700_000_001_000,
      recovered: false,
      status: 'pending',
      attempts: 0,
      handledAt: null,
    });
    expect(countPending(db)).to.equal(2);
  });

  it('collapses a live and a recovered copy of one update into one row, the first one kept', () => {
    expect(storeUpdates(db, [message('u1', 1, 'hi')], state(1))).to.deep.equal({ inserted: 1, duplicates: 0 });
    // After a restart getDifference returns the same message, and a new one.
    const again = storeUpdates(db, [message('u1', 1, 'hi', true), message('u1', 2, 'still there?', true)], state(2));
    expect(again).to.deep.equal({ inserted: 1, duplicates: 1 });
    const rows = db.prepare('SELECT update_key, recovered FROM inbox ORDER BY id').all();
    expect(rows).to.deep.equal([
      { update_key: 'msg:u1:1', recovered: 0 },
      { update_key: 'msg:u1:2', recovered: 1 },
    ]);
    // A copy of an update that was already handled does not bring it back.
    markDone(db, nextPending(db, 'u1')!.id);
    expect(storeUpdates(db, [message('u1', 1, 'hi', true)], state(2)).duplicates).to.equal(1);
    expect(nextPending(db, 'u1')?.updateKey).to.equal('msg:u1:2');
    // Duplicates inside one batch collapse too.
    expect(storeUpdates(db, [message('u3', 1, 'x'), message('u3', 1, 'x', true)], state(3))).to.deep.equal({ inserted: 1, duplicates: 1 });
  });

  it('stores neither the rows nor the state when the transaction fails partway', () => {
    storeUpdates(db, [message('u1', 1, 'before')], state(1));
    // The second event cannot be serialised (bigint), after the first was already inserted.
    const broken: InboxEvent = { ...message('u1', 3, 'x'), payload: { id: 5n } };
    expect(() => storeUpdates(db, [message('u1', 2, 'lost?'), broken], state(3))).to.throw(TypeError);
    expect(countPending(db)).to.equal(1);
    expect(loadUpdateState(db)?.pts, 'the state did not run ahead of the rows').to.equal(1);

    // And a state that fails to save takes the rows with it.
    expect(() => storeUpdates(db, [message('u1', 2, 'lost?')], { ...state(2), qts: 1.5 })).to.throw(/qts is 1.5/);
    expect(countPending(db)).to.equal(1);
    expect(loadUpdateState(db)).to.deep.equal(state(1));
  });

  it('hands out one chat’s rows oldest first, interleaved arrivals included', () => {
    storeUpdates(db, [message('a', 10, 'a1'), message('b', 1, 'b1'), message('a', 4, 'a2')], state(3));
    storeUpdates(db, [message('b', 2, 'b2'), message('a', 11, 'a3')], state(5));
    const order: string[] = [];
    for (let row = nextPending(db, 'a'); row; row = nextPending(db, 'a')) {
      order.push((row.payload as { text: string }).text);
      expect(markDone(db, row.id)).to.equal(true);
    }
    // Arrival (id) order, not message id order: a recovered batch is stored in Telegram's order.
    expect(order).to.deep.equal(['a1', 'a2', 'a3']);
    expect(nextPending(db, 'b')?.payload).to.deep.equal({ messageId: 1, text: 'b1' });
  });

  it('lists pending chats oldest waiting first and walks a row through pending, attempts, done and skipped', () => {
    storeUpdates(db, [message('b', 1, 'b1'), message('a', 1, 'a1'), message('c', 1, 'c1')], state(3));
    expect(pendingChats(db)).to.deep.equal(['b', 'a', 'c']);

    const b1 = nextPending(db, 'b')!;
    expect(recordAttempt(db, b1.id)).to.equal(1);
    expect(recordAttempt(db, b1.id)).to.equal(2);
    expect(recordAttempt(db, 9999), 'no such row').to.equal(0);
    expect(markDone(db, b1.id, 'done', 42_000)).to.equal(true);
    expect(markDone(db, b1.id, 'skipped'), 'already handled').to.equal(false);
    expect(inboxRow(db, b1.id)).to.deep.include({ status: 'done', attempts: 2, handledAt: 42_000 });

    const c1 = nextPending(db, 'c')!;
    expect(markDone(db, c1.id, 'skipped', 43_000)).to.equal(true);
    expect(inboxRow(db, c1.id)).to.deep.include({ status: 'skipped', handledAt: 43_000 });

    expect(pendingChats(db)).to.deep.equal(['a']);
    expect(countPending(db)).to.equal(1);
    expect(nextPending(db, 'b')).to.equal(undefined);

    expect(deleteHandledBefore(db, 42_500), 'only b1 was handled before then').to.equal(1);
    expect(inboxRow(db, b1.id)).to.equal(undefined);
    expect(inboxRow(db, c1.id)?.status).to.equal('skipped');
    expect(countPending(db), 'pending rows are never pruned').to.equal(1);
  });

  it('keeps pending rows, attempts and the state across a close and reopen', () => {
    storeUpdates(db, [message('a', 1, 'a1'), message('a', 2, 'a2'), message('b', 1, 'b1')], state(3, { '1001': 2 }));
    const a1 = nextPending(db, 'a')!;
    markDone(db, a1.id);
    recordAttempt(db, nextPending(db, 'a')!.id); // the process died while handling a2
    db.close();

    db = openDatabase(file);
    expect(loadUpdateState(db)).to.deep.equal(state(3, { '1001': 2 }));
    expect(pendingChats(db)).to.deep.equal(['a', 'b']);
    expect(nextPending(db, 'a')).to.deep.include({ updateKey: 'msg:a:2', attempts: 1, status: 'pending' });
    expect(countPending(db)).to.equal(2);
    // A row stored after the reopen still comes after the older rows of its chat.
    storeUpdates(db, [message('a', 3, 'a3')], state(4, { '1001': 2 }));
    const a2 = nextPending(db, 'a')!;
    expect(a2.updateKey).to.equal('msg:a:2');
    markDone(db, a2.id);
    expect(nextPending(db, 'a')?.updateKey).to.equal('msg:a:3');
  });

  it('after a real kill -9, keeps what was committed and nothing of a transaction in flight', () => {
    db.close();
    const repo = pathToFileURL(join(process.cwd(), 'src/storage/inboxRepository.ts')).href;
    const open = pathToFileURL(join(process.cwd(), 'src/storage/openDatabase.ts')).href;
    // A child process commits one batch, then dies by SIGKILL inside the transaction of a second.
    const child = `
      const { storeUpdates } = await import(${JSON.stringify(repo)});
      const { openDatabase } = await import(${JSON.stringify(open)});
      const db = openDatabase(${JSON.stringify(file)});
      const ev = (id) => ({ updateKey: 'msg:a:' + id, chatKey: 'a', kind: 'message', payload: { id }, sentAt: id, receivedAt: id, recovered: false });
      const st = (pts) => ({ pts, qts: 0, date: pts, seq: pts, channels: { '1001': pts } });
      storeUpdates(db, [ev(1), ev(2)], st(2));
      db.exec('BEGIN IMMEDIATE');
      storeUpdates(db, [ev(3)], st(3));
      process.kill(process.pid, 'SIGKILL');
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { encoding: 'utf8' });
    expect(run.signal, run.stderr).to.equal('SIGKILL');

    db = openDatabase(file);
    expect(loadUpdateState(db)).to.deep.equal({ pts: 2, qts: 0, date: 2, seq: 2, channels: { '1001': 2 } });
    expect(db.prepare('SELECT update_key FROM inbox ORDER BY id').pluck().all()).to.deep.equal(['msg:a:1', 'msg:a:2']);
  });

  it('keeps the stored state when saveUpdateState is used alone, next to inbox writes', () => {
    saveUpdateState(db, state(7));
    storeUpdates(db, [], state(8));
    expect(loadUpdateState(db)?.pts).to.equal(8);
    expect(countPending(db)).to.equal(0);
  });
});
