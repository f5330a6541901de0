/**
 * The Dialog constructor as the world hands it out (messages.getDialogs, getPeerDialogs and
 * channelDifferenceTooLong all describe a conversation the same way).
 */
import { Api } from 'telegram';
import type { PeerRef } from './chats.js';
import { long } from './db.js';
import { toApiPeer } from './messageStore.js';

// SIMPLIFICATION: read state is not tracked per dialog, so everything up to the top message
// counts as read and nothing is unread; notify settings are the defaults.
export function dialogFor(peer: PeerRef, topMessage: number, pts?: number): Api.Dialog {
  return new Api.Dialog({
    peer: toApiPeer(peer, long),
    topMessage,
    readInboxMaxId: topMessage,
    readOutboxMaxId: topMessage,
    unreadCount: 0,
    unreadMentionsCount: 0,
    unreadReactionsCount: 0,
    notifySettings: new Api.PeerNotifySettings({}),
    ...(pts !== undefined ? { pts } : {}),
  });
}
