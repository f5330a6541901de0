/**
 * The emulator's TCP server: accepts connections, runs each through the transport codecs and the
 * MTProto dispatcher, pushes updates through `Delivery`, and offers fault injection for tests
 * (stall replies, drop every connection, fail the next call of a method).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { RpcError, type AuthKeyStore, type Delivery, type RpcHandler, type TLObject } from './contract.js';
import { ServerConnection } from './mtproto/connection.js';
import { Dispatcher } from './mtproto/dispatcher.js';
import { DecryptPool, defaultDecryptWorkers } from './mtproto/decryptPool.js';
import { ServerMsgIdClock } from './mtproto/msgIds.js';
import { AuthKeyRegistry, type SessionState } from './mtproto/sessions.js';
import { parseServerRsaKey } from './mtproto/rsaKey.js';
import { encodeResult } from './mtproto/results.js';
import { TransportFramingError } from './transport/codecs.js';

export interface EmulatorServerOptions {
  host?: string;
  /** 0 = an ephemeral port. */
  port?: number;
  dcId: number;
  /** The server's private RSA key (PKCS#1 or PKCS#8 PEM). */
  rsaKeyPem: string;
  rpc: RpcHandler;
  authKeys: AuthKeyStore;
  log?: (line: string) => void;
  /** Milliseconds since the epoch; injected so msg_id checks can be tested. */
  clock?: () => number;
  /**
   * Worker threads that decrypt big packets (uploads) in parallel; 0 decrypts everything on the
   * event loop. Default: one per core, at most 8 (mtproto/decryptPool.ts).
   */
  decryptWorkers?: number;
}

export interface EmulatorFaults {
  /** Holds every outgoing encrypted reply for `ms` milliseconds (Infinity: until called with null). */
  stallReplies(ms: number | null): void;
  /** Closes every client connection. */
  dropAll(): void;
  /** Answers the next `times` calls of `method` (a GramJS className, e.g. "messages.SendMessage") with `error`. */
  failNext(method: string, error: RpcError, times?: number): void;
}

export interface EmulatorServer {
  readonly host: string;
  readonly port: number;
  readonly dcId: number;
  readonly delivery: Delivery;
  readonly faults: EmulatorFaults;
  /** Number of open client connections. */
  connectionCount(): number;
  /**
   * Starts the decrypt workers now instead of on the first big packet; resolves with how many
   * are ready. Only benchmarks need it: without it the first upload parts decrypt inline.
   */
  warmUpDecryptWorkers(): Promise<number>;
  close(): Promise<void>;
}

/** Received bytes a connection may have waiting for decryption before the server stops reading it. */
const MAX_BACKLOG_BYTES = 16 * 1024 * 1024;

class ReplyStall {
  waitFor: Promise<void> | null = null;
  private release: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  set(ms: number | null): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (ms === null || ms <= 0) {
      this.open();
      return;
    }
    if (!this.waitFor) this.waitFor = new Promise((resolve) => (this.release = resolve));
    if (Number.isFinite(ms)) {
      this.timer = setTimeout(() => this.open(), ms);
      this.timer.unref();
    }
  }

  private open(): void {
    const release = this.release;
    this.waitFor = null;
    this.release = null;
    release?.();
  }
}

export async function startEmulatorServer(opts: EmulatorServerOptions): Promise<EmulatorServer> {
  const log = opts.log ?? (() => undefined);
  const clock = opts.clock ?? Date.now;
  const rsa = parseServerRsaKey(opts.rsaKeyPem);
  const msgIds = new ServerMsgIdClock(clock);
  const stall = new ReplyStall();
  const failures = new Map<string, { error: RpcError; times: number }>();
  const connections = new Set<ServerConnection>();
  let nextConnId = 1;
  const decryptPool = new DecryptPool(opts.decryptWorkers ?? defaultDecryptWorkers(), log);

  const dispatcher = new Dispatcher({
    rsa,
    registry: new AuthKeyRegistry(opts.authKeys),
    rpc: opts.rpc,
    userOf: (id) => opts.authKeys.userOf(id),
    noteConnection: (id, init) => opts.authKeys.noteConnection?.(id, init),
    msgIds,
    nowMs: clock,
    log,
    decryptPool,
    faults: {
      takeFailure(className) {
        const f = failures.get(className);
        if (!f) return null;
        if (--f.times <= 0) failures.delete(className);
        return f.error;
      },
    },
  });
  const liveFor = (session: SessionState): ServerConnection[] =>
    [...connections].filter((c) => c.isOpen && c.sessions.has(session)).reverse();
  dispatcher.liveConnections = liveFor;

  const onSocket = (socket: Socket): void => {
    socket.setNoDelay(true);
    const conn = new ServerConnection(nextConnId++, socket, msgIds, stall, log);
    connections.add(conn);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const payload of conn.receive(chunk)) dispatcher.handlePayload(conn, payload);
        if (dispatcher.backlog(conn) > MAX_BACKLOG_BYTES && !socket.isPaused()) {
          // Stop reading until the decrypt pool catches up, so a fast client cannot queue
          // unbounded memory; TCP flow control then slows the client down, as a real DC would.
          socket.pause();
          void dispatcher.drained(conn).then(() => socket.resume());
        }
      } catch (err) {
        const why = err instanceof TransportFramingError ? err.message : `internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`;
        log(`connection ${conn.id}: ${why}`);
        conn.close();
      }
    });
    socket.on('error', () => conn.close());
    socket.on('close', () => {
      conn.close();
      connections.delete(conn);
      dispatcher.forget(conn);
    });
  };

  const server: Server = createServer(onSocket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('emulator server has no TCP address');
  log(`emulator DC ${opts.dcId} listening on ${address.address}:${address.port}`);

  const closeWhere = (pred: (c: ServerConnection) => boolean): void => {
    for (const c of [...connections]) if (pred(c)) c.close();
  };

  const delivery: Delivery = {
    push(authKeyId: bigint, updates: TLObject): number {
      const sessions = dispatcher.sessions.get(authKeyId);
      const key = dispatcher.registry.lookup(authKeyId);
      if (!sessions || !key) return 0;
      const native = encodeResult(updates);
      const served = dispatcher.layers.served(key.layer);
      let body = native;
      if (!dispatcher.layers.isNative(served)) {
        try {
          body = dispatcher.layers.objectFromNative(served, native);
        } catch (err) {
          // The client cannot read this push in its layer; it finds the gap and asks getDifference.
          log(`push to ${authKeyId.toString(16)} not sent: cannot express it in layer ${served}: ${err instanceof Error ? err.message : String(err)}`);
          return 0;
        }
      }
      let reached = 0;
      for (const session of sessions.values()) {
        const target = liveFor(session)[0];
        if (!target) continue;
        // Updates are server-initiated content messages: msg_id = 3 mod 4, odd seqno.
        target.enqueue(key, session, { body, contentRelated: true, isResponse: false });
        reached++;
      }
      return reached;
    },
    dropConnections(authKeyId?: bigint): void {
      closeWhere((c) => authKeyId === undefined || c.authKeyId === authKeyId);
    },
  };

  return {
    host: address.address,
    port: address.port,
    dcId: opts.dcId,
    delivery,
    faults: {
      stallReplies: (ms) => stall.set(ms),
      dropAll: () => closeWhere(() => true),
      failNext: (method, error, times = 1) => void failures.set(method, { error, times }),
    },
    connectionCount: () => connections.size,
    warmUpDecryptWorkers: () => decryptPool.warmUp(),
    close: async () => {
      stall.set(null);
      closeWhere(() => true);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await decryptPool.close();
    },
  };
}
