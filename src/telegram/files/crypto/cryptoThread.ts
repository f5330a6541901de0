/**
 * The tasks of the transfer crypto thread (workers/transferCrypto.ts re-exports them for Piscina):
 * sealing and opening big media packets off the main thread. What crosses the thread boundary is
 * plain bytes; results move back without a copy, and a packet that fails its msg_key check comes
 * back as `null`, since a custom error class does not survive the crossing.
 */
import './wasmInThread.js';
import { Piscina } from 'piscina';
import { asBuffer, openServerPacket, ownsItsMemory, PacketKeyMismatchError, sealClientPacket } from './packetCrypto.js';

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

/**
 * The sealed packet (moved back), and with it, unseen, the body that came in and the cipher's
 * output buffer: dead here, they go to the main thread's heap, whose collection frees them. An
 * isolate lets tens of MB of dead buffers build up before it collects; with this thread keeping
 * none, only one heap does (the main thread's, which has its own anyway).
 */
export function seal(task: SealTask): unknown {
  const body = asBuffer(task.body);
  const spent: Buffer[] = [body];
  const room = sealClientPacket(asBuffer(task.authKey), asBuffer(task.keyId), asBuffer(task.prefix), body, spent);
  const transfer = [room, ...spent].filter(ownsItsMemory).map((b) => b.buffer);
  return Piscina.move({ [Piscina.transferableSymbol]: transfer, [Piscina.valueSymbol]: room } as never);
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
