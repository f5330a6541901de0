/**
 * The bot's feed of incoming messages and button presses, straight from GramJS's live updates.
 * Temporary by design: the update engine with durable catch-up replaces the source of this feed,
 * so everything the rest of Courier knows about it is `onIncoming(handler)` and the plain-data
 * Incoming it delivers. `toIncoming` is pure so the translation is tested without a network.
 */
import { Api, type TelegramClient } from 'telegram';
import { Raw } from 'telegram/events/index.js';
import type { ChatRef, Incoming } from '../bot/port.js';

/** GramJS attaches the users and chats of the enclosing Updates container, keyed by peer id. */
type Entities = Map<string, unknown>;

function userInfo(entities: Entities | undefined, userId: string): { accessHash?: string; langCode?: string } {
  const user = entities?.get(userId);
  if (!(user instanceof Api.User)) return {};
  return {
    ...(user.accessHash !== undefined ? { accessHash: user.accessHash.toString() } : {}),
    ...(user.langCode ? { langCode: user.langCode } : {}),
  };
}

function chatOf(peer: Api.TypePeer, entities: Entities | undefined): ChatRef {
  if (peer instanceof Api.PeerUser) {
    const { accessHash } = userInfo(entities, peer.userId.toString());
    return { kind: 'user', id: peer.userId.toString(), ...(accessHash !== undefined ? { accessHash } : {}) };
  }
  if (peer instanceof Api.PeerChat) return { kind: 'chat', id: peer.chatId.toString() };
  const id = peer.channelId.toString();
  const channel = entities?.get(`-100${id}`);
  const accessHash = channel instanceof Api.Channel && channel.accessHash !== undefined ? channel.accessHash.toString() : undefined;
  return { kind: 'channel', id, ...(accessHash !== undefined ? { accessHash } : {}) };
}

const key = (chat: ChatRef, messageId: number) => `msg:${chat.kind}:${chat.id}:${messageId}`;

/** One update (already taken out of its container) as Incoming; null for everything the bot ignores. */
export function toIncoming(update: unknown, entities?: Entities, nowSec: number = Math.floor(Date.now() / 1000)): Incoming | null {
  if (update instanceof Api.UpdateShortMessage) {
    if (update.out) return null;
    const senderId = update.userId.toString();
    const info = userInfo(entities, senderId);
    const chat: ChatRef = { kind: 'user', id: senderId, ...(info.accessHash !== undefined ? { accessHash: info.accessHash } : {}) };
    return { kind: 'message', updateKey: key(chat, update.id), chat, senderId, messageId: update.id, text: update.message, date: update.date, ...(info.langCode ? { langCode: info.langCode } : {}) };
  }
  if (update instanceof Api.UpdateShortChatMessage) {
    if (update.out) return null;
    const chat: ChatRef = { kind: 'chat', id: update.chatId.toString() };
    const senderId = update.fromId.toString();
    const { langCode } = userInfo(entities, senderId);
    return { kind: 'message', updateKey: key(chat, update.id), chat, senderId, messageId: update.id, text: update.message, date: update.date, ...(langCode ? { langCode } : {}) };
  }
  if (update instanceof Api.UpdateNewMessage || update instanceof Api.UpdateNewChannelMessage) {
    const m = update.message;
    if (!(m instanceof Api.Message) || m.out) return null;
    const chat = chatOf(m.peerId, entities);
    const senderId = m.fromId instanceof Api.PeerUser ? m.fromId.userId.toString() : chat.id;
    const { langCode } = userInfo(entities, senderId);
    return { kind: 'message', updateKey: key(chat, m.id), chat, senderId, messageId: m.id, text: m.message ?? '', date: m.date, ...(langCode ? { langCode } : {}) };
  }
  if (update instanceof Api.UpdateBotCallbackQuery) {
    const senderId = update.userId.toString();
    const { langCode } = userInfo(entities, senderId);
    return {
      kind: 'callback',
      updateKey: `cb:${update.queryId.toString()}`,
      chat: chatOf(update.peer, entities),
      senderId,
      queryId: update.queryId.toString(),
      messageId: update.msgId,
      data: update.data ? Buffer.from(update.data).toString('utf8') : '',
      date: nowSec, // callback queries carry no date
      ...(langCode ? { langCode } : {}),
    };
  }
  return null;
}

/** Calls `handler` for each incoming message or callback query; returns the unsubscribe function. */
export function onIncoming(client: TelegramClient, handler: (incoming: Incoming) => void): () => void {
  const event = new Raw({});
  // The most recent language seen per user: short updates carry no user object.
  const langs = new Map<string, string>();
  const callback = (update: unknown): void => {
    const entities = (update as { _entities?: Entities })._entities;
    const incoming = toIncoming(update, entities);
    if (!incoming) return;
    if (incoming.langCode) langs.set(incoming.senderId, incoming.langCode);
    else {
      const known = langs.get(incoming.senderId);
      if (known) incoming.langCode = known;
    }
    handler(incoming);
  };
  client.addEventHandler(callback, event);
  return () => client.removeEventHandler(callback, event);
}
