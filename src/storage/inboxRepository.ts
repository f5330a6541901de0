/**
 * The durable inbox: every update Courier accepted, until it has been handled.
 *
 * The contract that makes "nothing a user sends is ever lost" hold across kill -9 at any moment:
 * - storeUpdates writes the updates AND the update state that covers them in one transaction,
 *   so the stored pts never runs ahead of the stored updates (see there);
 * - a live copy and a recovered (getDifference) copy of one update share an update_key, and
 *   INSERT OR IGNORE keeps the first, so an update is in the inbox at most once;
 * - a row leaves 'pending' only by markDone, after its handler finished; a crash before that
 *   leaves it pending and it is handled again after the restart (replies carry deterministic
 *   random_ids, so Telegram deduplicates a reply sent twice).
 * Rows of one chat are handled in id (arrival) order: nextPending always returns the oldest.
 *
 * The catch-up runs (catchup_log) have their own repository, catchupRepository.ts.
 */
import type { Database, Statement } from 'better-sqlite3';
import { writeTransaction } from './writeTransaction.js';
import { writeUpdateState, type UpdateState } from './updateStateRepository.js';

/** An update as the inbox stores it: plain data, no GramJS objects. */
export interface InboxEvent {
  /** Identifies the update across copies: "msg:<chatKey>:<messageId>", "cbq:<queryId>". */
  updateKey: string;
  /** Updates with the same chatKey are handled one at a time, in order. */
  chatKey: string;
  /** What the event is ("message", "callback", ...); the router's business. */
  kind: string;
  /** JSON-serialisable plain data (no bigint, no class instances). */
  payload: unknown;
  /** When the user sent it: Telegram's date, seconds. */
  sentAt: number;
  /** When Courier received it: ms since the epoch. */
  receivedAt: number;
  /** True when it came through getDifference rather than live. */
  recovered: boolean;
}

export type InboxStatus = 'pending' | 'done' | 'skipped';

export interface InboxRow extends InboxEvent {
  id: number;
  status: InboxStatus;
  /** How many times a handler started on this row (recordAttempt). */
  attempts: number;
  /** ms since the epoch; null while pending. */
  handledAt: number | null;
}

export interface StoreResult {
  inserted: number;
  /** Events whose updateKey was already in the inbox (pending or handled). */
  duplicates: number;
}

interface RawRow {
  id: number;
  update_key: string;
  chat_key: string;
  kind: string;
  payload: string;
  sent_at: number;
  received_at: number;
  recovered: number;
  status: InboxStatus;
  attempts: number;
  handled_at: number | null;
}

const ROW = 'id, update_key, chat_key, kind, payload, sent_at, received_at, recovered, status, attempts, handled_at';

interface Statements {
  insert: Statement<[string, string, string, string, number, number, number]>;
  pendingChats: Statement<[], string>;
  nextPending: Statement<[string], RawRow>;
  byId: Statement<[number], RawRow>;
  markHandled: Statement<[InboxStatus, number, number]>;
  countPending: Statement<[], number>;
  recordAttempt: Statement<[number], number>;
  deleteHandled: Statement<[number]>;
}

const cache = new WeakMap<Database, Statements>();

