/**
 * One direction of a simulated network link (pure: no timers, no sockets; the caller passes `now`).
 *
 * A byte pushed at time t leaves at t + delay, after the bytes pushed before it, and, with a
 * bandwidth cap, no sooner than the link could have serialised everything ahead of it:
 *
 *   start = max(t, linkFreeAt);  linkFreeAt = start + bits / rate;  releaseAt = linkFreeAt + delay
 *
 * Both terms only grow, so release times are monotonic and byte order is kept. Chunks pushed
 * back to back leave back to back (a timed queue, not a sleep per chunk), so a link with 75 ms
 * of delay still carries the sender's full throughput, only later.
 */

export interface DelayLineOptions {
  /** One-way delay in ms (half the round trip). */
  delayMs: number;
  /** Bandwidth cap in megabits per second; undefined: unlimited. */
  mbit?: number;
}

interface Queued<T> {
  item: T;
  bytes: number;
  releaseAt: number;
}

export class DelayLine<T = Buffer> {
  private readonly delayMs: number;
  /** Bits per ms; Infinity without a cap. */
  private readonly bitsPerMs: number;
  private readonly queue: Queued<T>[] = [];
  private head = 0;
  private linkFreeAt = Number.NEGATIVE_INFINITY;
  private lastRelease = Number.NEGATIVE_INFINITY;
  private queued = 0;

  constructor(options: DelayLineOptions) {
    if (!(options.delayMs >= 0)) throw new RangeError(`delayMs must be >= 0, got ${options.delayMs}`);
    if (options.mbit !== undefined && !(options.mbit > 0)) throw new RangeError(`mbit must be > 0, got ${options.mbit}`);
    this.delayMs = options.delayMs;
    this.bitsPerMs = options.mbit === undefined ? Number.POSITIVE_INFINITY : options.mbit * 1000;
  }

  /** Queues `item` of `bytes` bytes arriving at `nowMs`; returns when it will leave. */
  push(item: T, bytes: number, nowMs: number): number {
    const start = Math.max(nowMs, this.linkFreeAt);
    this.linkFreeAt = start + (bytes * 8) / this.bitsPerMs;
    const releaseAt = Math.max(this.lastRelease, this.linkFreeAt + this.delayMs);
    this.lastRelease = releaseAt;
    this.queue.push({ item, bytes, releaseAt });
    this.queued += bytes;
    return releaseAt;
  }

  /** Items whose time has come, oldest first. */
  takeDue(nowMs: number): T[] {
    const due: T[] = [];
    while (this.head < this.queue.length && this.queue[this.head]!.releaseAt <= nowMs) {
      const next = this.queue[this.head++]!;
      this.queued -= next.bytes;
      due.push(next.item);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return due;
  }

  /** When the oldest queued item leaves; undefined when empty. */
  nextReleaseAt(): number | undefined {
    return this.queue[this.head]?.releaseAt;
  }

  /** Bytes waiting in the line (for back-pressure). */
  queuedBytes(): number {
    return this.queued;
  }
}
