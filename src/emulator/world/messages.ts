/**
 * Sending, editing, deleting and reading messages, and the update each participant gets.
 *
 * One send = one transaction: claim the random_id, write one copy per participant box, advance
 * each participant's pts (or the supergroup's pts), log the updates; then push, in the shapes
 * Telegram uses (core.telegram.org/api/updates and the constructors' pages):
 * - private chat, text without media or reply markup: updateShortMessage (out for the sender's
 *   other sessions); basic group likewise: updateShortChatMessage;
 * - anything else: an `updates` container (with users, chats and the account's seq) holding
 *   updateNewMessage, or updateNewChannelMessage for a supergroup (seq 0: channel box);
 * - the sender's own result: updateShortSentMessage when a short update was possible, otherwise
 *   `updates` with updateMessageID (random_id -> id) and the new-message update.
 */
import { Api } from 'telegram';
import { RpcError } from '../contract.js';
import type { TLObject } from '../contract.js';
import { long, readTl, type Db } from './db.js';
import type { Chats, PeerRef, UserDirectory } from './chats.js';
import { channelBox, type MessageStore, type StoredMessage, toApiPeer, userBox, type Box } from './messageStore.js';
import type { LivePush, UpdateLog } from './updates.js';

export interface SendInput {
  text: string;
  randomId?: bigint | null;
  /** Message id in the sender's view of the conversation. */
  replyToMsgId?: number;
  entities?: Api.TypeMessageEntity[];
  replyMarkup?: Api.TypeReplyMarkup;
  media?: Api.TypeMessageMedia;
  silent?: boolean;
}

export interface EditInput {
  text?: string;
  entities?: Api.TypeMessageEntity[];
  replyMarkup?: Api.TypeReplyMarkup;
  media?: Api.TypeMessageMedia;
}

/** Throws RpcError(420, FLOOD_WAIT_X) when a send exceeds a limit (bots only; see index.ts). */
export type FloodGate = (senderId: number, peer: PeerRef) => void;

export interface MessagingDeps {
  db: Db;
  store: MessageStore;
  chats: Chats;
  users: UserDirectory;
  log: UpdateLog;
  push: LivePush;
  nowSec: () => number;
  flood?: FloodGate;
}

const peerKey = (p: PeerRef): string => ('user' in p ? `u${p.user}` : 'chat' in p ? `g${p.chat}` : `c${p.channel}`);

/** A copy of a stored message as `viewerId` sees it (out flag). */
export function forViewer(s: StoredMessage, viewerId: number): Api.Message {
  if (s.box.startsWith('u')) return s.message;
  const m = readTl<Api.Message>(s.message.getBytes());
  m.out = s.fromId === viewerId;
  return m;
}

export class Messaging {
  constructor(private readonly d: MessagingDeps) {}

  /** Users and chats a client needs to make sense of the given peers. */
  entities(viewerId: number, userIds: Iterable<number>, chatIds: Iterable<number>): { users: Api.TypeUser[]; chats: Api.TypeChat[] } {
    const users = [...new Set(userIds)].filter((id) => this.d.users.exists(id)).map((id) => this.d.users.toApiUser(id, viewerId));
    const chats = [...new Set(chatIds)].map((id) => this.d.chats.toApiChat(id, viewerId));
    return { users, chats };
  }

  entitiesOf(viewerId: number, messages: StoredMessage[]): { users: Api.TypeUser[]; chats: Api.TypeChat[] } {
    const users: number[] = [viewerId];
    const chats: number[] = [];
    for (const m of messages) {
      users.push(m.fromId);
      if ('user' in m.peer) users.push(m.peer.user);
      else chats.push('chat' in m.peer ? m.peer.chat : m.peer.channel);
    }
    return this.entities(viewerId, users, chats);
  }

  private container(viewerId: number, updates: Api.TypeUpdate[], userIds: number[], chatIds: number[], seq: number): Api.Updates {
    const { users, chats } = this.entities(viewerId, userIds, chatIds);
    return new Api.Updates({ updates, users, chats, date: this.d.nowSec(), seq });
  }

