/**
 * Persistent dialogs in SQLite: one state per (chat, user), expiry, and the crash rule: the update
 * that made the current state, handled again, sees the state before its own move.
 */
import { expect } from 'chai';
import { openDatabase } from '../../../src/storage/index.js';
import { loadDialog, saveDialog } from '../../../src/storage/bot/dialogRepository.js';

const alice = { chatKey: 'user:1001', userId: '1001' };
const bob = { chatKey: 'user:1002', userId: '1002' };

describe('dialogRepository', () => {
  it('keeps one state per (chat, user): two admins never see each other’s', () => {
    const db = openDatabase(':memory:');
    saveDialog(db, alice, 'msg:a:1', null, { waiting: 'admin.broadcast.message', data: null, expiresAt: 10_000 });
    saveDialog(db, bob, 'msg:b:1', null, { waiting: 'admin.users.query', data: { x: 1 }, expiresAt: 10_000 });
    expect(loadDialog(db, alice, 'msg:a:2', 0)).to.include({ waiting: 'admin.broadcast.message', version: 1 });
    expect(loadDialog(db, bob, 'msg:b:2', 0)).to.deep.include({ waiting: 'admin.users.query', data: { x: 1 } });
    expect(loadDialog(db, { chatKey: 'chat:5', userId: '1001' }, 'msg:c:1', 0)).to.equal(null);
    db.close();
  });

  it('an expired dialog reads as none', () => {
    const db = openDatabase(':memory:');
    saveDialog(db, alice, 'msg:a:1', null, { waiting: 'w', data: null, expiresAt: 5000 });
    expect(loadDialog(db, alice, 'msg:a:2', 4999)).to.not.equal(null);
    expect(loadDialog(db, alice, 'msg:a:2', 5000)).to.equal(null);
    db.close();
  });

  it('an update handled again after a crash sees the state it saw the first time, and its move replaces itself', () => {
    const db = openDatabase(':memory:');
    saveDialog(db, alice, 'msg:a:1', null, { waiting: 'admin.broadcast.message', data: null, expiresAt: 10_000 });
    const seen = loadDialog(db, alice, 'msg:a:2', 0);
    saveDialog(db, alice, 'msg:a:2', seen, { waiting: 'admin.broadcast.confirm', data: { text: 'hi' }, expiresAt: 10_000 });
    // Crash before the reply went out: msg:a:2 is handled again.
    const again = loadDialog(db, alice, 'msg:a:2', 0);
    expect(again).to.deep.equal(seen);
    saveDialog(db, alice, 'msg:a:2', again, { waiting: 'admin.broadcast.confirm', data: { text: 'hi' }, expiresAt: 10_000 });
    // The next update sees the move once, at version 2.
    expect(loadDialog(db, alice, 'cbq:9', 0)).to.deep.include({ waiting: 'admin.broadcast.confirm', version: 2 });
    // Ending is a move too: handled again, the ending update still sees the confirm step.
    const confirm = loadDialog(db, alice, 'cbq:9', 0);
    saveDialog(db, alice, 'cbq:9', confirm, null);
    expect(loadDialog(db, alice, 'cbq:9', 0)).to.deep.equal(confirm);
    expect(loadDialog(db, alice, 'msg:a:3', 0)).to.equal(null);
    db.close();
  });
});
