/**
 * Where a media connection's big packets are sealed and opened: on the main thread (inline), or in
 * one transfer crypto thread (Piscina, workers/transferCrypto.ts) when the composition root names
 * that worker file.
 *
 * Why a thread: AES-IGE decryption has no native route in Node (fastIge.ts), so each 1 MiB
 * download chunk costs about 10 ms of WebAssembly, and an upload part a few ms of AES and hashing;
 * on the main thread that was over half its busy time in a download and held the event loop
 * (p99 above 60 ms) that every other chat's updates go through. One thread is enough for a
 * transfer (it seals or opens 100+ MB/s); it starts with the first big packet and is left idle,
 * unref'd, between transfers. Packets under THREAD_MIN_BYTES stay inline: a crossing would cost
 * more than their crypto.
 */
import { Piscina } from 'piscina';
import { asBuffer, openServerPacket, ownsItsMemory, PacketKeyMismatchError, sealClientPacket } from './packetCrypto.js';
import type { OpenTask, SealTask } from './cryptoThread.js';

/** Bodies and packets from this size on go to the crypto thread, when there is one. */
export const THREAD_MIN_BYTES = 64 * 1024;

export interface PacketCrypto {
  /** PACKET_HEADROOM free bytes + auth_key_id | msg_key | ciphertext (packetCrypto.sealClientPacket). */
  seal(authKey: Buffer, keyId: Buffer, prefix: Buffer, body: Buffer): Promise<Buffer>;
  /** The plaintext of a server packet (in place: `packet` must not be used again); PacketKeyMismatchError when its msg_key does not match. */
  open(authKey: Buffer, packet: Buffer): Promise<Buffer>;
  /** Stops the thread, if one was started. */
  close(): Promise<void>;
}

export const inlinePacketCrypto: PacketCrypto = {
  seal: async (authKey, keyId, prefix, body) => sealClientPacket(authKey, keyId, prefix, body),
  open: async (authKey, packet) => openServerPacket(authKey, packet),
  close: async () => {},
};

/**
 * Bytes that can cross to the thread: a Buffer that owns its whole memory is moved (the caller
 * must not use it again); any other is copied first, so a view never drags along, or detaches,
 * the memory around it.
 */
function movable(bytes: Buffer): { view: Uint8Array; transfer: ArrayBuffer[] } {
  if (ownsItsMemory(bytes)) return { view: bytes, transfer: [bytes.buffer as ArrayBuffer] };
  const copy = new Uint8Array(bytes);
  return { view: copy, transfer: [copy.buffer] };
}

/** Seals and opens packets of THREAD_MIN_BYTES or more in one thread running `workerFile`, smaller ones inline. */
export function threadPacketCrypto(workerFile: string): PacketCrypto {
  let pool: Piscina | undefined;
  const piscina = () => (pool ??= new Piscina({ filename: workerFile, name: 'seal', minThreads: 1, maxThreads: 1, concurrentTasksPerWorker: 1 }));
  return {
    async seal(authKey, keyId, prefix, body) {
      if (body.length < THREAD_MIN_BYTES) return sealClientPacket(authKey, keyId, prefix, body);
      const { view, transfer } = movable(body);
      // Small fields are copied out of Node's shared 8 KiB pool, which a clone would carry whole.
      const task: SealTask = { authKey: new Uint8Array(authKey), keyId: new Uint8Array(keyId), prefix: new Uint8Array(prefix), body: view };
      return asBuffer((await piscina().run(task, { name: 'seal', transferList: transfer })) as Uint8Array);
    },
    async open(authKey, packet) {
      if (packet.length < THREAD_MIN_BYTES) return openServerPacket(authKey, packet);
      const { view, transfer } = movable(packet);
      const task: OpenTask = { authKey: new Uint8Array(authKey), packet: view };
      const opened = (await piscina().run(task, { name: 'open', transferList: transfer })) as Uint8Array | null;
      if (!opened) throw new PacketKeyMismatchError();
      return asBuffer(opened).subarray(24);
    },
    async close() {
      const running = pool;
      pool = undefined;
      await running?.destroy();
    },
  };
}
