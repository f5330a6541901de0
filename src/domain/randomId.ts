/**
 * Every message Courier sends carries a random_id derived from what caused it, never a fresh
 * random number: MTProto drops a second send with the same random_id (RANDOM_ID_DUPLICATE), so a
 * reply or job result re-sent after a crash cannot reach the user twice. One scheme for the bot's
 * replies, job messages, alerts and broadcasts.
 */
import { createHash } from 'node:crypto';

/** First 8 bytes of SHA-256("<key>#<ordinal>") as a signed 64-bit integer (TL `long`). */
export function derivedRandomId(key: string, ordinal: number): bigint {
  return createHash('sha256').update(`${key}#${ordinal}`).digest().readBigInt64BE(0);
}

/** The random_id of the `ordinal`-th message sent while handling the update named `updateKey`. */
export const replyRandomId: (updateKey: string, ordinal: number) => bigint = derivedRandomId;
