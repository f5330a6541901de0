/**
 * Handles every payload a connection receives: the unencrypted auth key exchange, then encrypted
 * messages — msg_id, salt and seqno checks (service_messages_about_messages), new sessions,
 * containers, gzip_packed, service requests (service_messages) and API calls, which go to the
 * world's RpcHandler and come back wrapped in rpc_result.
 */
import { Api } from 'telegram';
import { BinaryReader } from 'telegram/extensions/index.js';
import { RpcError, type ConnectionInit, type RpcHandler } from '../contract.js';
import type { ServerConnection } from './connection.js';
import type { DecryptPool } from './decryptPool.js';
import { decryptClientMessage, EnvelopeError, type PlainMessage } from './envelope.js';
import { AuthKeyHandshake } from './handshake.js';
import { checkClientMsgIdTime, type ServerMsgIdClock } from './msgIds.js';
import type { ServerRsaKey } from './rsaKey.js';
import { AuthKeyRegistry, SessionState, type AuthKeyState } from './sessions.js';
import { encodeResult } from './results.js';
import { answerServiceRequest } from './serviceRequests.js';
import { toGramBig } from './tlNumbers.js';
import { announcedLayer, LayerRegistry } from '../layers/layers.js';
import { unwrapInvoke } from './unwrap.js';
import { constructorOf, gzipPacked, InvalidContainerError, MSG_CONTAINER_ID, parseContainer, rpcErrorBody, rpcResult, unwrapGzip } from './wire.js';

/** Fault injection consulted before each API call. */
export interface CallFaults {
  /** Returns an error to answer instead of calling the handler, or null. */
  takeFailure(className: string): RpcError | null;
}

export interface DispatcherDeps {
  readonly rsa: ServerRsaKey;
  readonly registry: AuthKeyRegistry;
  readonly rpc: RpcHandler;
  readonly userOf: (authKeyId: bigint) => number | null;
  /** Told what each initConnection declared (AuthKeyStore.noteConnection); optional for stubs. */
  readonly noteConnection?: (authKeyId: bigint, init: ConnectionInit) => void;
  readonly msgIds: ServerMsgIdClock;
  readonly nowMs: () => number;
  readonly faults: CallFaults;
  readonly log: (line: string) => void;
  /** Decrypts big packets on worker threads; without it every packet is decrypted inline. */
  readonly decryptPool?: DecryptPool;
  /** Converts requests and answers for clients of other layers; one is made when not given. */
  readonly layers?: LayerRegistry;
}

/** Results above this size are sent as gzip_packed when that makes them smaller. */
const GZIP_MIN_BYTES = 1024;
const GZIP_MAX_BYTES = 256 * 1024;
/**
 * Packets at least this big go to the decrypt pool. Below it a worker round trip (two
 * postMessage hops, tens of microseconds) costs more than decrypting inline.
 */
const OFFLOAD_MIN_BYTES = 32 * 1024;

/**
 * Notifications Telegram accepts with either seqno parity: msgs_ack, msgs_state_req,
 * msg_resend_req, msgs_all_info and http_wait are not content-related
 * (service_messages_about_messages), yet mtcute numbers them as content-related and Telegram
 * does not object, so neither does the emulator.
 */
const EITHER_PARITY = new Set([0x62d6b459, 0xda69fb52, 0x7d861a08, 0x8cc0d131, 0x9299359f]);

type Opened = { message: PlainMessage } | { error: unknown };

export class Dispatcher {
  /** Sessions by auth key id, then session id. */
  readonly sessions = new Map<bigint, Map<bigint, SessionState>>();
  private readonly handshakes = new WeakMap<ServerConnection, AuthKeyHandshake>();

  readonly registry: AuthKeyRegistry;
  readonly layers: LayerRegistry;

  constructor(private readonly deps: DispatcherDeps) {
    this.registry = deps.registry;
    this.layers = deps.layers ?? new LayerRegistry(deps.log);
  }

  /**
   * One connection's payloads are handled strictly in arrival order. A big encrypted packet starts
   * decrypting on the pool at once, and what arrives behind it waits in this chain, so many packets
   * decrypt in parallel while msg_id, seqno and session checks still see them in order.
   */
  private readonly intake = new WeakMap<ServerConnection, { tail: Promise<void>; bytes: number }>();

