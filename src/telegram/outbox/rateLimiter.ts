/**
 * The outbox's send scheduler: decides which chat may send next, and when, so that Courier stays
 * under Telegram's bot limits instead of running into FLOOD_WAIT (core.telegram.org/bots/faq,
 * "My bot is hitting limits, how do I avoid this?"): about 30 messages per second overall, about
 * one per second to one chat with short bursts allowed, at most 20 per minute to one group.
 *
 * Pure, like the update engine: no timers and no I/O. The caller passes the clock value into every
 * call and acts on the returned decision (src/telegram/outbox/limitedPort.ts is that caller).
 *
 * Model: a token bucket overall and one per chat, each refilled continuously, and per group (kind
 * chat or channel) a sliding window of the last minute's sends. A send takes one token from every
 * bucket that applies, so it goes only when all of them hold one and the group's minute has room.
 * The group rule is a window, not a bucket, because Telegram words it as "no more than 20 messages
 * per minute": a bucket of 20 refilled at 20/min would let about 40 through in the first minute.
 *
 * Invariants:
 * - A chat has at most one send in flight: `next` never returns a chat between its `send` and the
 *   `done` or `floodWait` for it. That is what keeps one chat's messages in order across retries.
 * - Fairness: chats with sends waiting form a ring; `next` serves the first ready chat of the ring
 *   and moves it to the back, so a chat with one message waits at most one turn of the ring.
 * - Makespan: plain round robin would starve the one limit that matters when a single chat has
 *   most of the backlog (its 1/s is its own floor, yet it would get only its share of the overall
 *   rate). So a *critical* chat, one whose own remaining time (waiting x its per-chat interval) is
 *   at least the overall remaining time (all waiting x the overall interval), jumps the ring, but
 *   at most once per its own interval. At most overall/per-chat (about 30) chats can be critical
 *   at once, and each one costs any other chat at most one slot per second, which is how the total
 *   for N messages over C chats stays near the floor max(N / overall rate, max per chat / chat rate).
 * - Nothing is ever dropped: a FLOOD_WAIT puts the send back at its chat's head.
 * - Bulk lane (broadcasts): a chat enqueued with `bulk: true` is served only when no live chat is
 *   ready at that instant, and only while the overall bucket holds its reserve (min(2, burst - 1)
 *   tokens) on top of the one it takes. So a broadcast runs at the full steady rate when the bot
 *   is quiet, yet a live reply arriving in the middle finds tokens waiting and goes at once, ahead
 *   of every bulk send. A bulk chat is never critical and does not count towards the makespan rule.
 *
 * Why the defaults sit under Telegram's numbers: the server sees our sends a little later than we
 * schedule them, and not always evenly spaced. With our bucket a token smaller and a little slower
 * than the server's, the server's bucket always holds at least one token more than ours, and that
 * spare token absorbs the jitter (for one chat, up to a second of it).
 */
import { z } from 'zod';

export interface SendRateLimits {
  /** Messages per second over all chats (Telegram: about 30). */
  perSecond: number;
  /** How many sends may go at once after a quiet spell, over all chats. */
  burst: number;
  /** Messages per second to one chat (Telegram: about 1). */
  perChatPerSecond: number;
  /** How many sends one chat may get at once after a quiet spell (Telegram: "short bursts"). */
  chatBurst: number;
  /** Messages in any 60 seconds to one group, basic group or supergroup (Telegram: 20). */
  groupPerMinute: number;
  /**
   * After a FLOOD_WAIT_X, every chat (not only the one that got it) is held for min(X s, this).
   * The error does not say which limit was hit; see RateLimiter.floodWait.
   */
  floodGlobalPauseMs: number;
}

/**
 * Slightly under Telegram's numbers (see the header for why). The config keys meant to carry them:
 * telegram.sendRatePerSecond, telegram.sendBurst, telegram.sendRatePerChatPerSecond,
 * telegram.chatBurst, telegram.groupMessagesPerMinute, telegram.floodGlobalPauseMs.
 */
