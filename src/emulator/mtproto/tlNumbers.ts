/**
 * Conversions between GramJS's big-integer values (TL long / int128 / int256) and native bigint
 * or little-endian bytes, as they appear on the wire.
 */
import type { Api } from 'telegram';
import { readBigIntFromBuffer, returnBigInt, toSignedLittleBuffer } from 'telegram/Helpers.js';

export type BigInteger = Api.long;

export function toGramBig(n: bigint): BigInteger {
  return returnBigInt(n.toString());
}

export function fromGramBig(n: BigInteger): bigint {
  return BigInt(n.toString());
}

/** Wire bytes (little-endian, two's complement) of an int128/int256/long value. */
export function gramBigToLeBytes(n: BigInteger, size: number): Buffer {
  return toSignedLittleBuffer(n, size);
}

export function leBytesToGramBig(b: Buffer): BigInteger {
  return readBigIntFromBuffer(b, true, true);
}
