/**
 * Retry with backoff for chats whose drain failed (Telegram unreachable, say). The row stays
 * pending in the inbox; the chat is notified again a little later rather than only when its next
 * message arrives. The wait doubles with each consecutive failure of that chat, up to a cap, and a
 * drain that finishes forgets the chat's failures. Each retry counts an attempt on the row, so a
 * row that can never succeed is skipped in the end (drain.ts, DEFAULT_MAX_ATTEMPTS).
 */
import type { Cancel, Timers } from './timers.js';

export interface Backoff {
  /** The wait after the first failure. */
  firstMs: number;
  /** No wait is longer than this. */
  maxMs: number;
}

/** 5 s, 10 s, 20 s, ... up to 5 minutes: with 50 attempts allowed, a row is retried for hours. */
export const CHAT_RETRY_BACKOFF: Backoff = { firstMs: 5_000, maxMs: 300_000 };

/** The wait after the `failures`-th consecutive failure (1 = the first): doubling from firstMs, capped at maxMs. */
export function retryDelayMs(failures: number, backoff: Backoff): number {
  return Math.min(backoff.firstMs * 2 ** (Math.max(1, failures) - 1), backoff.maxMs);
}

export interface ChatRetryOptions {
  backoff: Backoff;
  timers: Timers;
  /** Called when a chat's wait is over: notify the queue. */
  retry(chatKey: string): void;
}

/** Counts consecutive failures per chat and schedules each chat's retry; stop() cancels what is pending. */
export class ChatRetry {
  /** Consecutive failed drains per chat; a chat that drains fine is forgotten. */
  private readonly failureCounts = new Map<string, number>();
  private readonly scheduled = new Set<Cancel>();
  private stopped = false;

  constructor(private readonly options: ChatRetryOptions) {}

  /** Records a failed drain of `chatKey` and schedules its retry; returns the wait in ms. */
  failed(chatKey: string): number {
    const failures = (this.failureCounts.get(chatKey) ?? 0) + 1;
    this.failureCounts.set(chatKey, failures);
    const delayMs = retryDelayMs(failures, this.options.backoff);
    if (this.stopped) return delayMs;
    const cancel = this.options.timers.after(delayMs, () => {
      this.scheduled.delete(cancel);
      this.options.retry(chatKey);
    });
    this.scheduled.add(cancel);
    return delayMs;
  }

  /** A drain of `chatKey` finished: its next failure waits firstMs again. */
  succeeded(chatKey: string): void {
    this.failureCounts.delete(chatKey);
  }

  /** Consecutive failures of `chatKey` so far. */
  failures(chatKey: string): number {
    return this.failureCounts.get(chatKey) ?? 0;
  }

  /** Retries still waiting. */
  get waiting(): number {
    return this.scheduled.size;
  }

  /** Cancels every waiting retry and schedules no more (their rows stay pending for the next start). */
  stop(): void {
    this.stopped = true;
    for (const cancel of this.scheduled) cancel();
    this.scheduled.clear();
  }
}
