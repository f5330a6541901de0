/**
 * The GramJS side of media connections' crypto (mediaSender.ts): their MTProtoState encrypts and
 * decrypts through packetCrypto.ts (inline or in the transfer crypto thread, cryptoPool.ts), and a
 * GramJS no-op that copied every request three times is switched off.
 *
 * Why: a 512 KiB upload part went through about twelve 512 KiB buffers on its way to the socket
 * in GramJS 2.26.22, and at loopback speed the garbage, not the AES, was the largest cost of an
 * upload on the main thread (profile of `npm run bench -- upload`: GC 1.5 s, copies 0.8 s, AES
 * 1.0 s per 256 MiB; the client's CPU per MB fell from about 24 ms to 15 ms with this). A part is
 * copied once into the plaintext, hashed in place and encrypted straight into the packet that goes
 * to the socket, with room left in front for the transport's length header (the abridged codec
 * writes it there through frameInPlace instead of concatenating).
 */
import { createRequire } from 'node:module';
import { SecurityError } from 'telegram/errors/index.js';
import { BinaryReader } from 'telegram/extensions/index.js';
import { readBufferFromBigInt, toSignedLittleBuffer } from 'telegram/Helpers.js';
import type { MTProtoSender } from 'telegram/network/index.js';
import { TLMessage } from 'telegram/tl/core/index.js';
import { inlinePacketCrypto, THREAD_MIN_BYTES, type PacketCrypto } from './cryptoPool.js';
import { PACKET_HEADROOM, PacketKeyMismatchError } from './packetCrypto.js';

type BigIntLike = Parameters<typeof toSignedLittleBuffer>[0];
type BigInteger = Parameters<typeof readBufferFromBigInt>[0];

/** The fields of GramJS's MTProtoState this module reads (network/MTProtoState.js, 2.26.22). */
interface StateInternals {
  authKey?: { getKey(): Buffer | undefined; keyId?: BigInteger };
  salt?: BigIntLike;
  id?: BigIntLike;
  msgIds: string[];
  securityChecks: boolean;
  encryptMessageData(data: Buffer): Promise<Buffer>;
  decryptMessageData(body: Buffer): Promise<TLMessage>;
}

/** Packets sealed here, each mapped to the same bytes with PACKET_HEADROOM free bytes in front. */
const withHeadroom = new WeakMap<Buffer, Buffer>();

/**
 * The packet with its transport header written in front, without copying, when `packet` came
 * from a sender useMediaCrypto set up; undefined otherwise.
 */
export function frameInPlace(packet: Buffer, header: Buffer): Buffer | undefined {
  const room = withHeadroom.get(packet);
  if (!room || header.length > PACKET_HEADROOM) return undefined;
  withHeadroom.delete(packet);
  const start = PACKET_HEADROOM - header.length;
  header.copy(room, start);
  return room.subarray(start);
}

/** The 16-byte salt | session_id prefix and the 8-byte key id, cached while they stay the same objects. */
class PrefixCache {
  private salt: unknown;
  private id: unknown;
  private prefix: Buffer = Buffer.alloc(16);
  private keyIdOf: unknown;
  private keyIdBytes: Buffer = Buffer.alloc(8);

  header(salt: BigIntLike, id: BigIntLike): Buffer {
    if (salt !== this.salt || id !== this.id) {
      this.prefix = Buffer.concat([toSignedLittleBuffer(salt, 8), toSignedLittleBuffer(id, 8)]);
      this.salt = salt;
      this.id = id;
    }
    return this.prefix;
  }

  keyId(keyId: BigInteger): Buffer {
    if (keyId !== this.keyIdOf) {
      this.keyIdBytes = readBufferFromBigInt(keyId, 8);
      this.keyIdOf = keyId;
    }
    return this.keyIdBytes;
  }
}

