/**
 * The world half's RpcHandler: one table of methods keyed by GramJS request className
 * ("messages.SendMessage"), merged from every rpc/ module.
 *
 * Before a handler runs: the login check (401 AUTH_KEY_UNREGISTERED for an auth key not signed
 * in, except auth.*, help.* and langpack.*, which a client calls before or during sign-in), then
 * faults (failMethod answers an error, stallMethod delays on the world's clock), then the
 * access_hash of every input user and channel in the request (rpc/peers.ts).
 * A method the emulator does not model answers 400 INPUT_METHOD_INVALID_<constructor id>, the
 * shape Telegram uses for a constructor it does not know (e.g. "INPUT_METHOD_INVALID_1400783906_3").
 */
import type { Api } from 'telegram';
import { RpcError, type CallContext, type RpcHandler, type TLObject } from '../contract.js';
import type { World } from '../world/world.js';
import { channelsHandlers } from './channels.js';
import { messagesHandlers } from './messages.js';
import { checkAccessHashes, filterRefusedUsers } from './peers.js';
import { updatesHandlers } from './updates.js';

export interface RpcCall {
  readonly ctx: CallContext;
  /** The signed-in account (0 for methods callable before sign-in while nobody is signed in). */
  readonly userId: number;
  readonly world: World;
}

/** What a handler may return: a TL object, or a bare Bool / Vector (mtproto/results.ts encodes both). */
export type RpcResult = TLObject | boolean | readonly unknown[];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler narrows its own request type
export type RpcMethod = (request: any, call: RpcCall) => RpcResult | Promise<RpcResult>;

const NO_LOGIN_PREFIXES = ['auth.', 'help.', 'langpack.'];
/** Callable between auth.signIn's SESSION_PASSWORD_NEEDED and auth.checkPassword (core.telegram.org/api/srp). */
const NO_LOGIN_METHODS = ['account.GetPassword'];

export const worldHandlers: Record<string, RpcMethod> = { ...messagesHandlers, ...updatesHandlers, ...channelsHandlers };

export function createRpcHandler(world: World, extra: Record<string, RpcMethod> = {}): RpcHandler {
  const handlers: Record<string, RpcMethod> = { ...extra, ...worldHandlers };
  return {
    async invoke(ctx: CallContext, request: Api.AnyRequest): Promise<TLObject> {
      const name = request.className;
      const handler = handlers[name];
      if (!handler) throw new RpcError(400, `INPUT_METHOD_INVALID_${request.CONSTRUCTOR_ID >>> 0}`);
      const userId = ctx.userId ?? world.authKeys.userOf(ctx.authKeyId);
      if (userId === null && !NO_LOGIN_METHODS.includes(name) && !NO_LOGIN_PREFIXES.some((p) => name.startsWith(p))) throw new RpcError(401, 'AUTH_KEY_UNREGISTERED');
      const failure = world.faults.takeFailure(name);
      if (failure) throw failure;
      const stall = world.faults.stallFor(name);
      if (stall > 0) await new Promise<void>((resolve) => world.schedule(stall, resolve));
      if (userId !== null) checkAccessHashes(world, userId, request);
      const result = await handler(request, { ctx, userId: userId ?? 0, world });
      if (userId !== null && name === 'users.GetUsers') return filterRefusedUsers(world, userId, request as Api.users.GetUsers, result) as TLObject;
      return result as TLObject;
    },
  };
}
