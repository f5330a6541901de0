/**
 * Dispatches inbox work per chat: one chat's updates strictly one after another, different chats
 * in parallel up to a limit, so a slow handler in one chat (a user whose video takes a minute to
 * probe) never delays another chat.
 *
 * The queue holds no updates itself: the durable inbox does. `notify(chatKey)` only says "this chat
 * has pending rows"; `handle(chatKey)` drains them (takes the oldest pending row, handles it, marks
 * it done, repeats until none is left). So:
 * - at most one drain per chat runs at a time, which gives the order;
 * - a notify while the chat is draining is remembered, and the chat is drained once more after,
 *   because the running drain may already have looked past the new row;
 * - that second drain queues behind other waiting chats (fairness), instead of holding its slot;
 * - after a restart, notifying every pendingChats() entry resumes exactly where the crash was.
 *
 * No GramJS, no SQL: only p-limit and the logger.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import { logger } from '../log/logger.js';

const log = logger('chatQueue');

export interface ChatQueueOptions {
  /** How many chats drain at once (at least 1). */
  concurrency: number;
  /**
   * Works on one chat: handles its pending work in order. Resolving `true` means "there may be
   * more": the chat goes to the back of the line instead of keeping its slot, so a chat with a long
   * backlog (each answer waiting for that chat's send limit) does not hold a slot others could use.
   */
  handle: (chatKey: string) => Promise<void | boolean>;
  /**
   * A drain rejected. The chat is not retried until it is notified again (a handler that fails at
   * once would otherwise spin); its rows are still pending in the inbox. Default: log an error.
   */
  onError?: (chatKey: string, error: unknown) => void;
}

type ChatPhase = 'waiting' | 'draining';

interface ChatEntry {
  phase: ChatPhase;
  /** Notified while draining: drain again after. */
  again: boolean;
}

export class ChatQueue {
  private readonly limit: LimitFunction;
  private readonly handle: (chatKey: string) => Promise<void | boolean>;
  private readonly onError: (chatKey: string, error: unknown) => void;
  /** Chats waiting for a slot or draining; a chat is absent when it has nothing scheduled. */
  private readonly chats = new Map<string, ChatEntry>();
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(options: ChatQueueOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`ChatQueue concurrency must be a whole number of at least 1, got ${String(options.concurrency)}.`);
    }
    this.limit = pLimit(options.concurrency);
    this.handle = options.handle;
    this.onError =
      options.onError ??
      ((chatKey, error) => log.error('draining a chat failed; its updates stay pending until it is notified again', { chatKey, error }));
  }

  /** Chats draining right now. */
  get active(): number {
    return this.limit.activeCount;
  }

  /** Chats waiting for a free slot. */
  get waiting(): number {
    return this.limit.pendingCount;
  }

  /** Says `chatKey` has new pending work. Ignored after stop(). */
  notify(chatKey: string): void {
    if (this.stopped) return;
    const entry = this.chats.get(chatKey);
    if (!entry) {
      this.chats.set(chatKey, { phase: 'waiting', again: false });
      this.schedule(chatKey);
    } else if (entry.phase === 'draining') {
      entry.again = true;
    }
    // phase 'waiting': the drain has not started, so it will see the new work anyway.
  }

  /** Resolves once no chat is waiting or draining (at once if none is). */
  idle(): Promise<void> {
    if (this.chats.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Starts no new drain (waiting chats and remembered re-drains are dropped; their work stays
   * pending in the inbox for the next start) and resolves when the running drains have finished.
   */
  stop(): Promise<void> {
    this.stopped = true;
    for (const [chatKey, entry] of this.chats) {
      entry.again = false;
      // A waiting chat's task would start no drain (run() checks stopped); forget it now so that
      // idle() does not wait for p-limit to reach it.
      if (entry.phase === 'waiting') this.chats.delete(chatKey);
    }
    this.limit.clearQueue();
    this.settleIfIdle();
    return this.idle();
  }

  private schedule(chatKey: string): void {
    // run() never rejects, so this promise needs no handler.
    void this.limit(() => this.run(chatKey));
  }

  private async run(chatKey: string): Promise<void> {
    const entry = this.chats.get(chatKey);
    if (!entry) return;
    if (this.stopped) {
      this.chats.delete(chatKey);
      this.settleIfIdle();
      return;
    }
    entry.phase = 'draining';
    entry.again = false;
    try {
      if ((await this.handle(chatKey)) === true) entry.again = true;
    } catch (error) {
      try {
        this.onError(chatKey, error);
      } catch {
        // An error reporter that throws must not wedge the chat in 'draining' forever.
      }
    }
    if (entry.again && !this.stopped) {
      entry.phase = 'waiting';
      entry.again = false;
      this.schedule(chatKey);
    } else {
      this.chats.delete(chatKey);
      this.settleIfIdle();
    }
  }

  private settleIfIdle(): void {
    if (this.chats.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
