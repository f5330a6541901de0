/**
 * The seam between the emulator's two halves.
 *
 * The *protocol* half (transport/, mtproto/, server.ts) owns sockets, framing, auth keys,
 * encryption, salts, msg_id/seqno checks, containers, acks and service messages. It hands
 * every decoded API call (already unwrapped from invokeWithLayer / initConnection /
 * invokeWithoutUpdates / invokeAfterMsg) to an `RpcHandler` and delivers pushed updates.
 *
 * The *world* half (world/, rpc/) models Telegram: accounts, chats, messages, pts/qts,
 * differences, files and flood limits, persisted in the emulator's own SQLite file.
 *
 * Neither half imports anything from Courier's service code (src/ outside src/emulator/).
 * Both may use GramJS's TL classes (`Api` from "telegram") for (de)serialisation.
 */
import type { Api } from 'telegram';

/** Who is calling. `userId` is the account the auth key is logged in as (null before sign-in). */
export interface CallContext {
  readonly authKeyId: bigint;
  readonly sessionId: bigint;
  readonly connectionId: number;
  /** Layer from invokeWithLayer, remembered per auth key; null if never sent. */
  readonly layer: number | null;
  readonly userId: number | null;
  /** The msg_id of the request; useful for logs and fault injection. */
  readonly msgId: bigint;
}

/** An RPC error as Telegram sends it: rpc_error#2144ca19 error_code:int error_message:string. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    readonly errorMessage: string,
  ) {
    super(`${code} ${errorMessage}`);
    this.name = 'RpcError';
  }
}

/** Anything GramJS can serialise with getBytes(). */
export type TLObject = { getBytes(): Buffer };

/** Implemented by the world half; called by the protocol half for every API call. */
export interface RpcHandler {
  /**
   * Executes one API method. `request` is a GramJS request instance (e.g. Api.messages.SendMessage).
   * Resolves with the result object, or rejects with RpcError (any other error becomes
   * 500 INTERNAL_SERVER_ERROR on the wire).
   */
  invoke(ctx: CallContext, request: Api.AnyRequest): Promise<TLObject>;
}

/** Implemented by the protocol half; used by the world half to push updates live. */
export interface Delivery {
  /**
   * Sends `updates` (an Api.TypeUpdates) to every live session of the given auth key as a
   * content-related server message. Returns how many sessions it reached (0 when offline).
   */
  push(authKeyId: bigint, updates: TLObject): number;
  /** Closes every connection of an auth key (fault injection: "drop a connection"). */
  dropConnections(authKeyId?: bigint): void;
}

/** Persisted auth keys, so clients keep their sessions across an emulator restart. */
export interface AuthKeyStore {
  get(authKeyId: bigint): Buffer | undefined;
  put(authKeyId: bigint, authKey: Buffer): void;
  /** The account an auth key is signed in as, if any. */
  userOf(authKeyId: bigint): number | null;
  /**
   * Remembers what the latest initConnection on this key declared (core.telegram.org/method/initConnection).
   * The world shows its lang_code to bots as the user's language (the user constructor's flags.22
   * lang_code). Optional: a store that models no languages (protocol stubs, benchmarks) leaves it out.
   */
  noteConnection?(authKeyId: bigint, init: ConnectionInit): void;
}

/** The fields of initConnection the world keeps. */
export interface ConnectionInit {
  /** "Either an ISO 639-1 language code or a language pack name" (the app's language, e.g. "ru"). */
  readonly langCode: string;
}
