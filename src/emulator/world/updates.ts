/**
 * Update sequences and the update log (core.telegram.org/api/updates).
 *
 * Each account has a common message box with three counters:
 * - pts: advanced by pts_count for every event of its private chats and basic groups
 *   (new message: 1, edit: 1, delete of n messages: n, read history: 1);
 * - qts: advanced by 1 for the events Telegram numbers in qts (secret chats and bot-side events
 *   such as updateBotStopped, updateChatParticipant, updateChannelParticipant);
 * - seq: advanced by 1 for every `updates`/`updatesCombined` container the account is sent.
 * Each supergroup has its own pts (channel box), advanced by its events for all members at once.
 * Callback queries, typing and user status carry no pts: they are only pushed live.
 *
 * Every pts/qts event is logged (tables pts_log, qts_log, channel_log) with the serialised
 * Update, so updates.getDifference / getChannelDifference can replay exactly what was missed.
 * `LivePush` delivers to every auth key of a user unless pushes are withheld (faults.ts).
 */
import { Api } from 'telegram';
import type { Delivery, TLObject } from '../contract.js';
import { long, readTl, type Db } from './db.js';
import type { WorldFaults } from './faults.js';

export interface AccountState {
  pts: number;
  qts: number;
  seq: number;
  /** Date (unix seconds) of the latest event. */
  date: number;
}

export interface LoggedUpdate {
  /** pts (or qts) after this event. */
  seqNo: number;
  count: number;
  date: number;
  update: Api.TypeUpdate;
}

