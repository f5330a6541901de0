/**
 * messages.* methods: send, send media, edit, delete, get, read, callback answers, chats, dialogs.
 * Each handler turns the request into world calls; the world decides pts, ids and pushes.
 */
import { Api } from 'telegram';
import { RpcError } from '../contract.js';
import { long, num } from '../world/db.js';
import { channelBox, userBox } from '../world/messageStore.js';
import { dialogFor } from '../world/dialogs.js';
import { forViewer, type SendInput } from '../world/messages.js';
import type { RpcMethod } from './dispatch.js';
import { messageIdsOf, peerOf } from './peers.js';

const method = <R>(fn: (req: R, call: Parameters<RpcMethod>[1]) => ReturnType<RpcMethod>): RpcMethod => fn as RpcMethod;

function replyToOf(r: Api.TypeInputReplyTo | undefined): number | undefined {
  return r instanceof Api.InputReplyToMessage ? r.replyToMsgId : undefined;
}

function sendInput(req: { randomId?: { toString(): string }; replyTo?: Api.TypeInputReplyTo; replyMarkup?: Api.TypeReplyMarkup; entities?: Api.TypeMessageEntity[]; silent?: boolean }): Omit<SendInput, 'text'> {
  const replyToMsgId = replyToOf(req.replyTo);
  return {
    ...(req.randomId != null ? { randomId: BigInt(req.randomId.toString()) } : {}),
    ...(replyToMsgId !== undefined ? { replyToMsgId } : {}),
    ...(req.replyMarkup ? { replyMarkup: req.replyMarkup } : {}),
    ...(req.entities ? { entities: req.entities } : {}),
    ...(req.silent ? { silent: true } : {}),
  };
}