  /** Sends a message as `senderId`; returns the sender's result. `authKeyId` is the calling session (not pushed to). */
  send(senderId: number, peer: PeerRef, input: SendInput, authKeyId?: bigint): Api.TypeUpdates {
    if (!input.media && input.text.length === 0) throw new RpcError(400, 'MESSAGE_EMPTY');
    // messages.sendMessage: MESSAGE_TOO_LONG above 4096 UTF-8 characters (api/bots limits).
    if (input.text.length > 4096) throw new RpcError(400, 'MESSAGE_TOO_LONG');
    const participants = this.participants(senderId, peer);
    this.d.flood?.(senderId, peer);
    const short = !input.media && !input.replyMarkup;
    const date = this.d.nowSec();
    type Out = { owner: number; update: Api.UpdateNewMessage | Api.UpdateNewChannelMessage; stored: StoredMessage };
    const outs = this.d.db.transaction((): Out[] => {
      const origin = this.d.store.claimSend(senderId, input.randomId ?? null, date);
      const replyOrigin = input.replyToMsgId === undefined ? undefined : this.d.store.get(this.senderBox(senderId, peer), input.replyToMsgId)?.origin;
      const boxes: { box: Box; owner: number; view: PeerRef }[] =
        'channel' in peer
          ? [{ box: channelBox(peer.channel), owner: 0, view: peer }]
          : participants.map((owner) => ({ box: userBox(owner), owner, view: 'user' in peer ? { user: owner === senderId ? peer.user : senderId } : peer }));
      return boxes.map(({ box, owner, view }) => {
        const replyTo = replyOrigin === undefined ? undefined : this.d.store.copyIn(box, replyOrigin)?.id;
        const message = new Api.Message({
          id: this.d.store.nextId(box),
          out: owner === senderId,
          peerId: toApiPeer(view, long),
          fromId: new Api.PeerUser({ userId: long(senderId) }),
          date,
          message: input.text,
          ...(input.entities?.length ? { entities: input.entities } : {}),
          ...(input.replyMarkup ? { replyMarkup: input.replyMarkup } : {}),
          ...(input.media ? { media: input.media } : {}),
          ...(replyTo !== undefined ? { replyTo: new Api.MessageReplyHeader({ replyToMsgId: replyTo }) } : {}),
          ...(input.silent ? { silent: true } : {}),
        });
        this.d.store.insert(box, origin, view, senderId, message);
        const stored: StoredMessage = { box, id: message.id, origin, fromId: senderId, peer: view, message };
        const update =
          'channel' in peer
            ? this.d.log.appendChannel(peer.channel, 1, (pts) => new Api.UpdateNewChannelMessage({ message, pts, ptsCount: 1 }))
            : this.d.log.appendPts(owner, 1, (pts) => new Api.UpdateNewMessage({ message, pts, ptsCount: 1 }));
        return { owner, update, stored };
      });
    })();

    if ('channel' in peer) {
      const out = outs[0]!;
      const chats = [peer.channel];
      for (const member of participants) {
        const upd = new Api.UpdateNewChannelMessage({ message: forViewer(out.stored, member), pts: out.update.pts, ptsCount: 1 });
        // SIMPLIFICATION: channel containers carry seq 0 (they are ordered by the channel's pts).
        const c = this.container(member, [upd], [senderId], chats, 0);
        this.d.push.toChannelMember(member, peer.channel, c, member === senderId ? authKeyId : undefined);
      }
      const mine = new Api.UpdateNewChannelMessage({ message: forViewer(out.stored, senderId), pts: out.update.pts, ptsCount: 1 });
      const idUpdate = new Api.UpdateMessageID({ id: out.stored.id, randomId: long(input.randomId ?? 0n) });
      return this.container(senderId, [idUpdate, mine], [senderId], chats, 0);
    }

    let result: Api.TypeUpdates | undefined;
    const userIds = 'user' in peer ? [senderId, peer.user] : [senderId];
    const chatIds = 'chat' in peer ? [peer.chat] : [];
    for (const { owner, update, stored } of outs) {
      const m = stored.message;
      const isSender = owner === senderId;
      let live: TLObject;
      if (short) {
        const common = { out: isSender, id: m.id, message: m.message, pts: update.pts, ptsCount: 1, date, entities: m.entities, replyTo: m.replyTo, silent: m.silent };
        live =
          'chat' in peer
            ? new Api.UpdateShortChatMessage({ ...common, fromId: long(senderId), chatId: long(peer.chat) })
            : new Api.UpdateShortMessage({ ...common, userId: long(isSender ? (peer as { user: number }).user : senderId) });
        if (isSender) result = new Api.UpdateShortSentMessage({ out: true, id: m.id, pts: update.pts, ptsCount: 1, date, entities: m.entities });
      } else {
        const seq = this.d.log.nextSeq(owner);
        live = this.container(owner, [update], userIds, chatIds, seq);
        if (isSender) {
          const idUpdate = new Api.UpdateMessageID({ id: m.id, randomId: long(input.randomId ?? 0n) });
          result = this.container(owner, [idUpdate, update], userIds, chatIds, seq);
        }
      }
      this.d.push.toUser(owner, live, isSender ? authKeyId : undefined);
    }
    if (!result) throw new Error('send produced no copy for the sender');
    return result;
  }