export const DEFAULT_SEND_RATE_LIMITS: SendRateLimits = {
  perSecond: 29,
  burst: 10,
  perChatPerSecond: 1,
  chatBurst: 2,
  groupPerMinute: 19,
  floodGlobalPauseMs: 1000,
};

const positive = z.number().finite().positive();
export const sendRateLimitsSchema = z.strictObject({
  perSecond: positive,
  burst: z.number().int().min(1),
  perChatPerSecond: positive,
  chatBurst: z.number().int().min(1),
  groupPerMinute: z.number().int().min(1),
  floodGlobalPauseMs: z.number().finite().min(0),
});

export class RateLimitConfigError extends Error {
  constructor(detail: string) {
    super(`Invalid send rate limits: ${detail}. Use positive numbers (bursts are whole numbers of at least 1).`);
    this.name = 'RateLimitConfigError';
  }
}

/** Which chat a send goes to. `isGroup` turns on the per-minute group rule. */
export interface ChatKey {
  key: string;
  isGroup: boolean;
  /** Broadcast traffic: served after live chats (see the header). Use a key of its own for it. */
  bulk?: boolean;
}

export type SendDecision =
  /** Send the head of this chat's queue now; its tokens are taken. Report back with done or floodWait. */
  | { kind: 'send'; chat: string }
  /** Nothing may go before `untilMs`; ask again then, or earlier after enqueue/done/floodWait. */
  | { kind: 'wait'; untilMs: number }
  /** Nothing is waiting (or everything waiting is in flight): ask again after enqueue/done/floodWait. */
  | { kind: 'idle' };

export interface RateLimiterStats {
  /** Sends accepted but not yet handed out. */
  waiting: number;
  inFlight: number;
  /** Sends handed out (retries after a FLOOD_WAIT count again). */
  handedOut: number;
  floodWaits: number;
  /** Chats whose limits are remembered (idle ones with full buckets are forgotten now and then). */
  trackedChats: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

interface Rule {
  capacity: number;
  msPerToken: number;
}

interface ChatState {
  isGroup: boolean;
  bulk: boolean;
  pending: number;
  inFlight: boolean;
  inRing: boolean;
  pausedUntilMs: number;
  lastHandedOutMs: number;
  chat: Bucket;
  /** Groups only: times of the sends of the last minute, oldest first (at most groupPerMinute). */
  groupSends: number[];
}

const GROUP_WINDOW_MS = 60_000;

// Float refills can land a hair under a whole token at the very millisecond we computed for it.
const EPSILON = 1e-9;

function levelOf(b: Bucket, rule: Rule, nowMs: number): number {
  return Math.min(rule.capacity, b.tokens + Math.max(0, nowMs - b.atMs) / rule.msPerToken);
}

/** When the bucket will hold `need` tokens (nowMs if it already does; default one whole token). */
function readyAt(b: Bucket, rule: Rule, nowMs: number, need = 1): number {
  const level = levelOf(b, rule, nowMs);
  // A bucket emptied until a future time (after a FLOOD_WAIT) starts refilling only then.
  return level >= need - EPSILON ? nowMs : Math.max(nowMs, b.atMs) + (need - level) * rule.msPerToken;
}

function take(b: Bucket, rule: Rule, nowMs: number): void {
  b.tokens = Math.max(0, levelOf(b, rule, nowMs) - 1);
  b.atMs = nowMs;
}

export class RateLimiter {
  readonly limits: SendRateLimits;
  private readonly globalRule: Rule;
  private readonly chatRule: Rule;
  private readonly global: Bucket;
  private globalPausedUntilMs = 0;
  private readonly chats = new Map<string, ChatState>();
  /** Chats with sends waiting, in the order they get their turn. */
  private ring: string[] = [];
  private sweepAtSize = 1024;
  private counters = { handedOut: 0, floodWaits: 0 };
  private totalPending = 0;
  private bulkPending = 0;
  /** Tokens of the overall bucket a bulk send must leave behind for live replies. */
  private readonly bulkReserve: number;

