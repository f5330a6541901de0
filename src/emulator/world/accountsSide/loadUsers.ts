/**
 * Extra sandbox users for load runs (the catch-up benchmark needs a hundred senders or more; the
 * sandbox seeds three). They are ordinary accounts in the users table, without a phone, so
 * nobody can log in as them: they only send through the world in-process
 * (world.sendMessageAs). Ids continue after the highest existing id, like users.ts does.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db.js';
import { FIRST_USER_ID, initUsersSchema } from './users.js';

/** Creates `count` users named "<namePrefix> 1".."<namePrefix> count" in one transaction; returns their ids in order. */
export function addLoadUsers(db: Db, count: number, namePrefix = 'Load user'): number[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`addLoadUsers: count must be a non-negative integer, got ${count}`);
  initUsersSchema(db);
  const nextId = db.prepare<[], { next: number }>(`SELECT COALESCE(MAX(id) + 1, ${FIRST_USER_ID}) AS next FROM users`);
  const insert = db.prepare<[number, bigint, string]>('INSERT INTO users (id, access_hash, is_bot, first_name) VALUES (?, ?, 0, ?)');
  return db.transaction(() => {
    const first = nextId.get()!.next;
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const id = first + i;
      insert.run(id, randomBytes(8).readBigInt64LE(), `${namePrefix} ${i + 1}`);
      ids.push(id);
    }
    return ids;
  })();
}

/** Phones of `--users N` sandbox users: +99967 and a 7-digit number, from 1 (a range no sandbox user is in). */
export const LOAD_PHONE_PREFIX = '99967';
export const loadUserPhone = (index: number): string => `+${LOAD_PHONE_PREFIX}${String(index).padStart(7, '0')}`;

/**
 * Makes sure the world has `count` numbered load users who can also log in (phone + the sandbox's
 * login code), creating only the missing ones, so restarting `npm run emulator -- --users N` keeps
 * the same ids. Returns them in phone order, as sandbox.json lists them.
 */
export function ensureLoadUsers(db: Db, count: number): { phone: string; user_id: number }[] {
  if (!Number.isInteger(count) || count < 0 || count > 9_999_999) throw new RangeError(`ensureLoadUsers: count must be 0..9999999, got ${count}`);
  initUsersSchema(db);
  const existing = db.prepare<[string], { id: number; phone: string }>('SELECT id, phone FROM users WHERE phone LIKE ? ORDER BY phone').all(`${LOAD_PHONE_PREFIX}%`);
  const have = new Map(existing.map((r) => [r.phone, r.id]));
  const nextId = db.prepare<[], { next: number }>(`SELECT COALESCE(MAX(id) + 1, ${FIRST_USER_ID}) AS next FROM users`);
  const insert = db.prepare<[number, bigint, string, string]>('INSERT INTO users (id, access_hash, is_bot, first_name, phone) VALUES (?, ?, 0, ?, ?)');
  return db.transaction(() => {
    let next = nextId.get()!.next;
    const users: { phone: string; user_id: number }[] = [];
    for (let i = 1; i <= count; i++) {
      const phone = loadUserPhone(i);
      const digits = phone.slice(1);
      let id = have.get(digits);
      if (id === undefined) {
        id = next++;
        insert.run(id, randomBytes(8).readBigInt64LE(), `Load user ${i}`, digits);
      }
      users.push({ phone, user_id: id });
    }
    return users;
  })();
}