  /** The accounts that receive a copy; also checks the sender may write there. */
  participants(senderId: number, peer: PeerRef): number[] {
    if ('user' in peer) {
      if (!this.d.users.exists(peer.user)) throw new RpcError(400, 'PEER_ID_INVALID');
      // api/bots: a bot cannot start a conversation with another bot.
      if (this.d.users.isBot(senderId) && this.d.users.isBot(peer.user) && senderId !== peer.user) throw new RpcError(400, 'USER_IS_BOT');
      return senderId === peer.user ? [senderId] : [senderId, peer.user];
    }
    const id = 'chat' in peer ? peer.chat : peer.channel;
    this.d.chats.require('chat' in peer ? 'chat' : 'channel', id);
    if (!this.d.chats.isMember(id, senderId)) throw new RpcError(403, 'CHAT_WRITE_FORBIDDEN');
    return this.d.chats.members(id);
  }

  private senderBox(senderId: number, peer: PeerRef): Box {
    return 'channel' in peer ? channelBox(peer.channel) : userBox(senderId);
  }

  /** A live message in `viewerId`'s view of `peer`, or MESSAGE_ID_INVALID. */
  find(viewerId: number, peer: PeerRef, id: number): StoredMessage {
    if ('channel' in peer && !this.d.chats.isMember(peer.channel, viewerId)) throw new RpcError(406, 'CHANNEL_PRIVATE');
    const s = this.d.store.get(this.senderBox(viewerId, peer), id);
    if (!s || peerKey(s.peer) !== peerKey(peer)) throw new RpcError(400, 'MESSAGE_ID_INVALID');
    return s;
  }

  /** messages.editMessage: text and/or reply markup; MESSAGE_NOT_MODIFIED when nothing changes. */
  edit(editorId: number, peer: PeerRef, id: number, change: EditInput, authKeyId?: bigint): Api.TypeUpdates {
    const target = this.find(editorId, peer, id);
    if (target.fromId !== editorId) throw new RpcError(403, 'MESSAGE_AUTHOR_REQUIRED');
    // An edit by a bot that leaves reply_markup out removes the message's inline keyboard, as on
    // Telegram (the Bot API's editMessageText: the keyboard is part of what an edit replaces).
    // SIMPLIFICATION: users' edits keep the markup (users' messages carry none here anyway).
    if (change.replyMarkup === undefined && target.message.replyMarkup && this.d.users.isBot(editorId)) {
      change = { ...change, replyMarkup: new Api.ReplyInlineMarkup({ rows: [] }) };
    }
    if (!isModified(target.message, change)) throw new RpcError(400, 'MESSAGE_NOT_MODIFIED');
    const date = this.d.nowSec();
    const apply = (m: Api.Message): Api.Message => {
      const n = readTl<Api.Message>(m.getBytes());
      if (change.text !== undefined) {
        n.message = change.text;
        n.entities = change.entities?.length ? change.entities : undefined;
      } else if (change.entities !== undefined) n.entities = change.entities.length ? change.entities : undefined;
      if (change.replyMarkup !== undefined) n.replyMarkup = isEmptyMarkup(change.replyMarkup) ? undefined : change.replyMarkup;
      if (change.media !== undefined) n.media = change.media;
      n.editDate = date;
      return n;
    };
    if ('channel' in peer) {
      const edited = apply(target.message);
      const update = this.d.db.transaction(() => {
        this.d.store.replace(target.box, edited);
        return this.d.log.appendChannel(peer.channel, 1, (pts) => new Api.UpdateEditChannelMessage({ message: edited, pts, ptsCount: 1 }));
      })();
      const stored = { ...target, message: edited };
      for (const member of this.d.chats.members(peer.channel)) {
        const upd = new Api.UpdateEditChannelMessage({ message: forViewer(stored, member), pts: update.pts, ptsCount: 1 });
        this.d.push.toChannelMember(member, peer.channel, this.container(member, [upd], [editorId], [peer.channel], 0), member === editorId ? authKeyId : undefined);
      }
      return this.container(editorId, [new Api.UpdateEditChannelMessage({ message: forViewer(stored, editorId), pts: update.pts, ptsCount: 1 })], [editorId], [peer.channel], 0);
    }
    const edits = this.d.db.transaction(() =>
      this.d.store.copies(target.origin).map((copy) => {
        const edited = apply(copy.message);
        this.d.store.replace(copy.box, edited);
        const owner = Number(copy.box.slice(1));
        return { owner, update: this.d.log.appendPts(owner, 1, (pts) => new Api.UpdateEditMessage({ message: edited, pts, ptsCount: 1 })), peer: copy.peer };
      }),
    )();
    let result: Api.TypeUpdates | undefined;
    for (const e of edits) {
      const users = 'user' in e.peer ? [e.owner, e.peer.user] : [e.owner, editorId];
      const c = this.container(e.owner, [e.update], users, 'chat' in e.peer ? [e.peer.chat] : [], this.d.log.nextSeq(e.owner));
      this.d.push.toUser(e.owner, c, e.owner === editorId ? authKeyId : undefined);
      if (e.owner === editorId) result = c;
    }
    return result!;
  }