  constructor(limits: Partial<SendRateLimits> = {}, startMs = 0) {
    const parsed = sendRateLimitsSchema.safeParse({ ...DEFAULT_SEND_RATE_LIMITS, ...limits });
    if (!parsed.success) throw new RateLimitConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    this.limits = parsed.data;
    this.globalRule = { capacity: this.limits.burst, msPerToken: 1000 / this.limits.perSecond };
    this.chatRule = { capacity: this.limits.chatBurst, msPerToken: 1000 / this.limits.perChatPerSecond };
    this.global = { tokens: this.globalRule.capacity, atMs: startMs };
    this.bulkReserve = Math.max(0, Math.min(2, this.limits.burst - 1));
  }

  /** One more send for `chat` waits its turn. */
  enqueue(chat: ChatKey, nowMs: number): void {
    if (this.chats.size >= this.sweepAtSize) this.sweep(nowMs);
    const s = this.stateOf(chat, nowMs);
    s.pending += 1;
    this.totalPending += 1;
    if (s.bulk) this.bulkPending += 1;
    this.joinRing(chat.key, s);
  }

  /** The next send to make at `nowMs`, or how long to wait for one. */
  next(nowMs: number): SendDecision {
    const globalReady = Math.max(readyAt(this.global, this.globalRule, nowMs), this.globalPausedUntilMs);
    const bulkReady = Math.max(readyAt(this.global, this.globalRule, nowMs, 1 + this.bulkReserve), this.globalPausedUntilMs);
    let earliest = Infinity;
    let pick = -1;
    let bulkPick = -1;
    for (let i = 0; i < this.ring.length; i++) {
      const key = this.ring[i] as string;
      const s = this.chats.get(key) as ChatState;
      if (s.inFlight) continue; // it comes back with done() or floodWait()
      let at = Math.max(globalReady, s.pausedUntilMs, readyAt(s.chat, this.chatRule, nowMs));
      if (s.isGroup) at = Math.max(at, this.groupReadyAt(s, nowMs));
      if (s.bulk) at = Math.max(at, bulkReady);
      if (at > nowMs) {
        earliest = Math.min(earliest, at);
        continue;
      }
      if (s.bulk) {
        if (bulkPick < 0) bulkPick = i;
        continue;
      }
      if (pick < 0) pick = i;
      if (this.isCritical(s, nowMs)) {
        pick = i;
        break;
      }
    }
    if (pick < 0) pick = bulkPick;
    if (pick >= 0) {
      const key = this.ring[pick] as string;
      this.handOut(key, this.chats.get(key) as ChatState, pick, nowMs);
      return { kind: 'send', chat: key };
    }
    // Whole milliseconds: a timer cannot wake at a fraction, and waking a hair early would loop.
    return earliest === Infinity ? { kind: 'idle' } : { kind: 'wait', untilMs: Math.ceil(earliest) };
  }

  /** The send handed out for `chat` finished (delivered, or failed for a reason other than flood). */
  done(chat: string, _nowMs: number): void {
    const s = this.chats.get(chat);
    if (s) s.inFlight = false;
  }

  /**
   * The send handed out for `chat` got FLOOD_WAIT_X: it goes back to the head of that chat's queue.
   *
   * Telegram does not say which limit was hit. If it was the chat's, only that chat must wait X
   * seconds; if it was the overall one, every send in the next X seconds would fail too. We pause
   * the chat for X seconds, and every chat for min(X s, floodGlobalPauseMs) with the overall bucket
   * emptied: an overall flood is short by nature (the bucket refills in a second), while holding
   * every chat for a group's 30-second wait would cost ~900 sends for nothing.
   */
  floodWait(chat: ChatKey, seconds: number, nowMs: number): void {
    const s = this.stateOf(chat, nowMs);
    s.inFlight = false;
    s.pending += 1;
    this.totalPending += 1;
    if (s.bulk) this.bulkPending += 1;
    const waitMs = Math.max(1, seconds) * 1000;
    s.pausedUntilMs = Math.max(s.pausedUntilMs, nowMs + waitMs);
    this.globalPausedUntilMs = Math.max(this.globalPausedUntilMs, nowMs + Math.min(waitMs, this.limits.floodGlobalPauseMs));
    this.global.tokens = 0;
    this.global.atMs = Math.max(nowMs, this.globalPausedUntilMs);
    this.counters.floodWaits += 1;
    this.joinRing(chat.key, s);
  }

