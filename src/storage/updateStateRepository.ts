/**
 * Where Courier is in Telegram's update sequences: pts, qts, date and seq of the account, and one
 * pts per channel (https://core.telegram.org/api/updates). After a restart the catch-up loop loads
 * this and asks updates.getDifference for everything after it.
 *
 * Normally the state is saved by inboxRepository.storeUpdates, in the same transaction as the
 * updates it covers; saveUpdateState alone is for moments that store no update (the first
 * updates.getState, or an empty difference that only moves the date).
 */
import type { Database, Statement } from 'better-sqlite3';
import { writeTransaction } from './writeTransaction.js';

/** The same shape as the update engine's EngineState (storage does not import telegram/). */
export interface UpdateState {
  pts: number;
  qts: number;
  /** Seconds, as Telegram sends it. */
  date: number;
  seq: number;
  /** channel id (decimal text) -> that channel's pts */
  channels: Record<string, number>;
}

export class InvalidUpdateStateError extends Error {
  constructor(readonly field: string, readonly value: unknown) {
    super(
      `Refusing to save update state: ${field} is ${String(value)}, not a non-negative integer. ` +
        'This is a bug in the update engine; the stored state was left unchanged.',
    );
    this.name = 'InvalidUpdateStateError';
  }
}

interface Statements {
  selectState: Statement<[], { pts: number; qts: number; date: number; seq: number }>;
  selectChannels: Statement<[], { channel_id: string; pts: number }>;
  upsertState: Statement<[number, number, number, number, number]>;
  upsertChannel: Statement<[string, number]>;
  deleteOtherChannels: Statement<[string]>;
}

const cache = new WeakMap<Database, Statements>();

function statements(db: Database): Statements {
  let s = cache.get(db);
  if (!s) {
    s = {
      selectState: db.prepare('SELECT pts, qts, date, seq FROM update_state WHERE id = 1'),
      selectChannels: db.prepare('SELECT channel_id, pts FROM channel_state ORDER BY channel_id'),
      upsertState: db.prepare(
        `INSERT INTO update_state (id, pts, qts, date, seq, updated_at) VALUES (1, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET pts = excluded.pts, qts = excluded.qts, date = excluded.date,
           seq = excluded.seq, updated_at = excluded.updated_at`,
      ),
      upsertChannel: db.prepare(
        'INSERT INTO channel_state (channel_id, pts) VALUES (?, ?) ON CONFLICT (channel_id) DO UPDATE SET pts = excluded.pts',
      ),
      // The engine's channel map is complete: a channel it dropped (the bot left it) goes here too.
      deleteOtherChannels: db.prepare('DELETE FROM channel_state WHERE channel_id NOT IN (SELECT value FROM json_each(?))'),
    };
    cache.set(db, s);
  }
  return s;
}

/** The stored state, or null on a fresh database (then call updates.getState first). */
export function loadUpdateState(db: Database): UpdateState | null {
  const s = statements(db);
  const row = s.selectState.get();
  if (!row) return null;
  const channels: Record<string, number> = {};
  for (const c of s.selectChannels.all()) channels[c.channel_id] = c.pts;
  return { pts: row.pts, qts: row.qts, date: row.date, seq: row.seq, channels };
}

function check(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new InvalidUpdateStateError(field, value);
}

/**
 * Writes the state without opening a transaction: for callers already inside writeTransaction
 * (storeUpdates). Everyone else calls saveUpdateState.
 */
export function writeUpdateState(db: Database, state: UpdateState, now: number = Date.now()): void {
  for (const field of ['pts', 'qts', 'date', 'seq'] as const) check(field, state[field]);
  for (const [id, pts] of Object.entries(state.channels)) check(`channels[${id}]`, pts);
  const s = statements(db);
  s.upsertState.run(state.pts, state.qts, state.date, state.seq, now);
  const ids = Object.keys(state.channels);
  s.deleteOtherChannels.run(JSON.stringify(ids));
  for (const id of ids) s.upsertChannel.run(id, state.channels[id]!);
}

/** Replaces the stored state (account row and every channel row) in one transaction. */
export function saveUpdateState(db: Database, state: UpdateState, now: number = Date.now()): void {
  writeTransaction(db, () => writeUpdateState(db, state, now));
}

/** The same functions as a repository object: `updateStateRepository.load(db)`. */
export const updateStateRepository = { load: loadUpdateState, save: saveUpdateState } as const;