  handlePayload(conn: ServerConnection, payload: Buffer): void {
    const opening = this.startDecrypt(payload);
    const queue = this.intake.get(conn);
    if (!opening && !queue) return this.handlePayloadNow(conn, payload);
    const q = queue ?? { tail: Promise.resolve(), bytes: 0 };
    q.bytes += payload.length;
    const step = opening
      ? () => opening.opened.then((r) => this.handleOpened(conn, opening.key, payload, r))
      : () => this.handlePayloadNow(conn, payload);
    const tail = q.tail
      .then(step)
      .catch((err: unknown) => {
        this.deps.log(`connection ${conn.id}: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        conn.close();
      })
      .finally(() => {
        q.bytes -= payload.length;
        if (q.tail === tail) this.intake.delete(conn);
      });
    q.tail = tail;
    this.intake.set(conn, q);
  }

  /** Bytes received on `conn` and not handled yet (the server pauses reading above a limit). */
  backlog(conn: ServerConnection): number {
    return this.intake.get(conn)?.bytes ?? 0;
  }

  /** Resolves once everything received on `conn` so far has been handled. */
  drained(conn: ServerConnection): Promise<void> {
    return this.intake.get(conn)?.tail ?? Promise.resolve();
  }

  private startDecrypt(payload: Buffer): { key: AuthKeyState; opened: Promise<Opened> } | null {
    const pool = this.deps.decryptPool;
    if (!pool || payload.length < OFFLOAD_MIN_BYTES) return null;
    const authKeyId = payload.readBigUInt64LE(0);
    const key = authKeyId === 0n ? undefined : this.registry.lookup(authKeyId);
    if (!key) return null; // handled inline, in order, by handlePayloadNow (plain, or -404)
    const running = pool.tryDecrypt(key.authKey, payload);
    if (!running) return null;
    return { key, opened: running.then((message) => ({ message }), (error: unknown) => ({ error })) };
  }

  private handleOpened(conn: ServerConnection, key: AuthKeyState, payload: Buffer, r: Opened): void {
    if ('message' in r) {
      conn.authKeyId = key.authKeyId;
      return this.handleMessage(conn, key, r.message);
    }
    if (r.error instanceof EnvelopeError) return this.deps.log(`connection ${conn.id}: ${r.error.message}`);
    // The worker died under this packet: open it here, as if there were no pool.
    return this.handlePayloadNow(conn, payload);
  }

  private handlePayloadNow(conn: ServerConnection, payload: Buffer): void {
    if (payload.length < 8) return;
    const authKeyId = payload.readBigUInt64LE(0);
    if (authKeyId === 0n) return this.handlePlain(conn, payload);
    const key = this.registry.lookup(authKeyId);
    if (!key) {
      // Telegram answers a message under an unknown auth key with transport error -404
      // (mtproto-transports#transport-errors). GramJS 2.26 then marks the connection broken.
      this.deps.log(`connection ${conn.id}: unknown auth key, sending -404`);
      conn.sendTransportError(404);
      return;
    }
    let message: PlainMessage;
    try {
      message = decryptClientMessage(key.authKey, payload);
    } catch (err) {
      if (err instanceof EnvelopeError) return this.deps.log(`connection ${conn.id}: ${err.message}`);
      throw err;
    }
    conn.authKeyId = authKeyId;
    this.handleMessage(conn, key, message);
  }

  private handlePlain(conn: ServerConnection, payload: Buffer): void {
    // Unencrypted message: auth_key_id = 0, message_id, message_data_length, message_data (description#unencrypted-message).
    const length = payload.readInt32LE(16);
    const reader = new BinaryReader(payload.subarray(20, 20 + length));
    const request: unknown = reader.tgReadObject();
    let hs = this.handshakes.get(conn);
    if (!hs) {
      hs = new AuthKeyHandshake(this.deps.rsa, () => this.deps.nowMs() / 1000);
      this.handshakes.set(conn, hs);
    }
    const answer = hs.handle(request);
    if (!answer) return this.deps.log(`connection ${conn.id}: unexpected unencrypted ${(request as { className?: string }).className ?? 'object'}`);
    if (answer.created) {
      const { authKey, authKeyId, serverSalt } = answer.created;
      this.registry.create(authKey, authKeyId, serverSalt);
      this.deps.log(`connection ${conn.id}: created auth key ${authKeyId.toString(16)}`);
    }
    const body = answer.reply.getBytes();
    const head = Buffer.alloc(20);
    head.writeBigInt64LE(this.deps.msgIds.next(true), 8);
    head.writeInt32LE(body.length, 16);
    conn.sendPlain(Buffer.concat([head, body]));
  }

  private sessionFor(key: AuthKeyState, sessionId: bigint): SessionState {
    let byId = this.sessions.get(key.authKeyId);
    if (!byId) this.sessions.set(key.authKeyId, (byId = new Map()));
    let session = byId.get(sessionId);
    if (!session) byId.set(sessionId, (session = new SessionState(key.authKeyId, sessionId)));
    return session;
  }

  private notifyBad(conn: ServerConnection, key: AuthKeyState, session: SessionState, msgId: bigint, seqNo: number, code: number): void {
    this.deps.log(`connection ${conn.id}: bad_msg_notification ${code} for msg ${msgId}`);
    const body =
      code === 48
        ? new Api.BadServerSalt({ badMsgId: toGramBig(msgId), badMsgSeqno: seqNo, errorCode: 48, newServerSalt: toGramBig(key.salt) }).getBytes()
        : new Api.BadMsgNotification({ badMsgId: toGramBig(msgId), badMsgSeqno: seqNo, errorCode: code }).getBytes();
    conn.enqueue(key, session, { body, contentRelated: false, isResponse: true });
  }

  private handleMessage(conn: ServerConnection, key: AuthKeyState, m: PlainMessage): void {
    const session = this.sessionFor(key, m.sessionId);
    conn.sessions.add(session);
    const timeCode = checkClientMsgIdTime(m.msgId, this.deps.nowMs());
    if (timeCode !== null) return this.notifyBad(conn, key, session, m.msgId, m.seqNo, timeCode);
    if (m.salt !== key.salt) return this.notifyBad(conn, key, session, m.msgId, m.seqNo, 48);
    if (!session.announced) {
      // new_session_created: sent when the server first hears of a session id (service_messages).
      session.announced = true;
      const body = new Api.NewSessionCreated({ firstMsgId: toGramBig(m.msgId), uniqueId: toGramBig(session.uniqueId), serverSalt: toGramBig(key.salt) }).getBytes();
      conn.enqueue(key, session, { body, contentRelated: true, isResponse: false });
    }
    if (constructorOf(m.body) === MSG_CONTAINER_ID) {
      const verdict = session.accept(m.msgId, m.seqNo, false, true);
      if (verdict === 'duplicate') return;
      if (verdict !== null) return this.notifyBad(conn, key, session, m.msgId, m.seqNo, verdict);
      let items;
      try {
        items = parseContainer(m.body);
      } catch (err) {
        if (err instanceof InvalidContainerError) return this.notifyBad(conn, key, session, m.msgId, m.seqNo, 64);
        throw err;
      }
      for (const item of items) {
        const code = checkClientMsgIdTime(item.msgId, this.deps.nowMs());
        if (code !== null) this.notifyBad(conn, key, session, item.msgId, item.seqNo, code);
        else this.handleOne(conn, key, session, item.msgId, item.seqNo, item.body);
      }
      return;
    }
    this.handleOne(conn, key, session, m.msgId, m.seqNo, m.body);
  }

  private handleOne(conn: ServerConnection, key: AuthKeyState, session: SessionState, msgId: bigint, seqNo: number, raw: Buffer): void {
    let body = unwrapGzip(raw);
    // The layer is known before the request is parsed, so that the request itself is read in it.
    const asked = announcedLayer(body);
    if (asked !== null) key.layer = asked;
    const served = this.layers.served(key.layer);
    if (!this.layers.isNative(served)) body = this.layers.requestToNative(served, body);
    let obj: unknown;
    try {
      obj = new BinaryReader(body).tgReadObject();
    } catch {
      const verdict = session.accept(msgId, seqNo, seqNo % 2 === 1, false);
      if (verdict !== null) return;
      const id = constructorOf(body).toString(16).padStart(8, '0');
      return this.reply(conn, key, session, rpcResult(msgId, rpcErrorBody(400, `INPUT_METHOD_INVALID_${id}`)));
    }
    const isRequest = (obj as { classType?: string }).classType === 'request';
    const verdict = session.accept(msgId, seqNo, EITHER_PARITY.has(constructorOf(body)) ? 'either' : isRequest, false);
    if (verdict === 'duplicate') return; // SIMPLIFICATION: duplicates are ignored, their answers are not re-sent.
    if (verdict !== null) return this.notifyBad(conn, key, session, msgId, seqNo, verdict);

    const service = answerServiceRequest(obj, {
      msgId,
      key,
      session,
      nowMs: this.deps.nowMs(),
      sessionExists: (id) => this.sessions.get(key.authKeyId)?.has(id) ?? false,
    });
    if (service) {
      if (service.disconnectAfter !== undefined) conn.armDisconnect(service.disconnectAfter);
      if (service.destroySession !== undefined) this.sessions.get(key.authKeyId)?.delete(service.destroySession);
      if (service.reply) conn.enqueue(key, session, { body: service.reply, contentRelated: service.contentRelated, isResponse: true });
      return;
    }
    if (!isRequest) return; // msgs_ack, msg_resend_req and other notifications need no answer.
    const running = this.invoke(conn, key, session, msgId, obj as Api.AnyRequest);
    session.running.set(msgId, running);
    void running.finally(() => session.running.delete(msgId));
  }

  private async invoke(conn: ServerConnection, key: AuthKeyState, session: SessionState, msgId: bigint, request: Api.AnyRequest): Promise<void> {
    const { request: inner, layer, after, init } = unwrapInvoke(request);
    if (layer !== null) key.layer = layer;
    // Recorded before the call runs (and even if it fails): Telegram takes the connection's
    // parameters from the wrapper, whatever becomes of the query inside it.
    if (init) this.deps.noteConnection?.(key.authKeyId, init);
    for (const id of after) await session.running.get(id)?.catch(() => undefined);
    const className = (inner as { className?: string }).className ?? 'unknown';
    let body: Buffer;
    try {
      const injected = this.deps.faults.takeFailure(className);
      if (injected) throw injected;
      const result = await this.deps.rpc.invoke(
        { authKeyId: key.authKeyId, sessionId: session.sessionId, connectionId: conn.id, layer: key.layer, userId: this.deps.userOf(key.authKeyId), msgId },
        inner,
      );
      const native = encodeResult(result);
      const served = this.layers.served(key.layer);
      const bytes = this.layers.isNative(served) ? native : this.layers.resultFromNative(served, (inner as { CONSTRUCTOR_ID: number }).CONSTRUCTOR_ID, native);
      body = bytes.length > GZIP_MIN_BYTES && bytes.length <= GZIP_MAX_BYTES && className !== 'upload.GetFile' ? smaller(bytes, gzipPacked(bytes)) : bytes;
    } catch (err) {
      if (err instanceof RpcError) body = rpcErrorBody(err.code, err.errorMessage);
      else {
        this.deps.log(`${className} failed inside the emulator: ${err instanceof Error ? err.message : String(err)}`);
        body = rpcErrorBody(500, 'INTERNAL_SERVER_ERROR');
      }
    }
    this.reply(conn, key, session, rpcResult(msgId, body));
  }

  /** Answers on the request's connection, or on another live connection of the same session. */
  private reply(conn: ServerConnection, key: AuthKeyState, session: SessionState, body: Buffer): void {
    const target = conn.isOpen ? conn : this.liveConnections?.(session)[0];
    target?.enqueue(key, session, { body, contentRelated: true, isResponse: true });
  }

  /** Set by the server: the live connections a session has sent from, newest first. */
  liveConnections: ((session: SessionState) => ServerConnection[]) | null = null;

  /** Drops what a closed connection left behind. */
  forget(conn: ServerConnection): void {
    this.handshakes.delete(conn);
  }
}

function smaller(plain: Buffer, packed: Buffer): Buffer {
  return packed.length < plain.length ? packed : plain;
}