  stats(): RateLimiterStats {
    let waiting = 0;
    let inFlight = 0;
    for (const s of this.chats.values()) {
      waiting += s.pending;
      if (s.inFlight) inFlight += 1;
    }
    return { waiting, inFlight, ...this.counters, trackedChats: this.chats.size };
  }

  /** Milliseconds between two sends to this chat at its steady rate. */
  private chatIntervalMs(s: ChatState): number {
    return s.isGroup ? Math.max(this.chatRule.msPerToken, GROUP_WINDOW_MS / this.limits.groupPerMinute) : this.chatRule.msPerToken;
  }

  /** When the group's last minute has room for one more send. */
  private groupReadyAt(s: ChatState, nowMs: number): number {
    const oldest = s.groupSends[0];
    return s.groupSends.length < this.limits.groupPerMinute || oldest === undefined ? nowMs : Math.max(nowMs, oldest + GROUP_WINDOW_MS);
  }

  private isCritical(s: ChatState, nowMs: number): boolean {
    const interval = this.chatIntervalMs(s);
    // Only at the chat's steady rate: its burst tokens wait their turn in the ring like anyone's.
    // (-1: wake times are rounded up to whole milliseconds.)
    if (s.bulk || nowMs - s.lastHandedOutMs < interval - 1) return false;
    return s.pending * interval >= (this.totalPending - this.bulkPending) * this.globalRule.msPerToken;
  }

  private handOut(key: string, s: ChatState, ringIndex: number, nowMs: number): void {
    take(this.global, this.globalRule, nowMs);
    take(s.chat, this.chatRule, nowMs);
    if (s.isGroup) {
      s.groupSends.push(nowMs);
      while (s.groupSends.length > this.limits.groupPerMinute) s.groupSends.shift();
    }
    s.pending -= 1;
    this.totalPending -= 1;
    if (s.bulk) this.bulkPending -= 1;
    s.lastHandedOutMs = nowMs;
    s.inFlight = true;
    this.counters.handedOut += 1;
    this.ring.splice(ringIndex, 1);
    s.inRing = false;
    // Round robin: a chat with more to send queues up behind everyone else who is waiting.
    if (s.pending > 0) this.joinRing(key, s);
  }

  private joinRing(key: string, s: ChatState): void {
    if (s.inRing) return;
    s.inRing = true;
    this.ring.push(key);
  }

  private stateOf(chat: ChatKey, nowMs: number): ChatState {
    let s = this.chats.get(chat.key);
    if (!s) {
      s = {
        isGroup: chat.isGroup,
        bulk: chat.bulk === true,
        pending: 0,
        inFlight: false,
        inRing: false,
        pausedUntilMs: 0,
        lastHandedOutMs: -Infinity,
        chat: { tokens: this.chatRule.capacity, atMs: nowMs },
        groupSends: [],
      };
      this.chats.set(chat.key, s);
    }
    return s;
  }

  /**
   * Forgets chats that are idle with full buckets: they would be created again exactly as they
   * are. Amortised (the threshold doubles) so a bot with many chats does not scan on every send.
   */
  private sweep(nowMs: number): void {
    for (const [key, s] of this.chats) {
      const full =
        levelOf(s.chat, this.chatRule, nowMs) >= this.chatRule.capacity - EPSILON &&
        s.groupSends.every((t) => t + GROUP_WINDOW_MS <= nowMs);
      if (s.pending === 0 && !s.inFlight && s.pausedUntilMs <= nowMs && full) this.chats.delete(key);
    }
    this.sweepAtSize = Math.max(1024, this.chats.size * 2);
  }
}
