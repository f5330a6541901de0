/**
 * MTProto 2.0 packets of a media connection, sealed and opened as plain functions on bytes, so
 * they run on the main thread or in the transfer crypto thread alike (cryptoPool.ts).
 *
 * The layout is the spec's (core.telegram.org/mtproto/description, "Defining AES Key and
 * Initialization Vector"): plaintext = salt (8) | session_id (8) | message | 12..1024 random bytes
 * making a multiple of 16; msg_key_large = SHA256(substr(auth_key, 88 + x, 32) + plaintext), x = 0
 * from the client and 8 from the server; msg_key = its bytes 8..24; sha256_a = SHA256(msg_key +
 * substr(auth_key, x, 36)), sha256_b = SHA256(substr(auth_key, 40 + x, 36) + msg_key); key =
 * a[0..8] b[8..24] a[24..32]; iv = b[0..8] a[8..24] b[24..32]; packet = auth_key_id | msg_key |
 * AES-256-IGE(plaintext). GramJS's padding rule (the minimum, 12..27 bytes) is kept.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { ige256DecryptInPlace, ige256EncryptNative } from './igeNative.js';

export { asBuffer, ownsItsMemory } from './igeNative.js';

/** Bytes kept free in front of a sealed packet for the abridged transport's length (1 or 4). */
export const PACKET_HEADROOM = 4;

/** A server packet whose msg_key does not match its plaintext (core.telegram.org/mtproto/security_guidelines): it must be ignored. */
export class PacketKeyMismatchError extends Error {
  constructor() {
    super("Received msg_key doesn't match with expected one");
    this.name = 'PacketKeyMismatchError';
  }
}

/** MTProto 2.0 key and iv for a message with this msg_key (x = 0 client to server, 8 server to client). */
export function messageKeyAndIv(authKey: Buffer, msgKey: Buffer, x: 0 | 8): { key: Buffer; iv: Buffer } {
  const a = createHash('sha256').update(msgKey).update(authKey.subarray(x, x + 36)).digest();
  const b = createHash('sha256').update(authKey.subarray(x + 40, x + 76)).update(msgKey).digest();
  const key = Buffer.concat([a.subarray(0, 8), b.subarray(8, 24), a.subarray(24, 32)]);
  const iv = Buffer.concat([b.subarray(0, 8), a.subarray(8, 24), b.subarray(24, 32)]);
  return { key, iv };
}

/** Padding GramJS uses: the least of 12..27 bytes that makes the plaintext a multiple of 16. */
function paddingFor(length: number): number {
  return ((-(length + 12) % 16) + 16) % 16 + 12;
}

let scratchBytes = Buffer.allocUnsafeSlow(0);

/**
 * `size` bytes of this thread's plaintext scratch space. Sealing is synchronous, so one buffer
 * serves every packet: a fresh 512 KiB per part was garbage that the isolate kept for a while
 * (tens of MB of RSS in a big upload).
 */
function scratch(size: number): Buffer {
  if (scratchBytes.length < size) scratchBytes = Buffer.allocUnsafeSlow(Math.max(size, 64 * 1024));
  return scratchBytes.subarray(0, size);
}

/**
 * Seals one outgoing message body (what GramJS's MessagePacker produced) as a client packet on
 * `authKey`: returns PACKET_HEADROOM free bytes followed by auth_key_id | msg_key | ciphertext.
 * The body is copied once, into the plaintext (scratch space); the ciphertext is written straight
 * into the packet. Buffers made on the way and of no further use are added to `spent`.
 */
export function sealClientPacket(authKey: Buffer, keyId: Buffer, prefix: Buffer, body: Buffer, spent?: Buffer[]): Buffer {
  const length = prefix.length + body.length;
  const total = length + paddingFor(length);
  const plain = scratch(total);
  prefix.copy(plain, 0);
  body.copy(plain, prefix.length);
  randomFillSync(plain, length, total - length);
  const msgKey = createHash('sha256').update(authKey.subarray(88, 120)).update(plain).digest().subarray(8, 24);
  const { key, iv } = messageKeyAndIv(authKey, msgKey, 0);
  const room = Buffer.allocUnsafeSlow(PACKET_HEADROOM + 24 + total);
  keyId.copy(room, PACKET_HEADROOM);
  msgKey.copy(room, PACKET_HEADROOM + 8);
  const cipherOutput = ige256EncryptNative(plain, key, iv, room.subarray(PACKET_HEADROOM + 24));
  spent?.push(cipherOutput);
  return room;
}

/**
 * Opens a server packet (auth_key_id | msg_key | ciphertext) whose key id the caller has checked,
 * in place: the ciphertext becomes the plaintext (salt, session_id, msg_id, seq_no, length,
 * message, padding), which is returned as a view of `packet`. Throws PacketKeyMismatchError when
 * msg_key is not the hash of it (the packet is then garbage).
 */
export function openServerPacket(authKey: Buffer, packet: Buffer): Buffer {
  if (packet.length < 24 + 32 || (packet.length - 24) % 16 !== 0) throw new PacketKeyMismatchError();
  const msgKey = Buffer.from(packet.subarray(8, 24));
  const { key, iv } = messageKeyAndIv(authKey, msgKey, 8);
  const plain = packet.subarray(24);
  ige256DecryptInPlace(plain, key, iv);
  const expected = createHash('sha256').update(authKey.subarray(96, 128)).update(plain).digest().subarray(8, 24);
  if (!expected.equals(msgKey)) throw new PacketKeyMismatchError();
  return plain;
}
