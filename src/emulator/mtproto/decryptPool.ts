/**
 * Worker threads that decrypt big client packets in parallel, so one core's AES-IGE speed is not
 * the emulator's upload ceiling.
 *
 * Why workers: AES-IGE decryption chains every block through the AES *decryption* function, which
 * no native OpenSSL mode exposes, so it runs in WebAssembly at roughly 150-190 MB/s per core
 * (measured by `npm run bench -- emulator`). Messages are independent of each other (each has its
 * own msg_key, hence its own AES key and IV), so N workers open N packets at once; the dispatcher
 * keeps each connection's messages in arrival order (dispatcher.ts).
 *
 * The pool starts its workers on first use and never makes a caller wait for them: until one
 * reports ready, and after any worker fails, `tryDecrypt` answers null and the caller decrypts on
 * its own thread. Workers are ref'd only while they hold work (or are being warmed up), so a
 * forgotten idle pool never keeps a process alive, yet a pending decryption always completes.
 */
import type { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { EnvelopeError, type PlainMessage } from './envelope.js';
import { startModuleWorker, siblingModule } from './moduleWorker.js';
import { DECRYPT_WORKER_FLAG, type DecryptAnswer, type DecryptTask } from './decryptWorker.js';

/** The default number of workers: every core, at most 8 (more than 8 cores' worth of IGE exceeds any loopback client). */
export function defaultDecryptWorkers(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

interface Pending {
  readonly resolve: (m: PlainMessage) => void;
  readonly reject: (err: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  /** Settles when the worker reports ready or fails. */
  readonly settled: Promise<void>;
  settle(): void;
  readonly pending: Map<number, Pending>;
}

/** A worker died; the packets it held are answered by the caller's fallback. */
export class DecryptWorkerError extends Error {
  constructor(message: string) {
    super(`emulator decrypt worker failed: ${message}; decrypting on the main thread from now on`);
    this.name = 'DecryptWorkerError';
  }
}

export class DecryptPool {
  private slots: Slot[] = [];
  private started = false;
  private broken = false;
  private nextId = 1;

  constructor(
    readonly size: number,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  private start(): void {
    this.started = true;
    const filename = siblingModule(import.meta.url, 'decryptWorker');
    for (let i = 0; i < this.size; i++) {
      const worker = startModuleWorker(filename, { [DECRYPT_WORKER_FLAG]: true });
      worker.unref();
      let settle = (): void => undefined;
      const settled = new Promise<void>((resolve) => (settle = resolve));
      const slot: Slot = { worker, ready: false, pending: new Map(), settled, settle };
      worker.on('message', (answer: DecryptAnswer) => this.onAnswer(slot, answer));
      worker.on('error', (err) => this.fail(slot, err.message));
      worker.on('exit', (code) => this.fail(slot, `exited with code ${code}`));
      this.slots.push(slot);
    }
  }

  private onAnswer(slot: Slot, answer: DecryptAnswer): void {
    if (answer.type === 'ready') {
      slot.ready = true;
      slot.settle();
      return;
    }
    const p = slot.pending.get(answer.id);
    if (!p) return;
    slot.pending.delete(answer.id);
    if (slot.pending.size === 0) slot.worker.unref();
    if (answer.type === 'rejected') return p.reject(new EnvelopeError(answer.reason.replace(/; the packet is dropped.*$/, '')));
    const body = Buffer.from(answer.plain, answer.bodyOffset, answer.bodyLength);
    p.resolve({ salt: answer.salt, sessionId: answer.sessionId, msgId: answer.msgId, seqNo: answer.seqNo, body });
  }

  private fail(slot: Slot, why: string): void {
    slot.settle();
    if (!this.slots.includes(slot)) return;
    this.slots = this.slots.filter((s) => s !== slot);
    if (!this.broken) this.log(new DecryptWorkerError(why).message);
    this.broken = true;
    for (const p of slot.pending.values()) p.reject(new DecryptWorkerError(why));
    slot.pending.clear();
  }

  /**
   * Decrypts `packet` under `authKey` on a worker, or answers null when no worker can take it now
   * (still starting, or the pool failed): the caller then decrypts on its own thread.
   * Rejects with EnvelopeError for an untrustworthy packet, DecryptWorkerError if the worker died.
   */
  tryDecrypt(authKey: Buffer, packet: Buffer): Promise<PlainMessage> | null {
    if (this.broken || this.size === 0) return null;
    if (!this.started) this.start();
    let best: Slot | null = null;
    for (const s of this.slots) if (s.ready && (!best || s.pending.size < best.pending.size)) best = s;
    if (!best) return null;
    const slot = best;
    // A socket chunk's buffer holds other data too: copy the packet out so only its bytes move.
    const own = new Uint8Array(packet.length);
    own.set(packet);
    const id = this.nextId++;
    return new Promise<PlainMessage>((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { resolve, reject });
      const task: DecryptTask = { id, authKey: new Uint8Array(authKey), packet: own };
      slot.worker.postMessage(task, [own.buffer]);
    });
  }

  /**
   * Starts the workers now rather than on the first big packet, and resolves with how many are
   * ready once each has reported ready or failed. Benchmarks call it so start-up is not measured.
   */
  async warmUp(): Promise<number> {
    if (this.broken || this.size === 0) return 0;
    if (!this.started) this.start();
    const slots = [...this.slots];
    for (const s of slots) s.worker.ref();
    await Promise.all(slots.map((s) => s.settled));
    for (const s of slots) if (s.pending.size === 0) s.worker.unref();
    return this.slots.filter((s) => s.ready).length;
  }

  async close(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    this.broken = true;
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
