/**
 * A bare-bones MTProto client for protocol tests: real TCP, our own framing, GramJS's own
 * Authenticator for the key exchange, and hand-built encrypted messages so tests can send what
 * GramJS never would (bad salts, old msg_ids, wrong seqnos, containers, gzip).
 */
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { BinaryReader } from 'telegram/extensions/index.js';
import { Logger } from 'telegram';
import { LogLevel } from 'telegram/extensions/Logger.js';
import { doAuthentication } from 'telegram/network/Authenticator.js';
import { AbridgedCodec, FullCodec, IntermediateCodec, type FrameCodec } from '../../src/emulator/transport/codecs.js';
import { decryptServerMessage, encryptClientMessage, type PlainMessage } from '../../src/emulator/mtproto/envelope.js';
import { authKeyIdOf } from '../../src/emulator/mtproto/crypto.js';
import { registerSandboxRsaKey, type SandboxEndpoint } from '../../src/telegram/connection/sandbox.js';

export type RawTransport = 'abridged' | 'intermediate' | 'padded-intermediate' | 'full';

const PREFIX: Record<RawTransport, Buffer> = {
  abridged: Buffer.from([0xef]),
  intermediate: Buffer.from([0xee, 0xee, 0xee, 0xee]),
  'padded-intermediate': Buffer.from([0xdd, 0xdd, 0xdd, 0xdd]),
  full: Buffer.alloc(0),
};

function codecFor(t: RawTransport): FrameCodec {
  if (t === 'abridged') return new AbridgedCodec();
  if (t === 'full') return new FullCodec();
  return new IntermediateCodec(t === 'padded-intermediate');
}

export class RawClient {
  private readonly frames: Buffer[] = [];
  private waiters: ((b: Buffer | null) => void)[] = [];
  private ended = false;
  authKey: Buffer | null = null;
  authKeyId = 0n;
  salt = 0n;
  sessionId = 0x1234567890n;
  private lastMsgId = 0n;
  private seq = 0;

  private constructor(
    readonly socket: Socket,
    private readonly codec: FrameCodec,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of codec.push(chunk)) this.deliver(f);
    });
    socket.on('close', () => {
      this.ended = true;
      for (const w of this.waiters.splice(0)) w(null);
    });
  }

  static async open(port: number, transport: RawTransport = 'intermediate'): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(PREFIX[transport]);
    return new RawClient(socket, codecFor(transport));
  }

  private deliver(frame: Buffer): void {
    const w = this.waiters.shift();
    if (w) w(frame);
    else this.frames.push(frame);
  }

  /** The next transport payload, or null once the server closed the connection. */
  nextFrame(): Promise<Buffer | null> {
    const f = this.frames.shift();
    if (f) return Promise.resolve(f);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  writePayload(payload: Buffer): void {
    this.socket.write(this.codec.encode(payload));
  }

  newMsgId(offsetSeconds = 0): bigint {
    const ms = Date.now() + offsetSeconds * 1000;
    let id = (BigInt(Math.floor(ms / 1000)) << 32n) | (BigInt(ms % 1000) << 22n);
    if (offsetSeconds !== 0) return id; // deliberately skewed ids do not move the sequence
    if (id <= this.lastMsgId) id = this.lastMsgId + 4n;
    this.lastMsgId = id;
    return id;
  }

  nextSeq(contentRelated: boolean): number {
    return contentRelated ? this.seq++ * 2 + 1 : this.seq * 2;
  }

  /** Runs GramJS's own Authenticator (RSA_PAD, DH) against the server over this connection. */
  async authenticate(endpoint: SandboxEndpoint): Promise<void> {
    registerSandboxRsaKey(endpoint);
    const sender = {
      send: async (request: { getBytes(): Buffer }) => {
        const body = request.getBytes();
        const head = Buffer.alloc(20);
        head.writeBigInt64LE(this.newMsgId(), 8);
        head.writeInt32LE(body.length, 16);
        this.writePayload(Buffer.concat([head, body]));
        const reply = await this.nextFrame();
        if (!reply) throw new Error('server closed the connection during the key exchange');
        return new BinaryReader(reply.subarray(20)).tgReadObject();
      },
    };
    const { authKey } = await doAuthentication(sender as never, new Logger(LogLevel.NONE));
    this.authKey = authKey.getKey() ?? null;
    if (!this.authKey) throw new Error('GramJS produced no auth key');
    this.authKeyId = authKeyIdOf(this.authKey);
  }

  sendEncrypted(m: { msgId: bigint; seqNo: number; body: Buffer; salt?: bigint }): void {
    if (!this.authKey) throw new Error('authenticate first');
    this.writePayload(encryptClientMessage(this.authKey, this.authKeyId, { salt: m.salt ?? this.salt, sessionId: this.sessionId, msgId: m.msgId, seqNo: m.seqNo, body: m.body }));
  }

  /** Sends one request body as a content-related message; returns its msg_id. */
  sendRequest(body: Buffer, opts: { salt?: bigint; msgId?: bigint; seqNo?: number } = {}): bigint {
    const msgId = opts.msgId ?? this.newMsgId();
    this.sendEncrypted({ msgId, seqNo: opts.seqNo ?? this.nextSeq(true), body, ...(opts.salt !== undefined ? { salt: opts.salt } : {}) });
    return msgId;
  }

  async nextMessage(): Promise<PlainMessage | null> {
    const f = await this.nextFrame();
    if (!f) return null;
    if (f.length === 4) throw new Error(`transport error ${f.readInt32LE(0)}`);
    if (!this.authKey) throw new Error('authenticate first');
    return decryptServerMessage(this.authKey, f);
  }

  close(): void {
    this.socket.destroy();
  }
}
