/**
 * A sliding window over the numbered parts of one transfer (pure: no timers, no I/O).
 *
 * Up to `windowSize` parts are in flight; each confirmation frees a slot that the next missing
 * part takes at once (no batch barrier, unlike GramJS's uploadFile). A failed part is retried
 * with exponential backoff for at most `maxAttempts` sends. A FLOOD_WAIT_X pauses the whole
 * window for X seconds (core.telegram.org/api/errors#420-flood: "wait X seconds before
 * repeating the request"), because any other part sent meanwhile would meet the same wait.
 * Parts confirmed earlier (a resumed transfer) are never handed out again.
 *
 * The caller owns time: it passes `now` (ms) in, starts the parts `takeReady` returns, reports
 * each outcome, and when nothing is ready sleeps until `wakeAt`.
 */

export interface PartWindowOptions {
  totalParts: number;
  windowSize: number;
  /** Parts already stored by Telegram (from a previous run). */
  confirmed?: Iterable<number>;
  /** Sends of one part before giving up, the first included. Default 5. */
  maxAttempts?: number;
  /** Delay before the first retry; doubles each time up to maxBackoffMs. Default 500 ms. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** A FLOOD_WAIT longer than this fails the transfer instead of pausing. Default 600 s. */
  maxFloodWaitSeconds?: number;
}

/** What went wrong with one send, as the driver classified it. */
export type PartFailure =
  | { kind: 'retry'; error: unknown }
  | { kind: 'flood'; seconds: number; error: unknown }
  | { kind: 'fatal'; error: unknown };

/** What the window decided about a failure. */
export type FailureVerdict =
  | { kind: 'retry-later'; atMs: number }
  | { kind: 'give-up'; reason: string; error: unknown };

interface Retry {
  part: number;
  notBeforeMs: number;
}

export class PartWindow {
  readonly totalParts: number;
  readonly windowSize: number;
  private readonly maxAttempts: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxFloodWaitSeconds: number;

  private readonly confirmed = new Set<number>();
  private readonly inFlight = new Set<number>();
  private readonly attempts = new Map<number, number>();
  private retries: Retry[] = [];
  /** Next never-sent part to consider, scanning upwards. */
  private cursor = 0;
  private pausedUntilMs = 0;
  private failure: FailureVerdict | undefined;

  constructor(options: PartWindowOptions) {
    if (!Number.isInteger(options.totalParts) || options.totalParts < 0) {
      throw new RangeError(`totalParts must be a whole number, got ${options.totalParts}`);
    }
    if (!Number.isInteger(options.windowSize) || options.windowSize < 1) {
      throw new RangeError(`windowSize must be at least 1, got ${options.windowSize}`);
    }
    this.totalParts = options.totalParts;
    this.windowSize = options.windowSize;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseBackoffMs = options.baseBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.maxFloodWaitSeconds = options.maxFloodWaitSeconds ?? 600;
    for (const part of options.confirmed ?? []) {
      if (Number.isInteger(part) && part >= 0 && part < this.totalParts) this.confirmed.add(part);
    }
  }

  /** Parts to start now, filling free slots: due retries first, then unsent parts in order. */
  takeReady(nowMs: number): number[] {
    if (this.failure || nowMs < this.pausedUntilMs) return [];
    const ready: number[] = [];
    const free = () => this.windowSize - this.inFlight.size - ready.length;
    this.retries.sort((a, b) => a.notBeforeMs - b.notBeforeMs || a.part - b.part);
    while (free() > 0 && this.retries[0] && this.retries[0].notBeforeMs <= nowMs) {
      ready.push(this.retries.shift()!.part);
    }
    while (free() > 0 && this.cursor < this.totalParts) {
      const part = this.cursor++;
      if (!this.confirmed.has(part)) ready.push(part);
    }
    for (const part of ready) {
      this.inFlight.add(part);
      this.attempts.set(part, (this.attempts.get(part) ?? 0) + 1);
    }
    return ready;
  }

  /** Telegram stored `part`. */
  confirm(part: number): void {
    this.inFlight.delete(part);
    this.confirmed.add(part);
  }

  /** A send of `part` failed; decides whether and when it is tried again. */
  fail(part: number, failure: PartFailure, nowMs: number): FailureVerdict {
    this.inFlight.delete(part);
    let verdict: FailureVerdict;
    if (failure.kind === 'fatal') {
      verdict = { kind: 'give-up', reason: `part ${part} failed and cannot be retried`, error: failure.error };
    } else if (failure.kind === 'flood') {
      if (failure.seconds > this.maxFloodWaitSeconds) {
        verdict = {
          kind: 'give-up',
          reason: `Telegram asked to wait ${failure.seconds} s (FLOOD_WAIT), longer than the ${this.maxFloodWaitSeconds} s allowed`,
          error: failure.error,
        };
      } else {
        // A flood wait is the server's pacing, not the part's fault: it costs no attempt.
        this.attempts.set(part, (this.attempts.get(part) ?? 1) - 1);
        this.pausedUntilMs = Math.max(this.pausedUntilMs, nowMs + failure.seconds * 1000);
        verdict = { kind: 'retry-later', atMs: this.pausedUntilMs };
      }
    } else {
      const attempts = this.attempts.get(part) ?? 1;
      if (attempts >= this.maxAttempts) {
        verdict = { kind: 'give-up', reason: `part ${part} failed ${attempts} times`, error: failure.error };
      } else {
        const delay = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** (attempts - 1));
        verdict = { kind: 'retry-later', atMs: nowMs + delay };
      }
    }
    if (verdict.kind === 'give-up') {
      this.failure ??= verdict;
    } else {
      this.retries.push({ part, notBeforeMs: verdict.atMs });
    }
    return verdict;
  }

  /** When the caller should call takeReady again if nothing completes first; undefined: no timer needed. */
  wakeAt(nowMs: number): number | undefined {
    if (this.failure || this.isDone()) return undefined;
    if (this.inFlight.size >= this.windowSize) return undefined;
    let wake: number | undefined;
    if (this.pausedUntilMs > nowMs) wake = this.pausedUntilMs;
    const earliestRetry = this.retries.reduce<number | undefined>(
      (min, r) => (min === undefined || r.notBeforeMs < min ? r.notBeforeMs : min),
      undefined,
    );
    const hasUnsent = this.cursor < this.totalParts;
    const candidate = hasUnsent ? nowMs : earliestRetry;
    if (candidate === undefined) return wake;
    return Math.max(wake ?? 0, candidate);
  }

  isDone(): boolean {
    return this.confirmed.size === this.totalParts;
  }

  /** The give-up verdict that stopped the window, if any. */
  failed(): FailureVerdict | undefined {
    return this.failure;
  }

  inFlightCount(): number {
    return this.inFlight.size;
  }

  attemptsOf(part: number): number {
    return this.attempts.get(part) ?? 0;
  }

  confirmedParts(): number[] {
    return [...this.confirmed].sort((a, b) => a - b);
  }

  missingParts(): number[] {
    const missing: number[] = [];
    for (let part = 0; part < this.totalParts; part++) if (!this.confirmed.has(part)) missing.push(part);
    return missing;
  }
}
