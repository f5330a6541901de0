/**
 * Message rows and message-id sequences.
 *
 * Telegram gives every account its own message-id space for private chats and basic groups
 * (one "common message box" per account), and every supergroup its own (core.telegram.org/api/updates).
 * So one send produces one row per participant's box ('u<userId>') in a private chat or basic group,
 * and one row in the supergroup's box ('c<channelId>'). The copies of one send share an `origin`,
 * which is also where random_id deduplication lives (table `sends`).
 *
 * A row keeps the whole Api.Message serialised with getBytes() (text, entities, media, reply
 * markup, reply header) plus the columns needed to find it. Deleted rows stay, flagged.
 */
import { Api } from 'telegram';
import { RpcError } from '../contract.js';
import { readTl, type Db } from './db.js';
import type { PeerRef } from './chats.js';

export type Box = `u${number}` | `c${number}`;

export const userBox = (userId: number): Box => `u${userId}`;
export const channelBox = (channelId: number): Box => `c${channelId}`;

export interface StoredMessage {
  box: Box;
  id: number;
  origin: number;
  fromId: number;
  peer: PeerRef;
  message: Api.Message;
}

export function initMessagesSchema(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS message_counters (
      box TEXT PRIMARY KEY,
      last_id INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS sends (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      sender_id INTEGER NOT NULL,
      random_id TEXT,
      date INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX IF NOT EXISTS sends_random_id ON sends(sender_id, random_id) WHERE random_id IS NOT NULL;
    CREATE TABLE IF NOT EXISTS messages (
      box TEXT NOT NULL,
      id INTEGER NOT NULL,
      origin INTEGER NOT NULL REFERENCES sends(id),
      peer_kind TEXT NOT NULL CHECK (peer_kind IN ('user', 'chat', 'channel')),
      peer_id INTEGER NOT NULL,
      from_id INTEGER NOT NULL,
      date INTEGER NOT NULL,
      deleted INTEGER NOT NULL DEFAULT 0,
      body BLOB NOT NULL,
      PRIMARY KEY (box, id)
    );
    CREATE INDEX IF NOT EXISTS messages_by_origin ON messages(origin);
    CREATE INDEX IF NOT EXISTS messages_by_peer ON messages(box, peer_kind, peer_id, id);
  `);
}

interface Row {
  box: Box;
  id: number;
  origin: number;
  peer_kind: 'user' | 'chat' | 'channel';
  peer_id: number;
  from_id: number;
  body: Buffer;
}

export function peerKind(peer: PeerRef): { kind: 'user' | 'chat' | 'channel'; id: number } {
  if ('user' in peer) return { kind: 'user', id: peer.user };
  if ('chat' in peer) return { kind: 'chat', id: peer.chat };
  return { kind: 'channel', id: peer.channel };
}

function toStored(r: Row): StoredMessage {
  const peer: PeerRef = r.peer_kind === 'user' ? { user: r.peer_id } : r.peer_kind === 'chat' ? { chat: r.peer_id } : { channel: r.peer_id };
  return { box: r.box, id: r.id, origin: r.origin, fromId: r.from_id, peer, message: readTl<Api.Message>(r.body) };
}

export class MessageStore {
  constructor(private readonly db: Db) {}

  /** The next message id of a box (ids start at 1 and never repeat, even after deletes). */
  nextId(box: Box): number {
    const r = this.db
      .prepare('INSERT INTO message_counters (box, last_id) VALUES (?, 1) ON CONFLICT(box) DO UPDATE SET last_id = last_id + 1 RETURNING last_id')
      .get(box) as { last_id: number };
    return r.last_id;
  }

  /**
   * Records one send and returns its origin id. A random_id the sender already used is refused:
   * Telegram answers RANDOM_ID_DUPLICATE (listed as a 500 in the messages.sendMessage errors)
   * and sends nothing, which is what makes a retried send harmless.
   */
  /** True when `senderId` already sent with `randomId` (checked before anything is consumed). */
  wasSent(senderId: number, randomId: bigint): boolean {
    return this.db.prepare('SELECT 1 FROM sends WHERE sender_id = ? AND random_id = ?').get(senderId, randomId.toString()) !== undefined;
  }

  claimSend(senderId: number, randomId: bigint | null, date: number): number {
    try {
      const r = this.db.prepare('INSERT INTO sends (sender_id, random_id, date) VALUES (?, ?, ?) RETURNING id').get(senderId, randomId?.toString() ?? null, date) as { id: number };
      return r.id;
    } catch (err) {
      if (err instanceof Error && /UNIQUE constraint failed/.test(err.message)) throw new RpcError(500, 'RANDOM_ID_DUPLICATE');
      throw err;
    }
  }

  insert(box: Box, origin: number, peer: PeerRef, fromId: number, message: Api.Message): void {
    const p = peerKind(peer);
    this.db
      .prepare('INSERT INTO messages (box, id, origin, peer_kind, peer_id, from_id, date, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(box, message.id, origin, p.kind, p.id, fromId, message.date, message.getBytes());
  }

  get(box: Box, id: number): StoredMessage | undefined {
    const r = this.db.prepare('SELECT * FROM messages WHERE box = ? AND id = ? AND deleted = 0').get(box, id) as Row | undefined;
    return r ? toStored(r) : undefined;
  }

  /** Every live copy of one send (one per participant box). */
  copies(origin: number): StoredMessage[] {
    return (this.db.prepare('SELECT * FROM messages WHERE origin = ? AND deleted = 0 ORDER BY box').all(origin) as Row[]).map(toStored);
  }

  copyIn(box: Box, origin: number): StoredMessage | undefined {
    const r = this.db.prepare('SELECT * FROM messages WHERE box = ? AND origin = ? AND deleted = 0').get(box, origin) as Row | undefined;
    return r ? toStored(r) : undefined;
  }

  replace(box: Box, message: Api.Message): void {
    this.db.prepare('UPDATE messages SET body = ? WHERE box = ? AND id = ?').run(message.getBytes(), box, message.id);
  }

  markDeleted(box: Box, id: number): void {
    this.db.prepare('UPDATE messages SET deleted = 1 WHERE box = ? AND id = ?').run(box, id);
  }

  /** The newest live messages of a box (optionally of one conversation), newest first. */
  latest(box: Box, limit: number, peer?: PeerRef): StoredMessage[] {
    if (!peer) return (this.db.prepare('SELECT * FROM messages WHERE box = ? AND deleted = 0 ORDER BY id DESC LIMIT ?').all(box, limit) as Row[]).map(toStored);
    const p = peerKind(peer);
    return (
      this.db
        .prepare('SELECT * FROM messages WHERE box = ? AND peer_kind = ? AND peer_id = ? AND deleted = 0 ORDER BY id DESC LIMIT ?')
        .all(box, p.kind, p.id, limit) as Row[]
    ).map(toStored);
  }

  /**
   * One conversation's history page as messages.getHistory defines it: newest first, ids below
   * offsetId (when set) and maxId (when set) and above minId.
   */
  history(box: Box, peer: PeerRef, page: { offsetId: number; minId: number; maxId: number; limit: number }): StoredMessage[] {
    const p = peerKind(peer);
    const below = Math.min(page.offsetId > 0 ? page.offsetId : Number.MAX_SAFE_INTEGER, page.maxId > 0 ? page.maxId : Number.MAX_SAFE_INTEGER);
    return (
      this.db
        .prepare('SELECT * FROM messages WHERE box = ? AND peer_kind = ? AND peer_id = ? AND deleted = 0 AND id < ? AND id > ? ORDER BY id DESC LIMIT ?')
        .all(box, p.kind, p.id, below, page.minId, page.limit) as Row[]
    ).map(toStored);
  }

  /** The conversations of a box with their newest message id. */
  conversations(box: Box, limit: number): { peer: PeerRef; topId: number }[] {
    const rows = this.db
      .prepare('SELECT peer_kind, peer_id, MAX(id) AS top FROM messages WHERE box = ? AND deleted = 0 GROUP BY peer_kind, peer_id ORDER BY top DESC LIMIT ?')
      .all(box, limit) as { peer_kind: Row['peer_kind']; peer_id: number; top: number }[];
    return rows.map((r) => ({
      peer: r.peer_kind === 'user' ? { user: r.peer_id } : r.peer_kind === 'chat' ? { chat: r.peer_id } : { channel: r.peer_id },
      topId: r.top,
    }));
  }
}

/** Api.Peer of a PeerRef. */
export function toApiPeer(peer: PeerRef, long: (n: number) => Api.long): Api.TypePeer {
  if ('user' in peer) return new Api.PeerUser({ userId: long(peer.user) });
  if ('chat' in peer) return new Api.PeerChat({ chatId: long(peer.chat) });
  return new Api.PeerChannel({ channelId: long(peer.channel) });
}
