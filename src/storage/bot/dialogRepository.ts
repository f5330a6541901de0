/**
 * Persistent dialogs: what the bot waits for from one user in one chat (src/bot/dialogs.ts is the
 * API on top). One row per (chat, user), so two admins, or one admin in two chats, never share a
 * state.
 *
 * Crash safety without sharing the inbox's transaction: the drain (src/inbox/drain.ts) marks a row
 * done after its handler has finished, and the handler awaits sends in between, so a dialog write
 * cannot join that transaction. Instead every move records the update that made it (`moved_by`)
 * and the state it replaced (`previous`). When the same update is handled again after a crash,
 * `load` gives it the state as it was *before* its own move, the handler decides the same way
 * again, and its replies carry the same random_ids, so Telegram drops the copies. A crash between
 * the question and the answer therefore loses nothing and doubles nothing.
 */
import type { Database, Statement } from 'better-sqlite3';

export interface DialogState {
  /** What the bot waits for, e.g. 'admin.broadcast.message'. */
  waiting: string;
  data: unknown;
  expiresAt: number;
  version: number;
}

interface Row {
  waiting: string;
  data: string;
  expires_at: number;
  version: number;
  moved_by: string;
  previous: string | null;
}

export interface DialogKey {
  chatKey: string;
  userId: string;
}

/**
 * The state `updateKey` should see: the current one, or, when `updateKey` itself made the current
 * one (handled again after a crash), the one before it. Expired states read as none.
 */
const selects = new WeakMap<Database, Statement<[string, string], Row>>();

export function loadDialog(db: Database, key: DialogKey, updateKey: string, now: number): DialogState | null {
  // Prepared once per connection: every message reads its sender's dialog.
  let select = selects.get(db);
  if (!select) {
    select = db.prepare<[string, string], Row>('SELECT * FROM dialogs WHERE chat_key = ? AND user_id = ?');
    selects.set(db, select);
  }
  const row = select.get(key.chatKey, key.userId);
  if (!row) return null;
  const state: DialogState | null =
    row.moved_by === updateKey
      ? (JSON.parse(row.previous ?? 'null') as DialogState | null)
      : { waiting: row.waiting, data: JSON.parse(row.data) as unknown, expiresAt: row.expires_at, version: row.version };
  return state && state.expiresAt > now ? state : null;
}

/**
 * Moves the dialog to `next` (null: the dialog ends) on behalf of `updateKey`, which saw `seen`
 * (what loadDialog gave it). Moving again with the same update key replaces its own move.
 */
export function saveDialog(db: Database, key: DialogKey, updateKey: string, seen: DialogState | null, next: { waiting: string; data: unknown; expiresAt: number } | null): void {
  const version = (seen?.version ?? 0) + 1;
  // An ended dialog is kept as a tombstone with expires_at 0, so a re-handled update still finds its `previous`.
  const row = next ?? { waiting: '', data: null, expiresAt: 0 };
  db.prepare(
    `INSERT INTO dialogs (chat_key, user_id, waiting, data, expires_at, version, moved_by, previous) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (chat_key, user_id) DO UPDATE SET waiting = excluded.waiting, data = excluded.data, expires_at = excluded.expires_at,
       version = excluded.version, moved_by = excluded.moved_by, previous = excluded.previous`,
  ).run(key.chatKey, key.userId, row.waiting, JSON.stringify(row.data ?? null), row.expiresAt, version, updateKey, seen ? JSON.stringify(seen) : null);
}

/** Deletes dialogs that ended or expired before `before` (housekeeping). */
export function deleteExpiredDialogs(db: Database, before: number): number {
  return db.prepare('DELETE FROM dialogs WHERE expires_at < ?').run(before).changes;
}
