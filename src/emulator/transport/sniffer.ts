/**
 * Tells the transport apart from the first bytes of a connection, as Telegram's servers do
 * (core.telegram.org/mtproto/mtproto-transports): 0xef = abridged, 0xeeeeeeee = intermediate,
 * 0xdddddddd = padded intermediate, otherwise a plausible full-transport header (length, then
 * seqno 0). Anything else would be the obfuscated transport.
 *
 * SIMPLIFICATION: the obfuscated transport (64-byte random header, AES-CTR) is not supported;
 * such connections are rejected with TransportFramingError.
 */
import { AbridgedCodec, FullCodec, IntermediateCodec, TransportFramingError, type FrameCodec } from './codecs.js';

export class TransportSniffer {
  private pending: Buffer = Buffer.alloc(0);
  private codec: FrameCodec | null = null;

  /** The detected codec, once known. */
  get detected(): FrameCodec | null {
    return this.codec;
  }

  /** Feeds bytes; returns complete payloads (empty until the transport is known). */
  push(chunk: Buffer): Buffer[] {
    if (this.codec) return this.codec.push(chunk);
    this.pending = Buffer.concat([this.pending, chunk]);
    const p = this.pending;
    if (p.length < 1) return [];
    if (p[0] === 0xef) return this.start(new AbridgedCodec(), 1);
    if (p.length < 8) return [];
    const tag = p.readUInt32LE(0);
    if (tag === 0xeeeeeeee) return this.start(new IntermediateCodec(false), 4);
    if (tag === 0xdddddddd) return this.start(new IntermediateCodec(true), 4);
    if (tag >= 12 && tag <= 16 * 1024 * 1024 && p.readInt32LE(4) === 0) return this.start(new FullCodec(), 0);
    throw new TransportFramingError('unrecognised transport prefix (obfuscated transport is not supported by the emulator)');
  }

  private start(codec: FrameCodec, prefix: number): Buffer[] {
    this.codec = codec;
    const rest = this.pending.subarray(prefix);
    this.pending = Buffer.alloc(0);
    return codec.push(rest);
  }
}