  /**
   * messages.deleteMessages. With `revoke` the other participants' copies go too.
   * SIMPLIFICATION: no 48-hour limit and no admin rights check on revoke.
   */
  delete(userId: number, ids: number[], revoke: boolean, authKeyId?: bigint): Api.messages.AffectedMessages {
    const found = ids.map((id) => this.d.store.get(userBox(userId), id)).filter((s): s is StoredMessage => s !== undefined);
    if (found.length === 0) return new Api.messages.AffectedMessages({ pts: this.d.log.state(userId).pts, ptsCount: 0 });
    const perOwner = new Map<number, number[]>();
    for (const s of found) {
      const copies = revoke ? this.d.store.copies(s.origin) : [s];
      for (const c of copies) {
        const owner = Number(c.box.slice(1));
        perOwner.set(owner, [...(perOwner.get(owner) ?? []), c.id]);
      }
    }
    const updates = this.d.db.transaction(() =>
      [...perOwner].map(([owner, list]) => {
        for (const id of list) this.d.store.markDeleted(userBox(owner), id);
        return { owner, update: this.d.log.appendPts(owner, list.length, (pts) => new Api.UpdateDeleteMessages({ messages: list, pts, ptsCount: list.length })) };
      }),
    )();
    let mine: Api.UpdateDeleteMessages | undefined;
    for (const { owner, update } of updates) {
      this.d.push.short(owner, update, owner === userId ? authKeyId : undefined);
      if (owner === userId) mine = update;
    }
    return new Api.messages.AffectedMessages({ pts: mine!.pts, ptsCount: mine!.ptsCount });
  }

  /** channels.deleteMessages. */
  deleteInChannel(userId: number, channelId: number, ids: number[], authKeyId?: bigint): Api.messages.AffectedMessages {
    const found = ids.map((id) => this.find(userId, { channel: channelId }, id));
    const update = this.d.db.transaction(() => {
      for (const s of found) this.d.store.markDeleted(s.box, s.id);
      return this.d.log.appendChannel(channelId, found.length, (pts) => new Api.UpdateDeleteChannelMessages({ channelId: long(channelId), messages: ids, pts, ptsCount: found.length }));
    })();
    for (const member of this.d.chats.members(channelId)) {
      this.d.push.toChannelMember(member, channelId, this.container(member, [update], [], [channelId], 0), member === userId ? authKeyId : undefined);
    }
    return new Api.messages.AffectedMessages({ pts: update.pts, ptsCount: update.ptsCount });
  }

  /** messages.readHistory: advances the reader's pts by 1 (updateReadHistoryInbox). */
  readHistory(userId: number, peer: PeerRef, maxId: number): Api.messages.AffectedMessages {
    const update = this.d.db.transaction(() =>
      this.d.log.appendPts(userId, 1, (pts) => new Api.UpdateReadHistoryInbox({ peer: toApiPeer(peer, long), maxId, stillUnreadCount: 0, pts, ptsCount: 1 })),
    )();
    // SIMPLIFICATION: the other side gets no updateReadHistoryOutbox.
    return new Api.messages.AffectedMessages({ pts: update.pts, ptsCount: 1 });
  }

  /** Messages of the viewer's own box by id; MessageEmpty for ids that do not exist. */
  byIds(viewerId: number, box: Box, ids: number[]): { messages: Api.TypeMessage[]; found: StoredMessage[] } {
    const found: StoredMessage[] = [];
    const messages = ids.map((id) => {
      const s = this.d.store.get(box, id);
      if (!s) return new Api.MessageEmpty({ id });
      found.push(s);
      return forViewer(s, viewerId);
    });
    return { messages, found };
  }
}

function sameBytes(a: { getBytes(): Buffer } | undefined, b: { getBytes(): Buffer } | undefined): boolean {
  if (!a || !b) return a === b;
  return a.getBytes().equals(b.getBytes());
}

function isEmptyMarkup(markup: Api.TypeReplyMarkup): boolean {
  return markup instanceof Api.ReplyInlineMarkup && markup.rows.length === 0;
}

function isModified(m: Api.Message, change: EditInput): boolean {
  if (change.text !== undefined && change.text !== m.message) return true;
  const entitiesNow = Buffer.concat((m.entities ?? []).map((e) => e.getBytes()));
  if (change.entities !== undefined && !Buffer.concat(change.entities.map((e) => e.getBytes())).equals(entitiesNow)) return true;
  if (change.replyMarkup !== undefined && !sameBytes(isEmptyMarkup(change.replyMarkup) ? undefined : change.replyMarkup, m.replyMarkup)) return true;
  if (change.media !== undefined) return true;
  return false;
}
