/**
 * src/telegram/outbox/: every message Courier sends goes out through here. gramBotPort.ts is the
 * BotPort over GramJS (each send carries its random_id); rateLimiter.ts is the pure decision of
 * which chat may send next and when; this file is the port that waits its turn under it.
 * Invariants: one chat's messages leave in the order given, also across FLOOD_WAIT retries; the
 * limiter reads no clock (the time is passed in).
 *
 * A BotPort whose messages wait their turn under Telegram's bot limits (see rateLimiter.ts), so a
 * burst of answers (10,000 recovered messages after a restart) goes out as fast as Telegram allows
 * and no faster, without a FLOOD_WAIT.
 *
 * - sendText and editText queue per chat and go when the RateLimiter hands that chat a turn.
 *   Edits count against the same buckets: Telegram floods a bot that edits too fast just as one
 *   that sends too fast (job progress messages are edited often). `limitEdits: false` lets them by.
 * - answerCallback and ping are not queued. The bot FAQ's limits are about messages sent to
 *   chats; answering a callback query sends no message, and holding it behind a chat's 1/s queue
 *   would leave the user's button spinning until Telegram's answer window closes. ping
 *   (updates.getState) sends nothing to anyone.
 * - One chat's requests run one at a time in the order they were made, so message k+1 never
 *   overtakes message k, not even when k is retried after a FLOOD_WAIT.
 * - A FLOOD_WAIT that gets through anyway is honoured (the limiter pauses the chat) and the same
 *   request is repeated; nothing is dropped. A send repeated with its random_id cannot post twice.
 *   For this layer to see FLOOD_WAIT at all, the inner port and GramJS must not sleep on it first
 *   (see the lead's notes: createGramBotPort maxFloodWaitSeconds and floodSleepThreshold).
 * - Other errors go to the caller of that request, and the chat's next request goes on.
 *
 * The clock and the timer are injected: tests drive this with fake timers, never real sleeps.
 */
import { chatKeyOf, type ChatRef } from '../../domain/chat.js';
import { type BotPort, type Button, type SendOptions, type SentMessage } from '../../domain/botPort.js';
import { floodWaitSeconds } from '../rpc/floodWait.js';
import { RateLimiter, type ChatKey, type RateLimiterStats, type SendRateLimits } from './rateLimiter.js';

export interface LimitedPortOptions {
  limits?: Partial<SendRateLimits>;
  /** Milliseconds, monotonic enough for token buckets (Date.now or performance.now). */
  now(): number;
  /** Resolves after `ms`; may reject or resolve early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Whether editText waits its turn like sendText (default true). */
  limitEdits?: boolean;
  /** Told of every FLOOD_WAIT that got through, for the log and metrics. */
  onFloodWait?(info: { chat: ChatRef; seconds: number }): void;
}

export interface LimitedBotPort extends BotPort {
  /**
   * Runs any other request that posts to `chat` (a file sent by a job, say) in that chat's turn,
   * so it counts against the same limits and keeps its place among the chat's messages.
   */
  inTurn<T>(chat: ChatRef, run: () => Promise<T>): Promise<T>;
  /** Resolves once every request made so far has finished (delivered or failed). */
  drain(): Promise<void>;
  /**
   * Refuses new requests, fails the ones still waiting with OutboxStoppedError (the inbox hands
   * their updates again after a restart, with the same random_id) and resolves once the requests
   * already sent have finished.
   */
  stop(): Promise<void>;
  stats(): RateLimiterStats;
}

export class OutboxStoppedError extends Error {
  constructor() {
    super('The outbox is stopped: this message was not sent. It is sent again when Courier starts and handles its update again.');
    this.name = 'OutboxStoppedError';
  }
}

