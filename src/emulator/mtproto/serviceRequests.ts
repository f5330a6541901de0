/**
 * Service requests the protocol half answers itself (core.telegram.org/mtproto/service_messages):
 * ping, ping_delay_disconnect, get_future_salts, destroy_session, rpc_drop_answer,
 * destroy_auth_key and msgs_state_req (service_messages_about_messages).
 */
import { Api } from 'telegram';
import type { AuthKeyState, SessionState } from './sessions.js';
import { fromGramBig, toGramBig } from './tlNumbers.js';
import { rpcResult } from './wire.js';

export interface ServiceAnswer {
  readonly reply: Buffer | null;
  readonly contentRelated: boolean;
  /** ping_delay_disconnect: close the connection if no ping arrives within this many seconds. */
  readonly disconnectAfter?: number;
  readonly destroySession?: bigint;
}

export interface ServiceContext {
  readonly msgId: bigint;
  readonly key: AuthKeyState;
  readonly session: SessionState;
  readonly nowMs: number;
  /** Whether the auth key has a session with this id. */
  readonly sessionExists: (sessionId: bigint) => boolean;
}

export function answerServiceRequest(obj: unknown, ctx: ServiceContext): ServiceAnswer | null {
  const reqMsgId = toGramBig(ctx.msgId);
  if (obj instanceof Api.PingDelayDisconnect) {
    return { reply: new Api.Pong({ msgId: reqMsgId, pingId: obj.pingId }).getBytes(), contentRelated: true, disconnectAfter: obj.disconnectDelay };
  }
  if (obj instanceof Api.Ping) {
    // Pong is sent as a message of its own, not inside rpc_result.
    return { reply: new Api.Pong({ msgId: reqMsgId, pingId: obj.pingId }).getBytes(), contentRelated: true };
  }
  if (obj instanceof Api.GetFutureSalts) {
    // SIMPLIFICATION: the salt never rotates, so every "future" salt is the current one, valid for an hour each.
    const now = Math.floor(ctx.nowMs / 1000);
    const salts = Array.from({ length: Math.max(1, Math.min(obj.num, 64)) }, (_, i) =>
      new Api.FutureSalt({ validSince: now + i * 3600, validUntil: now + (i + 1) * 3600, salt: toGramBig(ctx.key.salt) }),
    );
    // future_salts is a constructor without a GramJS serialiser for the vector of bare future_salt; build it.
    // Telegram sends it as a message of its own, not in rpc_result: its req_msg_id is the link.
    const body = Buffer.concat([futureSaltsHeader(ctx.msgId, now, salts.length), ...salts.map((s) => s.getBytes().subarray(4))]);
    return { reply: body, contentRelated: true };
  }
  if (obj instanceof Api.DestroySession) {
    // destroy_session_ok / destroy_session_none travel as messages of their own (as Telegram and
    // mtcute expect); the session a message arrives in is not destroyed by it.
    const id = fromGramBig(obj.sessionId);
    const known = id !== ctx.session.sessionId && ctx.sessionExists(id);
    const res = known ? new Api.DestroySessionOk({ sessionId: obj.sessionId }) : new Api.DestroySessionNone({ sessionId: obj.sessionId });
    return { reply: res.getBytes(), contentRelated: true, ...(known ? { destroySession: id } : {}) };
  }
  if (obj instanceof Api.RpcDropAnswer) {
    // SIMPLIFICATION: running calls are not cancelled; the answer still arrives.
    return { reply: rpcResult(ctx.msgId, new Api.RpcAnswerUnknown().getBytes()), contentRelated: true };
  }
  if (obj instanceof Api.DestroyAuthKey) {
    // SIMPLIFICATION: auth keys are never destroyed.
    return { reply: new Api.DestroyAuthKeyFail().getBytes(), contentRelated: true };
  }
  if (obj instanceof Api.MsgsStateReq) {
    const info = obj.msgIds.map((id) => String.fromCharCode(ctx.session.stateOf(fromGramBig(id)))).join('');
    // Not content-related: mtcute, like Telegram's own clients, does not acknowledge it.
    return { reply: new Api.MsgsStateInfo({ reqMsgId, info }).getBytes(), contentRelated: false };
  }
  return null;
}

/** future_salts#ae500895 req_msg_id:long now:int salts:vector<future_salt> (bare vector: count only). */
function futureSaltsHeader(reqMsgId: bigint, now: number, count: number): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt32LE(0xae500895, 0);
  b.writeBigInt64LE(BigInt.asIntN(64, reqMsgId), 4);
  b.writeInt32LE(now, 12);
  b.writeInt32LE(count, 16);
  return b;
}
