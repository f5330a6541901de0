/**
 * Conversations other than private chats: basic groups (Telegram's `chat`) and supergroups
 * (a `channel` with the megagroup flag), with their members.
 *
 * Invariants: chat and channel ids come from one sequence (table `chats`), so an id names exactly
 * one conversation; membership lives in `chat_members`. Private chats need no row: a private chat
 * is the pair of its two users (see messages.ts).
 */
import { Api } from 'telegram';
import { randomBytes } from 'node:crypto';
import { RpcError } from '../contract.js';
import { long, type Db } from './db.js';

/** A conversation as the world addresses it. */
export type PeerRef = { user: number } | { chat: number } | { channel: number };

/** What the world needs to know about accounts (implemented over the accounts engineer's store). */
export interface UserDirectory {
  exists(userId: number): boolean;
  isBot(userId: number): boolean;
  /** The user as `viewerId` sees it (self flag, access hash...). */
  toApiUser(userId: number, viewerId: number): Api.TypeUser;
}

export type ChatKind = 'chat' | 'channel';

export interface ChatRow {
  id: number;
  kind: ChatKind;
  title: string;
  megagroup: boolean;
  creatorId: number;
  date: number;
  accessHash: bigint;
}

/** First id handed out to a chat or channel; keeps them visibly apart from user ids in logs. */
const FIRST_CHAT_ID = 1_000_000;

export function initChatsSchema(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS chats (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('chat', 'channel')),
      title TEXT NOT NULL,
      megagroup INTEGER NOT NULL DEFAULT 0,
      creator_id INTEGER NOT NULL,
      date INTEGER NOT NULL,
      access_hash TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS chat_members (
      chat_id INTEGER NOT NULL REFERENCES chats(id),
      user_id INTEGER NOT NULL,
      date INTEGER NOT NULL,
      PRIMARY KEY (chat_id, user_id)
    );
    CREATE INDEX IF NOT EXISTS chat_members_by_user ON chat_members(user_id);
  `);
}

interface RawChat {
  id: number;
  kind: ChatKind;
  title: string;
  megagroup: number;
  creator_id: number;
  date: number;
  access_hash: string;
}

export class Chats {
  constructor(
    private readonly db: Db,
    private readonly nowSec: () => number,
  ) {}

  /** A basic group. Telegram caps basic groups at 200 members; not enforced here. */
  createGroup(title: string, creatorId: number, memberIds: number[]): number {
    return this.create('chat', title, creatorId, memberIds, false);
  }

  /** A supergroup: a channel with the megagroup flag. */
  createSupergroup(title: string, creatorId: number, memberIds: number[]): number {
    return this.create('channel', title, creatorId, memberIds, true);
  }

  private create(kind: ChatKind, title: string, creatorId: number, memberIds: number[], megagroup: boolean): number {
    return this.db.transaction(() => {
      const max = this.db.prepare('SELECT MAX(id) AS m FROM chats').get() as { m: number | null };
      const id = Math.max(FIRST_CHAT_ID, (max.m ?? 0) + 1);
      const accessHash = randomBytes(8).readBigInt64LE(0);
      this.db
        .prepare('INSERT INTO chats (id, kind, title, megagroup, creator_id, date, access_hash) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, kind, title, megagroup ? 1 : 0, creatorId, this.nowSec(), accessHash.toString());
      for (const userId of new Set([creatorId, ...memberIds])) this.addMember(id, userId);
      return id;
    })();
  }

  addMember(chatId: number, userId: number): void {
    this.db.prepare('INSERT OR IGNORE INTO chat_members (chat_id, user_id, date) VALUES (?, ?, ?)').run(chatId, userId, this.nowSec());
  }

  get(id: number): ChatRow | undefined {
    const r = this.db.prepare('SELECT * FROM chats WHERE id = ?').get(id) as RawChat | undefined;
    if (!r) return undefined;
    return { id: r.id, kind: r.kind, title: r.title, megagroup: r.megagroup === 1, creatorId: r.creator_id, date: r.date, accessHash: BigInt(r.access_hash) };
  }

  findByTitle(kind: ChatKind, title: string): ChatRow | undefined {
    const r = this.db.prepare('SELECT id FROM chats WHERE kind = ? AND title = ? ORDER BY id LIMIT 1').get(kind, title) as { id: number } | undefined;
    return r ? this.get(r.id) : undefined;
  }

  /** The chat of the given kind, or the error Telegram gives for a bad id. */
  require(kind: ChatKind, id: number): ChatRow {
    const row = this.get(id);
    if (!row || row.kind !== kind) throw new RpcError(400, kind === 'chat' ? 'CHAT_ID_INVALID' : 'CHANNEL_INVALID');
    return row;
  }

  members(chatId: number): number[] {
    return (this.db.prepare('SELECT user_id FROM chat_members WHERE chat_id = ? ORDER BY user_id').all(chatId) as { user_id: number }[]).map((r) => r.user_id);
  }

  isMember(chatId: number, userId: number): boolean {
    return this.db.prepare('SELECT 1 FROM chat_members WHERE chat_id = ? AND user_id = ?').get(chatId, userId) !== undefined;
  }

  /** Supergroups the user belongs to. */
  channelsOf(userId: number): number[] {
    return (
      this.db
        .prepare("SELECT c.id FROM chats c JOIN chat_members m ON m.chat_id = c.id WHERE m.user_id = ? AND c.kind = 'channel' ORDER BY c.id")
        .all(userId) as { id: number }[]
    ).map((r) => r.id);
  }

  /** The chat as `viewerId` sees it; `ChatForbidden`/`ChannelForbidden` when they are not a member. */
  toApiChat(id: number, viewerId: number): Api.TypeChat {
    const row = this.get(id);
    if (!row) return new Api.ChatEmpty({ id: long(id) });
    const member = this.isMember(id, viewerId);
    if (row.kind === 'chat') {
      if (!member) return new Api.ChatForbidden({ id: long(id), title: row.title });
      return new Api.Chat({
        id: long(id),
        title: row.title,
        photo: new Api.ChatPhotoEmpty(),
        participantsCount: this.members(id).length,
        date: row.date,
        version: 1,
        creator: row.creatorId === viewerId,
      });
    }
    if (!member) return new Api.ChannelForbidden({ id: long(id), accessHash: long(row.accessHash), title: row.title, megagroup: row.megagroup });
    return new Api.Channel({
      id: long(id),
      accessHash: long(row.accessHash),
      title: row.title,
      photo: new Api.ChatPhotoEmpty(),
      date: row.date,
      megagroup: row.megagroup,
      creator: row.creatorId === viewerId,
      participantsCount: this.members(id).length,
    });
  }
}
