/**
 * GramJS update objects as the plain-data Incoming the bot handles and the inbox stores. Pure, so
 * the translation is tested without a network. An update reaches here after the update engine
 * ordered it: live ones as updates, recovered ones (getDifference's new_messages) as bare messages.
 */
import { Api, utils } from 'telegram';
import type { ChatRef } from '../../domain/chat.js';
import type { Incoming } from '../../domain/incoming.js';
import type { MediaRef } from '../../domain/media.js';

/** The users and chats that came with an update, keyed by GramJS peer id ("1001", "-555", "-100777"). */
export type Entities = Map<string, unknown>;

/** Builds the entity map from a container's or difference page's users and chats. */
export function entitiesOf(users: readonly unknown[], chats: readonly unknown[]): Entities {
  const map: Entities = new Map();
  for (const entity of [...users, ...chats]) {
    if (entity instanceof Api.User || entity instanceof Api.Chat || entity instanceof Api.Channel) map.set(utils.getPeerId(entity), entity);
  }
  return map;
}

export interface ToIncomingOptions {
  /** Reads the file of a media message (src/telegram/files/mediaRef.ts); without it media is ignored. */
  mediaOf?: (message: Api.Message) => MediaRef | null;
}

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
export function toIncoming(
  update: unknown,
  entities?: Entities,
  nowSec: number = Math.floor(Date.now() / 1000),
  options: ToIncomingOptions = {},
): Incoming | null {
  // getDifference lists new messages bare, not wrapped in updateNewMessage.
  if (update instanceof Api.Message) return fromMessage(update, entities, options);
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
    return update.message instanceof Api.Message ? fromMessage(update.message, entities, options) : null;
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

function fromMessage(m: Api.Message, entities: Entities | undefined, options: ToIncomingOptions): Incoming | null {
  if (m.out) return null;
  const chat = chatOf(m.peerId, entities);
  const senderId = m.fromId instanceof Api.PeerUser ? m.fromId.userId.toString() : chat.id;
  const { langCode } = userInfo(entities, senderId);
  const media = m.media && options.mediaOf ? options.mediaOf(m) : null;
  return {
    kind: 'message',
    updateKey: key(chat, m.id),
    chat,
    senderId,
    messageId: m.id,
    text: m.message ?? '',
    date: m.date,
    ...(langCode ? { langCode } : {}),
    ...(media ? { media } : {}),
  };
}
