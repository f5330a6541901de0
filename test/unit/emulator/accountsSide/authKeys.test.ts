import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { createAuthKeyStore, AuthKeyNotFoundError } from '../../../../src/emulator/world/accountsSide/authKeys.js';

describe('emulator accounts side: auth key store', () => {
  const HIGH = 0xfedcba9876543210n; // above 2^63: stored as a negative signed int64
  const LOW = 0x0123456789abcdefn;

  it('stores keys by 64-bit id exactly, including ids above 2^63', () => {
    const db = new Database(':memory:');
    const store = createAuthKeyStore(db, () => 1000);
    const k1 = randomBytes(256);
    const k2 = randomBytes(256);
    store.put(HIGH, k1);
    store.put(LOW, k2);
    expect(store.get(HIGH)!.equals(k1)).to.equal(true);
    expect(store.get(LOW)!.equals(k2)).to.equal(true);
    expect(store.get(HIGH - 1n)).to.equal(undefined);
    const raw = db.prepare('SELECT id FROM auth_keys ORDER BY id').safeIntegers(true).all() as { id: bigint }[];
    expect(raw.map((r) => r.id)).to.deep.equal([BigInt.asIntN(64, HIGH), LOW]);
  });

  it('binds and unbinds keys to accounts and lists the keys of an account', () => {
    const store = createAuthKeyStore(new Database(':memory:'), () => 1000);
    store.put(HIGH, randomBytes(256));
    store.put(LOW, randomBytes(256));
    expect(store.userOf(HIGH)).to.equal(null);
    store.bind(HIGH, 5_000_001);
    store.bind(LOW, 5_000_001);
    expect(store.userOf(HIGH)).to.equal(5_000_001);
    expect([...store.keysOf(5_000_001)].sort()).to.deep.equal([HIGH, LOW].sort());
    store.unbind(HIGH);
    expect(store.userOf(HIGH)).to.equal(null);
    expect(store.keysOf(5_000_001)).to.deep.equal([LOW]);
    expect(() => store.bind(42n, 1)).to.throw(AuthKeyNotFoundError);
  });

  it('keeps a sign-in when the same key is put again (restart)', () => {
    const db = new Database(':memory:');
    const key = randomBytes(256);
    createAuthKeyStore(db, () => 1).put(HIGH, key);
    createAuthKeyStore(db, () => 1).bind(HIGH, 7);
    const reopened = createAuthKeyStore(db, () => 2);
    reopened.put(HIGH, key);
    expect(reopened.userOf(HIGH)).to.equal(7);
  });
});