export function initUpdatesSchema(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS account_state (
      user_id INTEGER PRIMARY KEY,
      pts INTEGER NOT NULL DEFAULT 0,
      qts INTEGER NOT NULL DEFAULT 0,
      seq INTEGER NOT NULL DEFAULT 0,
      date INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS pts_log (
      user_id INTEGER NOT NULL,
      pts INTEGER NOT NULL,
      pts_count INTEGER NOT NULL,
      date INTEGER NOT NULL,
      body BLOB NOT NULL,
      PRIMARY KEY (user_id, pts)
    );
    CREATE TABLE IF NOT EXISTS qts_log (
      user_id INTEGER NOT NULL,
      qts INTEGER NOT NULL,
      date INTEGER NOT NULL,
      body BLOB NOT NULL,
      PRIMARY KEY (user_id, qts)
    );
    CREATE TABLE IF NOT EXISTS channel_state (
      channel_id INTEGER PRIMARY KEY,
      pts INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS channel_log (
      channel_id INTEGER NOT NULL,
      pts INTEGER NOT NULL,
      pts_count INTEGER NOT NULL,
      date INTEGER NOT NULL,
      body BLOB NOT NULL,
      PRIMARY KEY (channel_id, pts)
    );
  `);
}

interface StateRow {
  pts: number;
  qts: number;
  seq: number;
  date: number;
}

/** pts/qts/seq accounting and the update log. Callers run it inside their own transaction. */
/** How many recently logged pts updates are kept parsed in memory (see `recent`). */
const RECENT_PARSED = 50_000;

export class UpdateLog {
  /**
   * Recently logged pts updates as objects, keyed "user:pts", with the bytes that were stored, so
   * a getDifference over a backlog does not parse every row again (parsing was most of its cost).
   * A hit is used only when the stored bytes are the same: a rolled-back send may have left an
   * entry whose pts was later given to another update.
   */
  private readonly recent = new Map<string, { bytes: Buffer; update: Api.TypeUpdate }>();

  constructor(
    private readonly db: Db,
    private readonly nowSec: () => number,
  ) {}

  state(userId: number): AccountState {
    const r = this.db.prepare('SELECT pts, qts, seq, date FROM account_state WHERE user_id = ?').get(userId) as StateRow | undefined;
    return r ?? { pts: 0, qts: 0, seq: 0, date: this.nowSec() };
  }

  private ensure(userId: number): void {
    this.db.prepare('INSERT OR IGNORE INTO account_state (user_id, date) VALUES (?, ?)').run(userId, this.nowSec());
  }

  /** Advances the account's pts by `ptsCount`, logs the update `build(newPts)` returns and gives it back. */
  appendPts<U extends Api.TypeUpdate>(userId: number, ptsCount: number, build: (pts: number) => U): U {
    this.ensure(userId);
    const date = this.nowSec();
    const row = this.db.prepare('UPDATE account_state SET pts = pts + ?, date = ? WHERE user_id = ? RETURNING pts').get(ptsCount, date, userId) as { pts: number };
    const update = build(row.pts);
    const bytes = update.getBytes();
    this.db.prepare('INSERT INTO pts_log (user_id, pts, pts_count, date, body) VALUES (?, ?, ?, ?, ?)').run(userId, row.pts, ptsCount, date, bytes);
    // Its own parsed copy: the caller keeps using `update` (pushes), and must not share it.
    this.recent.set(`${userId}:${row.pts}`, { bytes, update: readTl<Api.TypeUpdate>(bytes) });
    if (this.recent.size > RECENT_PARSED) this.recent.delete(this.recent.keys().next().value as string);
    return update;
  }

  /** Advances the account's qts by 1 and logs `build(newQts)`. */
  appendQts<U extends Api.TypeUpdate>(userId: number, build: (qts: number) => U): U {
    this.ensure(userId);
    const date = this.nowSec();
    const row = this.db.prepare('UPDATE account_state SET qts = qts + 1, date = ? WHERE user_id = ? RETURNING qts').get(date, userId) as { qts: number };
    const update = build(row.qts);
    this.db.prepare('INSERT INTO qts_log (user_id, qts, date, body) VALUES (?, ?, ?, ?)').run(userId, row.qts, date, update.getBytes());
    return update;
  }

  /** The seq of the next `updates` container sent to the account. */
  nextSeq(userId: number): number {
    this.ensure(userId);
    return (this.db.prepare('UPDATE account_state SET seq = seq + 1 WHERE user_id = ? RETURNING seq').get(userId) as { seq: number }).seq;
  }

  channelPts(channelId: number): number {
    const r = this.db.prepare('SELECT pts FROM channel_state WHERE channel_id = ?').get(channelId) as { pts: number } | undefined;
    return r?.pts ?? 0;
  }

  /** Advances a supergroup's own pts and logs the update. */
  appendChannel<U extends Api.TypeUpdate>(channelId: number, ptsCount: number, build: (pts: number) => U): U {
    this.db.prepare('INSERT OR IGNORE INTO channel_state (channel_id) VALUES (?)').run(channelId);
    const row = this.db.prepare('UPDATE channel_state SET pts = pts + ? WHERE channel_id = ? RETURNING pts').get(ptsCount, channelId) as { pts: number };
    const update = build(row.pts);
    this.db
      .prepare('INSERT INTO channel_log (channel_id, pts, pts_count, date, body) VALUES (?, ?, ?, ?, ?)')
      .run(channelId, row.pts, ptsCount, this.nowSec(), update.getBytes());
    return update;
  }

  /** Logged pts events after `pts`, oldest first, at most `limit`. */
  ptsAfter(userId: number, pts: number, limit: number): LoggedUpdate[] {
    const rows = this.db
      .prepare('SELECT pts AS n, pts_count AS c, date, body FROM pts_log WHERE user_id = ? AND pts > ? ORDER BY pts LIMIT ?')
      .all(userId, pts, limit) as LogRow[];
    return rows.map((r) => {
      const hit = this.recent.get(`${userId}:${r.n}`);
      return hit && hit.bytes.equals(r.body) ? { seqNo: r.n, count: r.c, date: r.date, update: hit.update } : toLogged(r);
    });
  }

  qtsAfter(userId: number, qts: number, limit: number): LoggedUpdate[] {
    const rows = this.db
      .prepare('SELECT qts AS n, 1 AS c, date, body FROM qts_log WHERE user_id = ? AND qts > ? ORDER BY qts LIMIT ?')
      .all(userId, qts, limit) as LogRow[];
    return rows.map(toLogged);
  }

  channelAfter(channelId: number, pts: number, limit: number): LoggedUpdate[] {
    const rows = this.db
      .prepare('SELECT pts AS n, pts_count AS c, date, body FROM channel_log WHERE channel_id = ? AND pts > ? ORDER BY pts LIMIT ?')
      .all(channelId, pts, limit) as LogRow[];
    return rows.map(toLogged);
  }
}

interface LogRow {
  n: number;
  c: number;
  date: number;
  body: Buffer;
}

function toLogged(r: LogRow): LoggedUpdate {
  return { seqNo: r.n, count: r.c, date: r.date, update: readTl<Api.TypeUpdate>(r.body) };
}

/** Which auth keys are signed in as a user (the accounts engineer's AuthKeyStore). */
export interface KeyDirectory {
  keysOf(userId: number): readonly bigint[];
}

/**
 * Live delivery to every auth key of a user. While pushes to a user are withheld the event is
 * dropped (it stays in the log); supergroups that moved meanwhile get an updateChannelTooLong
 * when pushes resume, as Telegram does when it cannot send all of a channel's updates.
 */
export class LivePush {
  private delivery: Delivery | null = null;
  /** user id -> supergroups with events the user was not pushed. */
  private readonly missedChannels = new Map<number, Set<number>>();

  constructor(
    private readonly keys: KeyDirectory,
    private readonly faults: WorldFaults,
    private readonly log: UpdateLog,
    private readonly nowSec: () => number,
  ) {
    faults.onPushesResumed((userId) => {
      const users = userId === -1 ? [...this.missedChannels.keys()] : [userId];
      for (const u of users) this.flushChannelTooLong(u);
    });
  }

  attach(d: Delivery): void {
    this.delivery = d;
  }

  /** Pushes to all keys of `userId` except `exceptAuthKey` (the session that made the call). Returns sessions reached. */
  toUser(userId: number, updates: TLObject, exceptAuthKey?: bigint): number {
    if (this.faults.isWithheld(userId) || !this.delivery) return 0;
    let reached = 0;
    for (const key of this.keys.keysOf(userId)) if (key !== exceptAuthKey) reached += this.delivery.push(key, updates);
    return reached;
  }

  /** Like toUser, for a supergroup event; remembers the channel when the push is withheld. */
  toChannelMember(userId: number, channelId: number, updates: TLObject, exceptAuthKey?: bigint): number {
    if (this.faults.isWithheld(userId)) {
      let set = this.missedChannels.get(userId);
      if (!set) this.missedChannels.set(userId, (set = new Set()));
      set.add(channelId);
      return 0;
    }
    return this.toUser(userId, updates, exceptAuthKey);
  }

  /** updateShort for pts-less updates (callback queries, channel too long, status). */
  short(userId: number, update: Api.TypeUpdate, exceptAuthKey?: bigint): number {
    return this.toUser(userId, new Api.UpdateShort({ update, date: this.nowSec() }), exceptAuthKey);
  }

  /** Tells the user a supergroup has more updates than a push can carry: fetch getChannelDifference. */
  channelTooLong(userId: number, channelId: number): number {
    return this.short(userId, new Api.UpdateChannelTooLong({ channelId: long(channelId), pts: this.log.channelPts(channelId) }));
  }

  private flushChannelTooLong(userId: number): void {
    const set = this.missedChannels.get(userId);
    if (!set) return;
    this.missedChannels.delete(userId);
    for (const channelId of set) this.channelTooLong(userId, channelId);
  }
}
