/**
 * Durable broadcasts: one row per broadcast and one per recipient, written when the admin presses
 * Send. The recipient list is fixed at that moment (every user who wrote to the bot, not banned,
 * not blocked, not deleted); each recipient's outcome is written after its send, and a send
 * repeated after a crash reuses its random_id (src/bot/broadcast/), so nobody gets it twice.
 */
import type { Database } from 'better-sqlite3';

export type BroadcastState = 'running' | 'paused' | 'cancelled' | 'done';
export type RecipientOutcome = 'pending' | 'sent' | 'blocked' | 'deactivated' | 'failed';

export interface BroadcastRecord {
  id: string;
  adminId: string;
  adminChat: string;
  text: string;
  /** MediaRef JSON, or null for a text broadcast. */
  media: string | null;
  state: BroadcastState;
  progressMessageId: number | null;
  lang: string;
  createdAt: number;
  finishedAt: number | null;
}

export interface Recipient {
  userId: string;
  accessHash: string | null;
}

export type Tally = Record<RecipientOutcome, number>;

const COLUMNS =
  'id, admin_id AS adminId, admin_chat AS adminChat, text, media, state, progress_message_id AS progressMessageId, lang, created_at AS createdAt, finished_at AS finishedAt';

/** Creates the broadcast and its recipients, once per id. */
export function createBroadcast(
  db: Database,
  b: { id: string; adminId: string; adminChat: string; text: string; media?: string | null; lang: string },
  now: number,
): { created: boolean; recipients: number } {
  return db.transaction(() => {
    const inserted = db
      .prepare("INSERT INTO broadcasts (id, admin_id, admin_chat, text, media, state, lang, created_at) VALUES (?, ?, ?, ?, ?, 'running', ?, ?) ON CONFLICT (id) DO NOTHING")
      .run(b.id, b.adminId, b.adminChat, b.text, b.media ?? null, b.lang, now).changes > 0;
    if (inserted) {
      db.prepare(
        // The access hash: the one seen with the user's message, else the one the peer cache learnt
        // (peerCache.ts: private messages often arrive as short updates without one).
        `INSERT INTO broadcast_recipients (broadcast_id, user_id, access_hash)
         SELECT ?, u.user_id, COALESCE(u.access_hash, (SELECT value FROM kv WHERE key = 'peer:user:' || u.user_id))
         FROM users AS u WHERE u.banned = 0 AND u.blocked = 0 AND u.deactivated = 0`,
      ).run(b.id);
    }
    const recipients = (db.prepare('SELECT COUNT(*) AS n FROM broadcast_recipients WHERE broadcast_id = ?').get(b.id) as { n: number }).n;
    return { created: inserted, recipients };
  }).immediate();
}

export function getBroadcast(db: Database, id: string): BroadcastRecord | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM broadcasts WHERE id = ?`).get(id) as BroadcastRecord | undefined;
}

/** Broadcasts to carry on with at start: running ones (paused ones wait for Resume). */
export function unfinishedBroadcasts(db: Database): BroadcastRecord[] {
  return db.prepare(`SELECT ${COLUMNS} FROM broadcasts WHERE state IN ('running', 'paused') ORDER BY created_at`).all() as BroadcastRecord[];
}

export function setBroadcastState(db: Database, id: string, state: BroadcastState, now: number): void {
  db.prepare('UPDATE broadcasts SET state = ?, finished_at = ? WHERE id = ?').run(state, state === 'done' || state === 'cancelled' ? now : null, id);
}

export function setProgressMessage(db: Database, id: string, messageId: number): void {
  db.prepare('UPDATE broadcasts SET progress_message_id = ? WHERE id = ?').run(messageId, id);
}

export function pendingRecipients(db: Database, id: string, limit: number, after = ''): Recipient[] {
  return db
    .prepare("SELECT user_id AS userId, access_hash AS accessHash FROM broadcast_recipients WHERE broadcast_id = ? AND outcome = 'pending' AND user_id > ? ORDER BY user_id LIMIT ?")
    .all(id, after, limit) as Recipient[];
}

export function recordOutcome(db: Database, id: string, userId: string, outcome: Exclude<RecipientOutcome, 'pending'>, error: string | null = null): void {
  db.prepare('UPDATE broadcast_recipients SET outcome = ?, error = ? WHERE broadcast_id = ? AND user_id = ?').run(outcome, error, id, userId);
}

export function tallyBroadcast(db: Database, id: string): Tally {
  const tally: Tally = { pending: 0, sent: 0, blocked: 0, deactivated: 0, failed: 0 };
  for (const r of db.prepare('SELECT outcome, COUNT(*) AS n FROM broadcast_recipients WHERE broadcast_id = ? GROUP BY outcome').all(id) as { outcome: RecipientOutcome; n: number }[]) {
    tally[r.outcome] = r.n;
  }
  return tally;
}