function statements(db: Database): Statements {
  let s = cache.get(db);
  if (!s) {
    s = {
      insert: db.prepare(
        `INSERT OR IGNORE INTO inbox (update_key, chat_key, kind, payload, sent_at, received_at, recovered)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      // Oldest waiting chat first, so after a restart the longest-waiting user is served first.
      pendingChats: db
        .prepare<[], string>("SELECT chat_key FROM inbox WHERE status = 'pending' GROUP BY chat_key ORDER BY MIN(id)")
        .pluck(),
      nextPending: db.prepare(`SELECT ${ROW} FROM inbox WHERE status = 'pending' AND chat_key = ? ORDER BY id LIMIT 1`),
      byId: db.prepare(`SELECT ${ROW} FROM inbox WHERE id = ?`),
      markHandled: db.prepare("UPDATE inbox SET status = ?, handled_at = ? WHERE id = ? AND status = 'pending'"),
      countPending: db.prepare<[], number>("SELECT COUNT(*) FROM inbox WHERE status = 'pending'").pluck(),
      recordAttempt: db.prepare<[number], number>('UPDATE inbox SET attempts = attempts + 1 WHERE id = ? RETURNING attempts').pluck(),
      deleteHandled: db.prepare("DELETE FROM inbox WHERE status != 'pending' AND handled_at < ?"),
    };
    cache.set(db, s);
  }
  return s;
}

function toRow(r: RawRow): InboxRow {
  return {
    id: r.id,
    updateKey: r.update_key,
    chatKey: r.chat_key,
    kind: r.kind,
    payload: JSON.parse(r.payload) as unknown,
    sentAt: r.sent_at,
    receivedAt: r.received_at,
    recovered: r.recovered === 1,
    status: r.status,
    attempts: r.attempts,
    handledAt: r.handled_at,
  };
}

/**
 * Stores `events` (in the given order) and the update state reached after them, in ONE
 * transaction.
 *
 * Why together: if the state were saved first and the process died before the rows, the restarted
 * engine would resume after updates that are nowhere, and getDifference would never send them
 * again: lost. If the rows were saved without the state, nothing is lost but the same updates come
 * back through getDifference (and collapse on update_key). Writing both at once makes the stored
 * state cover exactly the stored rows. Call it before acknowledging anything to Telegram, and do
 * all awaiting before it: nothing inside awaits.
 */
export function storeUpdates(db: Database, events: readonly InboxEvent[], stateAfter: UpdateState): StoreResult {
  const s = statements(db);
  return writeTransaction(db, () => {
    let inserted = 0;
    for (const e of events) {
      // JSON.stringify(undefined) is undefined, not text: store null for an event without payload.
      const payload = JSON.stringify(e.payload) ?? 'null';
      inserted += s.insert.run(e.updateKey, e.chatKey, e.kind, payload, e.sentAt, e.receivedAt, e.recovered ? 1 : 0).changes;
    }
    writeUpdateState(db, stateAfter);
    return { inserted, duplicates: events.length - inserted };
  });
}

/** Chats with at least one pending row, the one waiting longest first. */
export function pendingChats(db: Database): string[] {
  return statements(db).pendingChats.all();
}

/** The oldest pending row of `chatKey` (by id, i.e. arrival order), or undefined when none. */
export function nextPending(db: Database, chatKey: string): InboxRow | undefined {
  const raw = statements(db).nextPending.get(chatKey);
  return raw && toRow(raw);
}

/** One row by id, whatever its status. */
export function inboxRow(db: Database, id: number): InboxRow | undefined {
  const raw = statements(db).byId.get(id);
  return raw && toRow(raw);
}

/**
 * Takes a row out of 'pending': 'done' after its handler finished, 'skipped' when Courier gave up
 * on it (too many attempts, or the chat is banned). Returns false when the row was not pending
 * (already handled, or no such id), so marking twice is harmless.
 */
export function markDone(db: Database, id: number, status: 'done' | 'skipped' = 'done', handledAt: number = Date.now()): boolean {
  return statements(db).markHandled.run(status, handledAt, id).changes > 0;
}

export function countPending(db: Database): number {
  return statements(db).countPending.get() ?? 0;
}

/**
 * Counts a start of handling, BEFORE the handler runs: a row that crashes the process every time
 * shows a growing count after each restart, and the caller can skip it past a limit instead of
 * dying on it forever. Returns the new count (0 when there is no such row).
 */
export function recordAttempt(db: Database, id: number): number {
  return statements(db).recordAttempt.get(id) ?? 0;
}

/**
 * Deletes handled rows older than `handledBefore` (ms); returns how many. Keep them at least as long
 * as Telegram may still deliver a copy (getDifference reaches back about a day): a deleted row's
 * update_key no longer deduplicates.
 */
export function deleteHandledBefore(db: Database, handledBefore: number): number {
  return statements(db).deleteHandled.run(handledBefore).changes;
}
