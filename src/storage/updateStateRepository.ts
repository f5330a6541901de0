/**
 * Where Courier is in Telegram's update sequences: pts, qts, date and seq of the account, and one
 * pts per channel (https://core.telegram.org/api/updates). After a restart the catch-up loop loads
 * this and asks updates.getDifference for everything after it.
 *
 * Normally the state is saved by inboxRepository.storeUpdates, in the same transaction as the
 * updates it covers; saveUpdateState alone is for moments that store no update (the first
 * updates.getState, or an empty difference that only moves the date).
 *
 * The state belongs to one account on one server (migration 004): claimUpdateState, called once
 * at start-up, hands the stored state only to its owner. Someone else's is moved aside (kept in
 * update_state_aside, never deleted) and the new owner starts fresh. The inbox rows stored under
 * that state are set apart in the same transaction: their keys ("msg:user:5:12") name messages of
 * the old server, and left as they are, the new server's message 12 from user 5 would collapse
 * on them as a copy and never be handled; their pending ones would be answered on the wrong
 * server. The rows stay, with the key prefixed "aside:<n>:" and pending ones marked skipped.
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

/** Who a stored state belongs to: the bot's user id and the server (see migration 004). */
export interface UpdateStateOwner {
  accountId: string;
  /** 'telegram', or 'sandbox:<RSA key fingerprint>' for an emulator world. */
  server: string;
}

export type SetAsideReason = 'other owner' | 'ahead of server';

export interface UpdateStateClaim {
  /** The owner's stored state, or null: start from updates.getState. */
  state: UpdateState | null;
  /** Set when a state of another owner was moved aside; null when there was none. */
  setAside: { owner: UpdateStateOwner | null; state: UpdateState } | null;
}

interface Statements {
  selectState: Statement<[], { pts: number; qts: number; date: number; seq: number }>;
  selectChannels: Statement<[], { channel_id: string; pts: number }>;
  upsertState: Statement<[number, number, number, number, number]>;
  upsertChannel: Statement<[string, number]>;
  deleteOtherChannels: Statement<[string]>;
  selectOwner: Statement<[], { account_id: string; server: string }>;
  upsertOwner: Statement<[string, string, number]>;
  insertAside: Statement<[string | null, string | null, number, number, number, number, string, SetAsideReason, number]>;
  deleteState: Statement<[]>;
  deleteChannels: Statement<[]>;
  setInboxApart: Statement<[string]>;
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
      selectOwner: db.prepare('SELECT account_id, server FROM update_state_owner WHERE id = 1'),
      upsertOwner: db.prepare(
        `INSERT INTO update_state_owner (id, account_id, server, claimed_at) VALUES (1, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, server = excluded.server, claimed_at = excluded.claimed_at`,
      ),
      insertAside: db.prepare(
        `INSERT INTO update_state_aside (account_id, server, pts, qts, date, seq, channels, reason, set_aside_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      deleteState: db.prepare('DELETE FROM update_state'),
      deleteChannels: db.prepare('DELETE FROM channel_state'),
      setInboxApart: db.prepare(
        `UPDATE inbox SET update_key = ? || update_key,
           status = CASE status WHEN 'pending' THEN 'skipped' ELSE status END
         WHERE update_key NOT LIKE 'aside:%'`,
      ),
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

function readOwner(db: Database): UpdateStateOwner | null {
  const row = statements(db).selectOwner.get();
  return row ? { accountId: row.account_id, server: row.server } : null;
}

/** Moves the stored state (if any) to update_state_aside; the caller is inside a transaction. */
function moveAside(db: Database, reason: SetAsideReason, now: number): { owner: UpdateStateOwner | null; state: UpdateState } | null {
  const state = loadUpdateState(db);
  if (!state) return null;
  const owner = readOwner(db);
  const s = statements(db);
  const asideId = s.insertAside.run(owner?.accountId ?? null, owner?.server ?? null, state.pts, state.qts, state.date, state.seq, JSON.stringify(state.channels), reason, now).lastInsertRowid;
  s.setInboxApart.run(`aside:${asideId}:`);
  s.deleteChannels.run();
  s.deleteState.run();
  return { owner, state };
}

/**
 * Takes the stored state for `owner`, in one transaction: its own state is returned; another
 * owner's is moved aside and null returned (start fresh); a state stored before owners were
 * recorded (a database older than migration 004) is adopted, since nothing tells whose it was
 * (the check against updates.getState still catches one from another world). From here on the
 * row names `owner`, so every state stored later is theirs.
 */
export function claimUpdateState(db: Database, owner: UpdateStateOwner, now: number = Date.now()): UpdateStateClaim {
  return writeTransaction(db, () => {
    const previous = readOwner(db);
    const theirs = previous !== null && (previous.accountId !== owner.accountId || previous.server !== owner.server);
    const setAside = theirs ? moveAside(db, 'other owner', now) : null;
    statements(db).upsertOwner.run(owner.accountId, owner.server, now);
    return { state: loadUpdateState(db), setAside };
  });
}

/**
 * Moves the stored state aside because it cannot be right (ahead of the server's own state): the
 * next state stored starts afresh. Kept in update_state_aside for whoever investigates.
 */
export function setAsideUpdateState(db: Database, reason: SetAsideReason, now: number = Date.now()): void {
  writeTransaction(db, () => void moveAside(db, reason, now));
}

/** The states moved aside, oldest first (for operators and tests). */
export function updateStatesSetAside(db: Database): { owner: UpdateStateOwner | null; state: UpdateState; reason: SetAsideReason; setAsideAt: number }[] {
  const rows = db
    .prepare('SELECT account_id, server, pts, qts, date, seq, channels, reason, set_aside_at FROM update_state_aside ORDER BY id')
    .all() as { account_id: string | null; server: string | null; pts: number; qts: number; date: number; seq: number; channels: string; reason: SetAsideReason; set_aside_at: number }[];
  return rows.map((r) => ({
    owner: r.account_id !== null && r.server !== null ? { accountId: r.account_id, server: r.server } : null,
    state: { pts: r.pts, qts: r.qts, date: r.date, seq: r.seq, channels: JSON.parse(r.channels) as Record<string, number> },
    reason: r.reason,
    setAsideAt: r.set_aside_at,
  }));
}

/** The same functions as a repository object: `updateStateRepository.load(db)`. */
export const updateStateRepository = { load: loadUpdateState, save: saveUpdateState, claim: claimUpdateState, setAside: setAsideUpdateState } as const;
