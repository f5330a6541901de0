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