interface Waiting {
  chat: ChatRef;
  lane: 'live' | 'bulk';
  run(): Promise<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** Bulk sends (broadcasts) queue under a key of their own, so they never hold up the chat's live replies. */
function limiterKeyOf(chat: ChatRef, lane: 'live' | 'bulk' = 'live'): ChatKey {
  return lane === 'bulk' ? { key: `bulk:${chatKeyOf(chat)}`, isGroup: chat.kind !== 'user', bulk: true } : { key: chatKeyOf(chat), isGroup: chat.kind !== 'user' };
}

export function createLimitedPort(port: BotPort, options: LimitedPortOptions): LimitedBotPort {
  const limiter = new RateLimiter(options.limits, options.now());
  const queues = new Map<string, Waiting[]>();
  let inFlight = 0;
  let stopped = false;
  let wake: { untilMs: number; abort: AbortController } | null = null;
  let idleWaiters: (() => void)[] = [];
  /** Requests waiting in the queues (not in flight). */
  let queued = 0;

  function settleIdle(): void {
    if (inFlight > 0 || queued > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  function cancelWake(): void {
    wake?.abort.abort();
    wake = null;
  }

  function scheduleWake(untilMs: number): void {
    if (wake && wake.untilMs <= untilMs) return;
    cancelWake();
    const mine = { untilMs, abort: new AbortController() };
    wake = mine;
    const fire = () => {
      if (wake !== mine) return; // replaced by an earlier wake, or stopped
      wake = null;
      pump();
    };
    options.sleep(Math.max(0, untilMs - options.now()), mine.abort.signal).then(fire, fire);
  }

  /** Hands out every send the limiter allows now, then sleeps until the next one may go. */
  function pump(): void {
    if (stopped) return;
    for (;;) {
      const decision = limiter.next(options.now());
      if (decision.kind === 'send') {
        start(decision.chat);
        continue;
      }
      if (decision.kind === 'wait') scheduleWake(decision.untilMs);
      else cancelWake();
      return;
    }
  }

  function start(key: string): void {
    const queue = queues.get(key);
    const item = queue?.shift();
    if (!queue || !item) {
      // Cannot happen while queues and limiter agree; keep the limiter consistent if it does.
      limiter.done(key, options.now());
      return;
    }
    queued -= 1;
    inFlight += 1;
    const onFailure = (err: unknown) => {
      const seconds = floodWaitSeconds(err);
      if (seconds === null || stopped) {
        finish(key, queue, () => item.reject(stopped && seconds !== null ? new OutboxStoppedError() : err));
        return;
      }
      inFlight -= 1;
      queued += 1;
      queue.unshift(item);
      limiter.floodWait(limiterKeyOf(item.chat, item.lane), seconds, options.now());
      options.onFloodWait?.({ chat: item.chat, seconds });
      pump();
    };
    // Through a promise so that a port throwing synchronously is handled like one that rejects.
    Promise.resolve()
      .then(() => item.run())
      .then((value) => finish(key, queue, () => item.resolve(value)), onFailure);
  }

  function finish(key: string, queue: Waiting[], settle: () => void): void {
    inFlight -= 1;
    limiter.done(key, options.now());
    if (queue.length === 0 && queues.get(key) === queue) queues.delete(key);
    settle();
    pump();
    settleIdle();
  }

  function enqueue<T>(chat: ChatRef, run: () => Promise<T>, lane: 'live' | 'bulk' = 'live'): Promise<T> {
    if (stopped) return Promise.reject(new OutboxStoppedError());
    const chatKey = limiterKeyOf(chat, lane);
    return new Promise<T>((resolve, reject) => {
      let queue = queues.get(chatKey.key);
      if (!queue) {
        queue = [];
        queues.set(chatKey.key, queue);
      }
      queue.push({ chat, lane, run, resolve: resolve as (value: unknown) => void, reject });
      queued += 1;
      limiter.enqueue(chatKey, options.now());
      pump();
    });
  }

  const limitEdits = options.limitEdits ?? true;

  return {
    sendText(chat: ChatRef, text: string, opts: SendOptions): Promise<SentMessage> {
      return enqueue(chat, () => port.sendText(chat, text, opts), opts.lane ?? 'live');
    },
    editText(chat: ChatRef, messageId: number, text: string, opts?: { buttons?: Button[][] }): Promise<void> {
      const run = () => port.editText(chat, messageId, text, opts);
      return limitEdits ? enqueue(chat, run) : run();
    },
    inTurn: (chat, run) => enqueue(chat, run),
    answerCallback: (queryId: string, text?: string) => port.answerCallback(queryId, text),
    ping: () => port.ping(),
    ...(port.sendMedia ? { sendMedia: (chat: ChatRef, media: Parameters<NonNullable<BotPort['sendMedia']>>[1], opts: Parameters<NonNullable<BotPort['sendMedia']>>[2]) => enqueue(chat, () => port.sendMedia!(chat, media, opts), opts.lane ?? 'live') } : {}),
    ...(port.resolveUsername ? { resolveUsername: port.resolveUsername.bind(port) } : {}),
    // A lookup, not a send: it takes no turn in the send limiter.
    ...(port.userLangCode ? { userLangCode: port.userLangCode.bind(port) } : {}),

    drain(): Promise<void> {
      if (inFlight === 0 && queued === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },

    async stop(): Promise<void> {
      stopped = true;
      cancelWake();
      for (const queue of queues.values()) {
        for (const item of queue.splice(0)) item.reject(new OutboxStoppedError());
      }
      queues.clear();
      queued = 0;
      if (inFlight > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      else settleIdle();
    },

    stats: () => limiter.stats(),
  };
}
