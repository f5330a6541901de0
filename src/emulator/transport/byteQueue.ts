/**
 * A FIFO of received TCP chunks. TCP delivers a stream, so one MTProto frame may arrive split
 * over many chunks, or many frames in one chunk; the codecs read from this queue and only
 * consume bytes once a whole frame is present.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** The first `n` bytes without consuming them (caller checks `length >= n`). */
  peek(n: number): Buffer {
    this.coalesce(n);
    return this.chunks[0]!.subarray(0, n);
  }

  /** Removes and returns the first `n` bytes (caller checks `length >= n`). */
  take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    this.coalesce(n);
    const head = this.chunks[0]!;
    const out = head.subarray(0, n);
    if (head.length === n) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    this.total -= n;
    return out;
  }

  /** Makes the first chunk at least `n` bytes long, copying only when a frame spans chunks. */
  private coalesce(n: number): void {
    if (n > this.total) throw new RangeError(`ByteQueue: asked for ${n} bytes, only ${this.total} buffered`);
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) return;
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const c = this.chunks.shift()!;
      parts.push(c);
      got += c.length;
    }
    this.chunks.unshift(Buffer.concat(parts, got));
  }
}
