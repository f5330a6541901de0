/**
 * The tasks of the transfer crypto thread (workers/transferCrypto.ts re-exports them for Piscina):
 * sealing and opening big media packets off the main thread. What crosses the thread boundary is
 * plain bytes; results move back without a copy, and a packet that fails its msg_key check comes
 * back as `null`, since a custom error class does not survive the crossing.
 */
import './wasmInThread.js';
import { Piscina } from 'piscina';
import { asBuffer, openServerPacket, PacketKeyMismatchError, sealClientPacket } from './packetCrypto.js';

export interface SealTask {
  authKey: Uint8Array;
  keyId: Uint8Array;
  prefix: Uint8Array;
  body: Uint8Array;
}

export interface OpenTask {
  authKey: Uint8Array;
  packet: Uint8Array;
}

export function seal(task: SealTask): unknown {
  return Piscina.move(sealClientPacket(asBuffer(task.authKey), asBuffer(task.keyId), asBuffer(task.prefix), asBuffer(task.body)));
}

/** The packet (moved back) with its ciphertext turned into the plaintext, or null when its msg_key does not match. */
export function open(task: OpenTask): unknown {
  try {
    const packet = asBuffer(task.packet);
    openServerPacket(asBuffer(task.authKey), packet);
    return Piscina.move(packet);
  } catch (error) {
    if (error instanceof PacketKeyMismatchError) return null;
    throw error;
  }
}
