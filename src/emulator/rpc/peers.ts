/**
 * Input peers and input channels of API calls, turned into the world's PeerRef.
 * SIMPLIFICATION: access_hash values are not verified; any hash reaches the peer.
 */
import { Api } from 'telegram';
import { RpcError } from '../contract.js';
import type { PeerRef } from '../world/chats.js';
import { num } from '../world/db.js';

/** GramJS types request peers as EntityLike (client side); on the wire they are InputPeer objects. */
export function peerOf(self: number, p: unknown): PeerRef {
  if (p instanceof Api.InputPeerSelf) return { user: self };
  if (p instanceof Api.InputPeerUser || p instanceof Api.InputPeerUserFromMessage) return { user: num(p.userId) };
  if (p instanceof Api.InputPeerChat) return { chat: num(p.chatId) };
  if (p instanceof Api.InputPeerChannel || p instanceof Api.InputPeerChannelFromMessage) return { channel: num(p.channelId) };
  throw new RpcError(400, 'PEER_ID_INVALID');
}

export function channelOf(c: unknown): number {
  if (c instanceof Api.InputChannel || c instanceof Api.InputChannelFromMessage) return num(c.channelId);
  throw new RpcError(400, 'CHANNEL_INVALID');
}

/** Message ids of an InputMessage vector; only inputMessageID is modelled. */
export function messageIdsOf(ids: readonly unknown[]): number[] {
  return ids.map((m) => (m instanceof Api.InputMessageID ? m.id : typeof m === 'number' ? m : -1));
}