/** What GramJS's decryptMessageData does after the msg_key check (MTProtoState.js, 2.26.22), on a plaintext opened elsewhere. */
function readServerMessage(state: StateInternals, plain: Buffer): TLMessage {
  const reader = new BinaryReader(plain);
  reader.readLong(); // salt
  reader.readLong(); // session_id: GramJS does not check it either
  const remoteMsgId = reader.readLong();
  const seen = remoteMsgId.toString();
  if (state.msgIds.includes(seen) && state.securityChecks) throw new SecurityError('Duplicate msgIds');
  if (state.msgIds.length > 500) state.msgIds.shift();
  state.msgIds.push(seen);
  const remoteSequence = reader.readInt();
  reader.readInt(); // message length; the padding after the object is never read
  return new TLMessage(remoteMsgId, remoteSequence, reader.tgReadObject());
}

/**
 * Makes `sender` seal every message with packetCrypto.ts (big ones through `crypto`, e.g. the
 * transfer crypto thread) and open big server packets through `crypto`. GramJS's own methods stay
 * in use while the state is not complete (no key, salt or session yet), where GramJS waits or
 * throws its own errors, and for small incoming packets.
 */
export function useMediaCrypto(sender: MTProtoSender, crypto: PacketCrypto = inlinePacketCrypto): void {
  const state = (sender as unknown as { _state: StateInternals })._state;
  const originalEncrypt = state.encryptMessageData.bind(state);
  const originalDecrypt = state.decryptMessageData.bind(state);
  const cache = new PrefixCache();
  state.encryptMessageData = async (data: Buffer) => {
    const authKey = state.authKey?.getKey();
    const keyId = state.authKey?.keyId;
    if (!authKey || keyId === undefined || !state.salt || !state.id) return originalEncrypt(data);
    const room = await crypto.seal(authKey, cache.keyId(keyId), cache.header(state.salt, state.id), data);
    const packet = room.subarray(PACKET_HEADROOM);
    withHeadroom.set(packet, room);
    return packet;
  };
  state.decryptMessageData = async (body: Buffer) => {
    const authKey = state.authKey?.getKey();
    const keyId = state.authKey?.keyId;
    if (body.length < THREAD_MIN_BYTES || !authKey || keyId === undefined) return originalDecrypt(body);
    if (!body.subarray(0, 8).equals(cache.keyId(keyId))) throw new SecurityError('Server replied with an invalid auth key');
    let plain: Buffer;
    try {
      plain = await crypto.open(authKey, body);
    } catch (error) {
      if (error instanceof PacketKeyMismatchError) throw new SecurityError(error.message);
      throw error;
    }
    return readServerMessage(state, plain);
  };
}

interface GzipPackedStatics {
  gzip(input: Buffer): Buffer | Promise<Buffer>;
  gzipIfSmaller(contentRelated: boolean, data: Buffer): Promise<Buffer>;
}

let originalGzipIfSmaller: GzipPackedStatics['gzipIfSmaller'] | undefined;

function gzipPacked(): GzipPackedStatics {
  const require = createRequire(import.meta.url);
  return (require('telegram/tl/core/GZIPPacked.js') as { GZIPPacked: GzipPackedStatics }).GZIPPacked;
}

/**
 * GramJS 2.26.22 "gzips" every content-related message over 512 bytes before sending it, but its
 * gzip is a copy (`GZIPPacked.gzip` returns `Buffer.from(input)`; real compression is commented
 * out), so the packed form is always longer and thrown away: three copies of every upload part
 * for nothing. When gzip is still that identity, gzipIfSmaller returns its input at once, which is
 * what it returned anyway. A GramJS whose gzip compresses keeps its own method. Returns true when
 * this call made the change.
 */
export function skipNoopGzip(): boolean {
  if (originalGzipIfSmaller) return false;
  const GZIPPacked = gzipPacked();
  const probe = Buffer.from('courier probe: is gzip a copy? '.repeat(40));
  const packed = GZIPPacked.gzip(probe);
  if (!(packed instanceof Buffer) || !packed.equals(probe)) return false;
  originalGzipIfSmaller = GZIPPacked.gzipIfSmaller;
  GZIPPacked.gzipIfSmaller = async (_contentRelated: boolean, data: Buffer) => data;
  return true;
}

/** Puts GramJS's own gzipIfSmaller back (the benchmarks' stock baseline). */
export function restoreNoopGzip(): void {
  if (!originalGzipIfSmaller) return;
  gzipPacked().gzipIfSmaller = originalGzipIfSmaller;
  originalGzipIfSmaller = undefined;
}
