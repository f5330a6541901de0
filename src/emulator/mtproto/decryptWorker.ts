/**
 * The body of a decrypt worker thread (see decryptPool.ts): opens client packets exactly as the
 * dispatcher would on its own thread (envelope.ts: AES-256-IGE, msg_key check, length and
 * padding checks) and hands the plaintext back without copying it (the buffer is transferred).
 *
 * Messages are plain data: a `DecryptTask` in, a `DecryptAnswer` out, matched by `id`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decryptClientMessage, EnvelopeError } from './envelope.js';

/** workerData flag that makes this module act; importing it anywhere else does nothing. */
export const DECRYPT_WORKER_FLAG = 'courierEmulatorDecryptWorker';

export interface DecryptTask {
  readonly id: number;
  readonly authKey: Uint8Array;
  /** Exactly the packet's bytes; its buffer is transferred to the worker. */
  readonly packet: Uint8Array;
}

export type DecryptAnswer =
  | { readonly type: 'ready' }
  | {
      readonly type: 'opened';
      readonly id: number;
      readonly salt: bigint;
      readonly sessionId: bigint;
      readonly msgId: bigint;
      readonly seqNo: number;
      /** The decrypted plaintext's whole buffer (transferred); the body is [bodyOffset, bodyOffset + bodyLength). */
      readonly plain: ArrayBuffer;
      readonly bodyOffset: number;
      readonly bodyLength: number;
    }
  | { readonly type: 'rejected'; readonly id: number; readonly reason: string };

function open(task: DecryptTask): DecryptAnswer {
  try {
    const m = decryptClientMessage(Buffer.from(task.authKey.buffer, task.authKey.byteOffset, task.authKey.byteLength), Buffer.from(task.packet.buffer, task.packet.byteOffset, task.packet.byteLength));
    return { type: 'opened', id: task.id, salt: m.salt, sessionId: m.sessionId, msgId: m.msgId, seqNo: m.seqNo, plain: m.body.buffer as ArrayBuffer, bodyOffset: m.body.byteOffset, bodyLength: m.body.length };
  } catch (err) {
    // Only an untrustworthy packet is an answer; anything else is a bug and crashes the worker,
    // which the pool notices and handles by decrypting on the main thread.
    if (err instanceof EnvelopeError) return { type: 'rejected', id: task.id, reason: err.message };
    throw err;
  }
}

const data = workerData as Record<string, unknown> | null;
if (parentPort && data?.[DECRYPT_WORKER_FLAG]) {
  const port = parentPort;
  port.on('message', (task: DecryptTask) => {
    const answer = open(task);
    port.postMessage(answer, answer.type === 'opened' ? [answer.plain] : []);
  });
  port.postMessage({ type: 'ready' } satisfies DecryptAnswer);
}