export const messagesHandlers: Record<string, RpcMethod> = {
  'messages.SendMessage': method<Api.messages.SendMessage>((req, { world, userId, ctx }) =>
    // SIMPLIFICATION: no_webpage is accepted and ignored: the emulator never builds link previews.
    world.messages.send(userId, peerOf(userId, req.peer), { ...sendInput(req), text: req.message }, ctx.authKeyId),
  ),

  'messages.SendMedia': method<Api.messages.SendMedia>((req, { world, userId, ctx }) => {
    // A repeated random_id is refused before the upload is turned into media: building the media
    // consumes the uploaded parts, and the repeat must still get RANDOM_ID_DUPLICATE.
    if (req.randomId != null && world.store.wasSent(userId, BigInt(req.randomId.toString()))) throw new RpcError(500, 'RANDOM_ID_DUPLICATE');
    const media = world.resolveMedia(userId, req.media);
    return world.messages.send(userId, peerOf(userId, req.peer), { ...sendInput(req), text: req.message, media }, ctx.authKeyId);
  }),

  'messages.EditMessage': method<Api.messages.EditMessage>((req, { world, userId, ctx }) => {
    const media = req.media ? world.resolveMedia(userId, req.media) : undefined;
    return world.messages.edit(
      userId,
      peerOf(userId, req.peer),
      req.id,
      {
        ...(req.message != null ? { text: req.message } : {}),
        ...(req.entities != null ? { entities: req.entities } : {}),
        ...(req.replyMarkup != null ? { replyMarkup: req.replyMarkup } : {}),
        ...(media ? { media } : {}),
      },
      ctx.authKeyId,
    );
  }),

  'messages.DeleteMessages': method<Api.messages.DeleteMessages>((req, { world, userId, ctx }) => world.messages.delete(userId, req.id, req.revoke ?? false, ctx.authKeyId)),

  'messages.GetMessages': method<Api.messages.GetMessages>((req, { world, userId }) => {
    const { messages, found } = world.messages.byIds(userId, userBox(userId), messageIdsOf(req.id));
    return new Api.messages.Messages({ messages, ...world.messages.entitiesOf(userId, found) });
  }),

  // core.telegram.org/method/messages.getHistory: users only; bots get BOT_METHOD_INVALID.
  // SIMPLIFICATION: add_offset and offset_date are ignored; the page is at most 100 messages.
  'messages.GetHistory': method<Api.messages.GetHistory>((req, { world, userId }) => {
    if (world.users.isBot(userId)) throw new RpcError(400, 'BOT_METHOD_INVALID');
    const peer = peerOf(userId, req.peer);
    const box = 'channel' in peer ? channelBox(peer.channel) : userBox(userId);
    const limit = Math.max(1, Math.min(req.limit || 100, 100));
    const found = world.store.history(box, peer, { offsetId: req.offsetId, minId: req.minId, maxId: req.maxId, limit });
    return new Api.messages.Messages({ messages: found.map((m) => forViewer(m, userId)), ...world.messages.entitiesOf(userId, found) });
  }),

  'messages.ReadHistory': method<Api.messages.ReadHistory>((req, { world, userId }) => world.messages.readHistory(userId, peerOf(userId, req.peer), req.maxId)),

  'messages.GetBotCallbackAnswer': method<Api.messages.GetBotCallbackAnswer>((req, { world, userId }) => {
    // SIMPLIFICATION: game buttons and password-protected buttons are not modelled.
    return world.callbacks.ask(userId, peerOf(userId, req.peer), Number(req.msgId), req.data ? Buffer.from(req.data) : undefined);
  }),

  'messages.SetBotCallbackAnswer': method<Api.messages.SetBotCallbackAnswer>((req, { world, userId }) => {
    if (!world.users.isBot(userId)) throw new RpcError(400, 'USER_BOT_REQUIRED');
    world.callbacks.answer(userId, BigInt(req.queryId.toString()), {
      cacheTime: req.cacheTime,
      ...(req.message != null ? { message: req.message } : {}),
      ...(req.alert ? { alert: true } : {}),
      ...(req.url != null ? { url: req.url } : {}),
    });
    return true;
  }),

  'messages.GetChats': method<Api.messages.GetChats>((req, { world, userId }) => new Api.messages.Chats({ chats: req.id.map((id) => world.chats.toApiChat(num(id), userId)) })),

  'messages.GetFullChat': method<Api.messages.GetFullChat>((req, { world, userId }) => {
    const id = num(req.chatId);
    world.chats.require('chat', id);
    const members = world.chats.members(id);
    const participants = new Api.ChatParticipants({
      chatId: long(id),
      participants: members.map((m) => new Api.ChatParticipant({ userId: long(m), inviterId: long(m), date: 0 })),
      version: 1,
    });
    const fullChat = new Api.ChatFull({ id: long(id), about: '', participants, notifySettings: new Api.PeerNotifySettings({}) });
    return new Api.messages.ChatFull({ fullChat, ...world.messages.entities(userId, members, [id]) });
  }),

  'messages.GetDialogs': method<Api.messages.GetDialogs>((req, { world, userId }) => dialogsOf(world, userId, Math.max(1, Math.min(req.limit || 100, 100)))),

  'messages.GetPeerDialogs': method<Api.messages.GetPeerDialogs>((req, { world, userId }) => {
    // SIMPLIFICATION: only the dialogs that hold at least one message are returned.
    const wanted = new Set(
      req.peers.filter((p): p is Api.InputDialogPeer => p instanceof Api.InputDialogPeer).map((p) => JSON.stringify(peerOf(userId, p.peer))),
    );
    const all = dialogsOf(world, userId, 1000);
    const dialogs = all.dialogs.filter((d) => d instanceof Api.Dialog && wanted.has(JSON.stringify(peerRefOf(d.peer))));
    return new Api.messages.PeerDialogs({ dialogs, messages: all.messages, chats: all.chats, users: all.users, state: world.differences.state(userId) });
  }),
};

function peerRefOf(p: Api.TypePeer): object {
  if (p instanceof Api.PeerUser) return { user: num(p.userId) };
  if (p instanceof Api.PeerChat) return { chat: num(p.chatId) };
  return { channel: num((p as Api.PeerChannel).channelId) };
}

/**
 * messages.getDialogs, minimal: the account's private chats and basic groups by newest message,
 * then its supergroups. SIMPLIFICATION: no offsets (one page), no folders, no pinned dialogs.
 */
function dialogsOf(world: Parameters<RpcMethod>[1]['world'], userId: number, limit: number): Api.messages.Dialogs {
  const dialogs: Api.Dialog[] = [];
  const tops = [];
  for (const c of world.store.conversations(userBox(userId), limit)) {
    const top = world.store.get(userBox(userId), c.topId);
    if (top) tops.push(top);
    dialogs.push(dialogFor(c.peer, c.topId));
  }
  for (const channelId of world.chats.channelsOf(userId)) {
    const top = world.store.latest(channelBox(channelId), 1)[0];
    if (top) tops.push(top);
    dialogs.push(dialogFor({ channel: channelId }, top?.id ?? 0, world.updates.channelPts(channelId)));
  }
  const messages = tops.map((s) => world.messages.byIds(userId, s.box, [s.id]).messages[0]!);
  return new Api.messages.Dialogs({ dialogs, messages, ...world.messages.entitiesOf(userId, tops) });
}
