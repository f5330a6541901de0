/**
 * The socket under media connections (mediaSender.ts): GramJS's PromisedNetSockets with a reading
 * side that does not copy what it buffers.
 *
 * Why: GramJS 2.26.22 appends every incoming TCP chunk to one buffer (`Buffer.concat([stream,
 * chunk])`), so while the reader is behind (decrypting the previous 1 MiB answer) each 64 KiB that
 * arrives copies everything buffered so far: quadratic in the backlog, and most of a fast
 * download's garbage. Here chunks wait in a list and `read(n)` hands out at most `n` bytes of the
 * first one (a view, no copy), as GramJS's contract says (up to n bytes); `readExactly` joins its
 * pieces once. Connecting, proxies, writing and closing stay GramJS's own.
 */
import { PromisedNetSockets } from 'telegram/extensions/PromisedNetSockets.js';

const closedError = new Error('NetSocket was closed');

interface SocketInternals {
  client?: import('node:net').Socket;
  closed: boolean;
}

export class ChunkedNetSocket extends PromisedNetSockets {
  private chunks: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  private wake: (() => void) | undefined;

  private get internals(): SocketInternals {
    return this as unknown as SocketInternals;
  }

  override async receive(): Promise<void> {
    const client = this.internals.client;
    if (!client) return;
    client.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.notify();
    });
    client.on('close', () => this.notify());
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async whenReadable(): Promise<void> {
    while (this.buffered === 0) {
      if (this.internals.closed || this.internals.client?.destroyed) throw closedError;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Up to `n` bytes of what has arrived (at least one), without copying. */
  override async read(n: number): Promise<Buffer> {
    if (this.internals.closed) throw closedError;
    await this.whenReadable();
    const first = this.chunks[this.head]!;
    let out: Buffer;
    if (first.length <= n) {
      out = first;
      this.chunks[this.head++] = undefined as unknown as Buffer;
      if (this.head > 64 && this.head * 2 > this.chunks.length) {
        this.chunks = this.chunks.slice(this.head);
        this.head = 0;
      }
    } else {
      out = first.subarray(0, n);
      this.chunks[this.head] = first.subarray(n);
    }
    this.buffered -= out.length;
    return out;
  }

  override async readExactly(n: number): Promise<Buffer> {
    const first = await this.read(n);
    if (first.length === n) return first;
    const pieces = [first];
    let got = first.length;
    while (got < n) {
      const piece = await this.read(n - got);
      pieces.push(piece);
      got += piece.length;
    }
    return Buffer.concat(pieces, n);
  }

  override async readAll(): Promise<Buffer> {
    await this.whenReadable();
    const all = Buffer.concat(this.chunks.slice(this.head), this.buffered);
    this.chunks = [];
    this.head = 0;
    this.buffered = 0;
    return all;
  }
}
