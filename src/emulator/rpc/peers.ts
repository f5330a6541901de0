/**
 * Input peers and input channels of API calls: their shape turned into the world's PeerRef
 * (peerOf, channelOf), and their access_hash checked against what the calling account was given
 * (checkAccessHashes, run by dispatch.ts before any handler).
 *
 * Telegram hands every account an access_hash with each user and channel it shows it
 * (core.telegram.org/api/peers) and refuses an id/access_hash pair it did not give that account:
 * PEER_ID_INVALID for an inputPeerUser, USER_ID_INVALID for an inputUser, CHANNEL_INVALID for an
 * inputChannel or inputPeerChannel.
 *
 * Exceptions Telegram makes and the emulator models: a bot may pass access_hash 0 for a user, and
 * for a supergroup it is a member of (GramJS's getInputEntity relies on both, calling
 * users.getUsers / channels.getChannels with hash 0); users.getUsers answers userEmpty for an
 * entry it refuses instead of failing the whole call.
 *
 * SIMPLIFICATION: Telegram accepts a bot's hash-0 user only once that user has talked to the bot
 * (or is otherwise known to it) and in a few methods; the emulator accepts it for every existing
 * user in every method.
 * SIMPLIFICATION: the check trusts the hash the world shows the viewer (users.toApiUser, chats),
 * and the world gives each user and channel one access_hash that every account sees; Telegram
 * gives each account its own, so a hash copied from another account is refused there but not here.
 * SIMPLIFICATION: input*FromMessage constructors (min peers) are taken at their word: the message
 * they point at is not looked up.
 */
import { Api } from 'telegram';
import { RpcError } from '../contract.js';
import type { PeerRef } from '../world/chats.js';
import { num } from '../world/db.js';
import type { World } from '../world/world.js';

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

/** GramJS longs arrive as big-integer objects, or as plain numbers when a caller cut corners. */
function hashOf(v: unknown): bigint {
  try {
    return BigInt(String(v));
  } catch {
    return -1n;
  }
}

/** Whether `viewerId` may name user `userId` with `hash`. */
export function userHashValid(world: World, viewerId: number, userId: number, hash: bigint): boolean {
  if (!world.users.exists(userId)) return false;
  if (hash === 0n && world.users.isBot(viewerId)) return true;
  const seen = world.users.toApiUser(userId, viewerId);
  return seen instanceof Api.User && seen.accessHash !== undefined && hashOf(seen.accessHash) === hash;
}

/** Whether `viewerId` may name channel `channelId` with `hash`. */
export function channelHashValid(world: World, viewerId: number, channelId: number, hash: bigint): boolean {
  const row = world.chats.get(channelId);
  if (!row || row.kind !== 'channel') return false;
  if (hash === 0n && world.users.isBot(viewerId) && world.chats.isMember(channelId, viewerId)) return true;
  return row.accessHash === hash;
}

/** The error Telegram answers for one input constructor whose hash it refuses; null when it is fine. */
export function accessHashError(world: World, viewerId: number, input: unknown): RpcError | null {
  if (input instanceof Api.InputPeerUser) {
    return userHashValid(world, viewerId, num(input.userId), hashOf(input.accessHash)) ? null : new RpcError(400, 'PEER_ID_INVALID');
  }
  if (input instanceof Api.InputUser) {
    return userHashValid(world, viewerId, num(input.userId), hashOf(input.accessHash)) ? null : new RpcError(400, 'USER_ID_INVALID');
  }
  if (input instanceof Api.InputPeerChannel || input instanceof Api.InputChannel) {
    return channelHashValid(world, viewerId, num(input.channelId), hashOf(input.accessHash)) ? null : new RpcError(400, 'CHANNEL_INVALID');
  }
  return null;
}

/** TL objects nest input peers at most a few levels deep (InputDialogPeer.peer, InputUserFromMessage.peer...). */
const MAX_DEPTH = 6;

function* inputsIn(value: unknown, depth: number): Generator<unknown> {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return;
  if (Array.isArray(value)) {
    for (const item of value) yield* inputsIn(item, depth + 1);
    return;
  }
  // Only TL objects are walked: they carry a className; big-integer longs and plain data do not.
  if (typeof (value as { className?: unknown }).className !== 'string') return;
  yield value;
  for (const field of Object.values(value)) yield* inputsIn(field, depth + 1);
}

/**
 * Throws the first access_hash refusal found anywhere in `request`. users.getUsers is left to
 * filterRefusedUsers: Telegram answers it per entry.
 */
export function checkAccessHashes(world: World, viewerId: number, request: { className: string }): void {
  if (request.className === 'users.GetUsers' || request.className.startsWith('upload.')) return;
  for (const input of inputsIn(request, 0)) {
    if (input === request) continue;
    const err = accessHashError(world, viewerId, input);
    if (err) throw err;
  }
}

/** users.getUsers: an entry whose hash is refused comes back as userEmpty, as Telegram answers it. */
export function filterRefusedUsers(world: World, viewerId: number, request: Api.users.GetUsers, result: unknown): unknown {
  if (!Array.isArray(result)) return result;
  return result.map((user: unknown, i) => {
    const input = request.id[i];
    if (input instanceof Api.InputUser && accessHashError(world, viewerId, input)) return new Api.UserEmpty({ id: input.userId });
    return user;
  });
}
