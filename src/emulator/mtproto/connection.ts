/**
 * One client TCP connection: transport detection and framing, then an ordered outbox.
 *
 * Outgoing messages of one session queued in the same tick are packed into one msg_container
 * (core.telegram.org/mtproto/service_messages#containers), each getting its own server msg_id and
 * seqno. Frames leave in the order they were queued, so the full transport's seqno and the
 * monotonic msg_ids stay consistent however the RPC handlers interleave.
 */
import type { Socket } from 'node:net';
import { TransportSniffer } from '../transport/sniffer.js';
import { transportErrorPayload, type FrameCodec } from '../transport/codecs.js';
import { encryptServerMessage } from './envelope.js';
import type { ServerMsgIdClock } from './msgIds.js';
import type { AuthKeyState, SessionState } from './sessions.js';
import { msgContainer, type ContainerItem } from './wire.js';

export interface OutgoingMessage {
  readonly body: Buffer;
  /** Needs an odd seqno (rpc_result, updates, pong...) rather than an even one (acks, notifications). */
  readonly contentRelated: boolean;
  /** A response to a client message (msg_id = 1 mod 4) rather than a server-initiated one (3 mod 4). */
  readonly isResponse: boolean;
}

interface Queued {
  readonly key: AuthKeyState;
  readonly session: SessionState;
  readonly message: OutgoingMessage;
}

/** Lets the server hold every reply back (fault injection), releasing them in order later. */
export interface ReplyGate {
  /** Resolves when replies may flow; null when they may flow now. */
  readonly waitFor: Promise<void> | null;
}

/** Containers stay well under the 1 MiB message limit; bigger messages travel alone. */
const CONTAINER_MAX_BYTES = 512 * 1024;
const CONTAINER_MAX_ITEMS = 64;

export class ServerConnection {
  private readonly sniffer = new TransportSniffer();
  private outbox: Queued[] = [];
  private flushScheduled = false;
  private closed = false;
  private disconnectTimer: NodeJS.Timeout | null = null;
  /** Sessions that have sent a message on this connection (for push delivery and drops). */
  readonly sessions = new Set<SessionState>();
  authKeyId: bigint | null = null;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly msgIds: ServerMsgIdClock,
    private readonly gate: ReplyGate,
    private readonly log: (line: string) => void,
  ) {}

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Feeds received bytes; returns complete transport payloads. Throws TransportFramingError. */
  receive(chunk: Buffer): Buffer[] {
    return this.sniffer.push(chunk);
  }

  private get codec(): FrameCodec {
    const c = this.sniffer.detected;
    if (!c) throw new Error('ServerConnection: cannot send before the client chose a transport');
    return c;
  }

  /** Sends an unencrypted payload (auth key exchange) immediately. */
  sendPlain(payload: Buffer): void {
    if (!this.closed) this.socket.write(this.codec.encode(payload));
  }

  /** Sends a transport error such as -404 (core.telegram.org/mtproto/mtproto-transports#transport-errors). */
  sendTransportError(code: number): void {
    if (!this.closed) this.socket.write(this.codec.encode(transportErrorPayload(code)));
  }

  enqueue(key: AuthKeyState, session: SessionState, message: OutgoingMessage): void {
    if (this.closed) return;
    this.outbox.push({ key, session, message });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  private async flush(): Promise<void> {
    while (this.gate.waitFor) await this.gate.waitFor;
    this.flushScheduled = false;
    const items = this.outbox;
    this.outbox = [];
    let i = 0;
    while (i < items.length && !this.closed) {
      const first = items[i]!;
      const group: Queued[] = [first];
      let size = first.message.body.length;
      i++;
      while (
        i < items.length &&
        items[i]!.session === first.session &&
        group.length < CONTAINER_MAX_ITEMS &&
        size + items[i]!.message.body.length < CONTAINER_MAX_BYTES
      ) {
        size += items[i]!.message.body.length;
        group.push(items[i]!);
        i++;
      }
      this.writeGroup(group);
    }
  }

  private writeGroup(group: Queued[]): void {
    const { key, session } = group[0]!;
    const numbered: ContainerItem[] = group.map((q) => ({
      msgId: this.msgIds.next(q.message.isResponse),
      seqNo: session.nextSeqNo(q.message.contentRelated),
      body: q.message.body,
    }));
    const top: ContainerItem =
      numbered.length === 1
        ? numbered[0]!
        : { msgId: this.msgIds.next(false), seqNo: session.nextSeqNo(false), body: msgContainer(numbered) };
    const packet = encryptServerMessage(key.authKey, key.authKeyId, { salt: key.salt, sessionId: session.sessionId, ...top });
    this.socket.write(this.codec.encode(packet));
  }

  /** ping_delay_disconnect: close unless another ping arrives within `seconds` (service_messages, "Ping Messages"). */
  armDisconnect(seconds: number): void {
    if (this.disconnectTimer) clearTimeout(this.disconnectTimer);
    this.disconnectTimer = setTimeout(() => {
      this.log(`connection ${this.id}: no ping within ${seconds}s, closing as ping_delay_disconnect asked`);
      this.close();
    }, seconds * 1000);
    this.disconnectTimer.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.disconnectTimer) clearTimeout(this.disconnectTimer);
    this.outbox = [];
    this.socket.destroy();
  }
}
