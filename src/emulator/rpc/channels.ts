/**
 * channels.* methods for supergroups: getMessages, getChannels, getFullChannel, deleteMessages,
 * readHistory. Broadcast channels are not modelled.
 */
import { Api } from 'telegram';
import { RpcError } from '../contract.js';
import { long } from '../world/db.js';
import { channelBox } from '../world/messageStore.js';
import type { RpcMethod } from './dispatch.js';
import { channelOf, messageIdsOf } from './peers.js';

const method = <R>(fn: (req: R, call: Parameters<RpcMethod>[1]) => ReturnType<RpcMethod>): RpcMethod => fn as RpcMethod;

export const channelsHandlers: Record<string, RpcMethod> = {
  'channels.GetMessages': method<Api.channels.GetMessages>((req, { world, userId }) => {
    const channelId = channelOf(req.channel);
    world.chats.require('channel', channelId);
    if (!world.chats.isMember(channelId, userId)) throw new RpcError(406, 'CHANNEL_PRIVATE');
    const { messages, found } = world.messages.byIds(userId, channelBox(channelId), messageIdsOf(req.id));
    const ents = world.messages.entitiesOf(userId, found);
    return new Api.messages.ChannelMessages({
      pts: world.updates.channelPts(channelId),
      count: messages.length,
      messages,
      topics: [],
      chats: ents.chats.length ? ents.chats : [world.chats.toApiChat(channelId, userId)],
      users: ents.users,
    });
  }),

  'channels.GetChannels': method<Api.channels.GetChannels>((req, { world, userId }) => new Api.messages.Chats({ chats: req.id.map((c) => world.chats.toApiChat(channelOf(c), userId)) })),

  'channels.GetFullChannel': method<Api.channels.GetFullChannel>((req, { world, userId }) => {
    const channelId = channelOf(req.channel);
    world.chats.require('channel', channelId);
    if (!world.chats.isMember(channelId, userId)) throw new RpcError(406, 'CHANNEL_PRIVATE');
    const top = world.store.latest(channelBox(channelId), 1)[0]?.id ?? 0;
    const members = world.chats.members(channelId);
    // SIMPLIFICATION: a minimal ChannelFull: no photo, no invite link, no bot info.
    const fullChat = new Api.ChannelFull({
      id: long(channelId),
      about: '',
      participantsCount: members.length,
      readInboxMaxId: top,
      readOutboxMaxId: top,
      unreadCount: 0,
      chatPhoto: new Api.PhotoEmpty({ id: long(0) }),
      notifySettings: new Api.PeerNotifySettings({}),
      botInfo: [],
      pts: world.updates.channelPts(channelId),
    });
    return new Api.messages.ChatFull({ fullChat, ...world.messages.entities(userId, [userId], [channelId]) });
  }),

  'channels.DeleteMessages': method<Api.channels.DeleteMessages>((req, { world, userId, ctx }) => world.messages.deleteInChannel(userId, channelOf(req.channel), req.id, ctx.authKeyId)),

  'channels.ReadHistory': method<Api.channels.ReadHistory>((req, { world, userId }) => {
    const channelId = channelOf(req.channel);
    if (!world.chats.isMember(channelId, userId)) throw new RpcError(406, 'CHANNEL_PRIVATE');
    // SIMPLIFICATION: read state of supergroups is not tracked.
    return true;
  }),
};
