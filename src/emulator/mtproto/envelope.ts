/**
 * MTProto 2.0 encrypted envelope (core.telegram.org/mtproto/description, "Defining AES Key and
 * Initialization Vector"; security_guidelines, "checking sha256 hash value of msg_key").
 *
 *   auth_key_id(8) msg_key(16) AES-IGE(salt(8) session_id(8) msg_id(8) seq_no(4) length(4) body padding)
 *   msg_key = middle 128 bits of SHA256(substr(auth_key, 88 + x, 32) + plaintext_with_padding)
 *   x = 0 for client -> server, 8 for server -> client; padding is 12..1024 bytes.
 */
import { randomBytes } from 'node:crypto';
import { aesIgeDecrypt, aesIgeEncrypt, sha256 } from './crypto.js';

export interface PlainMessage {
  readonly salt: bigint;
  readonly sessionId: bigint;
  readonly msgId: bigint;
  readonly seqNo: number;
  readonly body: Buffer;
}

/** The packet cannot be trusted (wrong msg_key, bad length or padding). Treated as "not received". */
export class EnvelopeError extends Error {
  constructor(message: string) {
    super(`${message}; the packet is dropped as if it was never received`);
    this.name = 'EnvelopeError';
  }
}

function aesKeyIv(authKey: Buffer, msgKey: Buffer, x: number): { key: Buffer; iv: Buffer } {
  const a = sha256(msgKey, authKey.subarray(x, x + 36));
  const b = sha256(authKey.subarray(40 + x, 76 + x), msgKey);
  return {
    key: Buffer.concat([a.subarray(0, 8), b.subarray(8, 24), a.subarray(24, 32)]),
    iv: Buffer.concat([b.subarray(0, 8), a.subarray(8, 24), b.subarray(24, 32)]),
  };
}

function seal(authKey: Buffer, authKeyId: bigint, m: PlainMessage, x: number, padTo: (len: number) => number): Buffer {
  const header = Buffer.alloc(32);
  header.writeBigInt64LE(BigInt.asIntN(64, m.salt), 0);
  header.writeBigInt64LE(BigInt.asIntN(64, m.sessionId), 8);
  header.writeBigInt64LE(BigInt.asIntN(64, m.msgId), 16);
  header.writeInt32LE(m.seqNo, 24);
  header.writeInt32LE(m.body.length, 28);
  const unpadded = 32 + m.body.length;
  const plain = Buffer.concat([header, m.body, randomBytes(padTo(unpadded))]);
  const msgKey = sha256(authKey.subarray(88 + x, 120 + x), plain).subarray(8, 24);
  const { key, iv } = aesKeyIv(authKey, msgKey, x);
  const keyId = Buffer.alloc(8);
  keyId.writeBigUInt64LE(authKeyId, 0);
  return Buffer.concat([keyId, msgKey, aesIgeEncrypt(plain, key, iv)]);
}

/** 12..27 bytes of padding, to a whole number of AES blocks. */
function minimalPadding(len: number): number {
  return 12 + ((16 - ((len + 12) % 16)) % 16);
}

/** Server -> client (x = 8). */
export function encryptServerMessage(authKey: Buffer, authKeyId: bigint, m: PlainMessage): Buffer {
  return seal(authKey, authKeyId, m, 8, minimalPadding);
}

/** Client -> server (x = 0); used by tests playing the client. */
export function encryptClientMessage(authKey: Buffer, authKeyId: bigint, m: PlainMessage): Buffer {
  return seal(authKey, authKeyId, m, 0, minimalPadding);
}

function open(authKey: Buffer, packet: Buffer, x: number): PlainMessage {
  if (packet.length < 24 + 48 || (packet.length - 24) % 16 !== 0) throw new EnvelopeError(`encrypted packet of ${packet.length} bytes is malformed`);
  const msgKey = packet.subarray(8, 24);
  const { key, iv } = aesKeyIv(authKey, msgKey, x);
  const plain = aesIgeDecrypt(packet.subarray(24), key, iv);
  // security_guidelines: always recompute msg_key over the whole decrypted plaintext.
  const expected = sha256(authKey.subarray(88 + x, 120 + x), plain).subarray(8, 24);
  if (!expected.equals(msgKey)) throw new EnvelopeError('msg_key does not match the decrypted data');
  const length = plain.readInt32LE(28);
  const padding = plain.length - 32 - length;
  if (length < 0 || length % 4 !== 0 || padding < 12 || padding > 1024) throw new EnvelopeError(`message_data_length ${length} with ${padding} padding bytes is invalid`);
  return {
    salt: plain.readBigInt64LE(0),
    sessionId: plain.readBigInt64LE(8),
    msgId: plain.readBigInt64LE(16),
    seqNo: plain.readInt32LE(24),
    body: plain.subarray(32, 32 + length),
  };
}

export function decryptClientMessage(authKey: Buffer, packet: Buffer): PlainMessage {
  return open(authKey, packet, 0);
}

/** Used by tests playing the client. */
export function decryptServerMessage(authKey: Buffer, packet: Buffer): PlainMessage {
  return open(authKey, packet, 8);
}
