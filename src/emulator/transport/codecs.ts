/**
 * MTProto transport framing, server side (core.telegram.org/mtproto/mtproto-transports).
 *
 * Each codec is pure: `push(chunk)` returns every complete payload received so far, `encode(payload)`
 * frames one outgoing payload. The connection prefix (0xef, 0xeeeeeeee, 0xdddddddd, or none for
 * "full") has already been consumed by `TransportSniffer` before a codec sees any bytes.
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { ByteQueue } from './byteQueue.js';

export type TransportKind = 'abridged' | 'intermediate' | 'padded-intermediate' | 'full';

/** Raised when the peer's bytes cannot be framed; the connection must be closed. */
export class TransportFramingError extends Error {
  constructor(message: string) {
    super(`${message}; closing the connection (the client should reconnect)`);
    this.name = 'TransportFramingError';
  }
}

/** Largest payload accepted: a 512 KiB file part plus generous headroom for the envelope. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

export interface FrameCodec {
  readonly kind: TransportKind;
  push(chunk: Buffer): Buffer[];
  encode(payload: Buffer): Buffer;
}

function checkLength(len: number): void {
  if (len < 4 || len > MAX_FRAME_BYTES) throw new TransportFramingError(`invalid frame length ${len}`);
}

/**
 * Abridged: one length byte (payload length / 4) below 0x7f, else 0x7f and a 3-byte little-endian
 * length / 4. SIMPLIFICATION: quick-ack requests (high bit of the length) are not supported.
 */
export class AbridgedCodec implements FrameCodec {
  readonly kind = 'abridged' as const;
  private readonly queue = new ByteQueue();

  push(chunk: Buffer): Buffer[] {
    this.queue.push(chunk);
    const out: Buffer[] = [];
    for (;;) {
      if (this.queue.length < 1) break;
      const first = this.queue.peek(1)[0]!;
      if (first & 0x80) throw new TransportFramingError('abridged quick-ack is not supported');
      let header = 1;
      let words = first;
      if (first === 0x7f) {
        if (this.queue.length < 4) break;
        header = 4;
        words = this.queue.peek(4).readUIntLE(1, 3);
      }
      const len = words * 4;
      checkLength(len);
      if (this.queue.length < header + len) break;
      this.queue.take(header);
      out.push(this.queue.take(len));
    }
    return out;
  }

  encode(payload: Buffer): Buffer {
    const words = payload.length >> 2;
    if (words < 0x7f) return Buffer.concat([Buffer.from([words]), payload]);
    const head = Buffer.alloc(4);
    head[0] = 0x7f;
    head.writeUIntLE(words, 1, 3);
    return Buffer.concat([head, payload]);
  }
}

/**
 * Intermediate: a 4-byte little-endian length, then the payload. The padded variant (0xdddddddd)
 * appends 0..15 random bytes to each payload, which "must be ignored" by the receiver: we find the
 * real MTProto payload length from its own structure (see `stripTransportPadding`).
 */
export class IntermediateCodec implements FrameCodec {
  readonly kind: 'intermediate' | 'padded-intermediate';
  private readonly queue = new ByteQueue();

  constructor(private readonly padded: boolean) {
    this.kind = padded ? 'padded-intermediate' : 'intermediate';
  }

  push(chunk: Buffer): Buffer[] {
    this.queue.push(chunk);
    const out: Buffer[] = [];
    while (this.queue.length >= 4) {
      const len = this.queue.peek(4).readUInt32LE(0);
      checkLength(len);
      if (this.queue.length < 4 + len) break;
      this.queue.take(4);
      const payload = this.queue.take(len);
      out.push(this.padded ? stripTransportPadding(payload) : payload);
    }
    return out;
  }

  encode(payload: Buffer): Buffer {
    const pad = this.padded ? randomBytes(randomBytes(1)[0]! % 16) : Buffer.alloc(0);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(payload.length + pad.length, 0);
    return Buffer.concat([head, payload, pad]);
  }
}

/**
 * Removes padded-intermediate padding. A plain message (auth_key_id = 0) states its length at
 * offset 16; an encrypted one is 24 header bytes plus whole 16-byte AES blocks; a 4-byte transport
 * error is kept as is.
 */
export function stripTransportPadding(payload: Buffer): Buffer {
  if (payload.length < 24) return payload.length >= 4 && payload.length < 16 ? payload.subarray(0, 4) : payload;
  if (payload.readBigUInt64LE(0) === 0n) {
    const bodyLen = payload.readUInt32LE(16);
    return payload.subarray(0, Math.min(payload.length, 20 + bodyLen));
  }
  return payload.subarray(0, 24 + Math.floor((payload.length - 24) / 16) * 16);
}

/**
 * Full: length (of the whole frame, 4+4+payload+4), a per-direction sequence number starting at 0,
 * the payload and a CRC32 of everything before it. A wrong CRC or sequence number is fatal.
 */
export class FullCodec implements FrameCodec {
  readonly kind = 'full' as const;
  private readonly queue = new ByteQueue();
  private recvSeq = 0;
  private sendSeq = 0;

  push(chunk: Buffer): Buffer[] {
    this.queue.push(chunk);
    const out: Buffer[] = [];
    while (this.queue.length >= 4) {
      const total = this.queue.peek(4).readUInt32LE(0);
      if (total < 12 || total > MAX_FRAME_BYTES + 12) throw new TransportFramingError(`invalid full-transport length ${total}`);
      if (this.queue.length < total) break;
      const frame = this.queue.take(total);
      const crc = frame.readUInt32LE(total - 4);
      if (crc32(frame.subarray(0, total - 4)) !== crc) throw new TransportFramingError('full-transport CRC32 mismatch');
      const seq = frame.readInt32LE(4);
      if (seq !== this.recvSeq) throw new TransportFramingError(`full-transport seqno ${seq}, expected ${this.recvSeq}`);
      this.recvSeq += 1;
      out.push(frame.subarray(8, total - 4));
    }
    return out;
  }

  encode(payload: Buffer): Buffer {
    const frame = Buffer.alloc(payload.length + 12);
    frame.writeUInt32LE(frame.length, 0);
    frame.writeInt32LE(this.sendSeq++, 4);
    payload.copy(frame, 8);
    frame.writeUInt32LE(crc32(frame.subarray(0, frame.length - 4)), frame.length - 4);
    return frame;
  }
}

/**
 * The payload of a transport error: a bare little-endian int32 such as -404 (auth key not found)
 * or -429 (too many connections), sent in the connection's normal framing
 * (core.telegram.org/mtproto/mtproto-transports#transport-errors).
 */
export function transportErrorPayload(code: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(-Math.abs(code), 0);
  return b;
}
