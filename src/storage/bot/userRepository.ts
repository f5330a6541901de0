/**
 * src/storage/bot/: the tables the bot layer reads and writes (migration 004-admin): users,
 * dialogs, the admin audit trail, broadcasts, and the /stats queries. Like every repository, plain
 * functions over a Database; no policy.
 *
 * This file: one row per user who wrote to the bot in a private chat. The row is upserted while
 * the update is handled (src/bot/users.ts), so last_seen and lang follow the user; banned survives
 * restarts; blocked/deactivated are set when Telegram refuses a send to them and cleared when they
 * write again (writing again means they unblocked the bot).
 */
import type { Database, Statement } from 'better-sqlite3';

export interface UserRecord {
  userId: string;
  accessHash: string | null;
  lang: string | null;
  firstSeen: number;
  lastSeen: number;
  banned: boolean;
  blocked: boolean;
  deactivated: boolean;
}

interface Row {
  user_id: string;
  access_hash: string | null;
  lang: string | null;
  first_seen: number;
  last_seen: number;
  banned: number;
  blocked: number;
  deactivated: number;
}

const toRecord = (r: Row): UserRecord => ({
  userId: r.user_id,
  accessHash: r.access_hash,
  lang: r.lang,
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  banned: r.banned === 1,
  blocked: r.blocked === 1,
  deactivated: r.deactivated === 1,
});

interface Glance {
  banned: number;
  last_seen: number;
  lang: string | null;
  access_hash: string | null;
  blocked: number;
  deactivated: number;
}

const statements = new WeakMap<Database, { seen: Statement; glance: Statement<[string], Glance> }>();

/** The two statements run on every update, prepared once per connection. */
function hot(db: Database) {
  let s = statements.get(db);
  if (!s) {
    s = {
      seen: db.prepare(SEEN_SQL),
      glance: db.prepare<[string], Glance>('SELECT banned, last_seen, lang, access_hash, blocked, deactivated FROM users WHERE user_id = ?'),
    };
    statements.set(db, s);
  }
  return s;
}

const SEEN_SQL = `INSERT INTO users (user_id, access_hash, lang, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET
       access_hash = COALESCE(excluded.access_hash, access_hash),
       lang = COALESCE(excluded.lang, lang),
       last_seen = MAX(last_seen, excluded.last_seen),
       blocked = 0, deactivated = 0`;

/** last_seen is refreshed at most this often per user: one write per message would double the inbox's writes. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

/**
 * The user wrote to the bot at `now`: created, or last_seen (and lang, access hash) refreshed and
 * blocked/deactivated cleared. Returns whether they are banned (one read serves both: this runs
 * for every update), and writes only when something changed or last_seen is a minute old.
 */
export function recordSeen(db: Database, user: { userId: string; accessHash?: string | undefined; lang?: string | undefined }, now: number): { banned: boolean } {
  const s = hot(db);
  const row = s.glance.get(user.userId);
  const stale =
    !row ||
    now - row.last_seen >= LAST_SEEN_RESOLUTION_MS ||
    row.blocked === 1 ||
    row.deactivated === 1 ||
    (user.lang !== undefined && user.lang !== row.lang) ||
    (user.accessHash !== undefined && user.accessHash !== row.access_hash);
  if (stale) s.seen.run(user.userId, user.accessHash ?? null, user.lang ?? null, now, now);
  return { banned: row?.banned === 1 };
}

/** The language last seen in a user object of this user (Telegram's lang_code), if any. */
export function storedLang(db: Database, userId: string): string | null {
  return hot(db).glance.get(userId)?.lang ?? null;
}

export function getUser(db: Database, userId: string): UserRecord | undefined {
  const row = db.prepare<[string], Row>('SELECT * FROM users WHERE user_id = ?').get(userId);
  return row ? toRecord(row) : undefined;
}

export function isBanned(db: Database, userId: string): boolean {
  return hot(db).glance.get(userId)?.banned === 1;
}

/**
 * Bans or unbans; a user never seen gets a row (so a ban of someone who has not written yet still
 * holds when they do). Returns false when nothing changed (already so).
 */
export function setBanned(db: Database, userId: string, banned: boolean, now: number): boolean {
  db.prepare('INSERT INTO users (user_id, first_seen, last_seen) VALUES (?, ?, ?) ON CONFLICT (user_id) DO NOTHING').run(userId, now, now);
  return db.prepare('UPDATE users SET banned = ? WHERE user_id = ? AND banned <> ?').run(banned ? 1 : 0, userId, banned ? 1 : 0).changes > 0;
}

/** Telegram refused a send: the user blocked the bot, or deleted their account. */
export function markUnreachable(db: Database, userId: string, why: 'blocked' | 'deactivated'): void {
  db.prepare(`UPDATE users SET ${why === 'blocked' ? 'blocked' : 'deactivated'} = 1 WHERE user_id = ?`).run(userId);
}

/** Users who wrote to the bot, are not banned, and did not block it or delete their account. */
export function countReachable(db: Database): number {
  const total = db.prepare<[], { total: number }>('SELECT total FROM user_count WHERE id = 1').get()?.total ?? 0;
  const unreachable = db
    .prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM users INDEXED BY users_unreachable WHERE banned = 1 OR blocked = 1 OR deactivated = 1')
    .get()!.n;
  return total - unreachable;
}
