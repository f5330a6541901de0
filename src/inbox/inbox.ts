/**
 * The inbox: every update Courier accepted, durable in SQLite until the bot has answered it, and
 * the machinery that hands it to the bot. One entry, createInbox; the composition root (app.ts)
 * wires it between the update loop (which stores through `inbox.store`) and the bot's router
 * (the `handler`), and orders its start and stop.
 *
 * What lives here:
 * - store.ts: rows and the update state covering them in one transaction, then a notify per chat;
 * - chatQueue.ts: per-chat order, chats in parallel up to updates.chatConcurrency;
 * - drain.ts: one chat's pending rows, oldest first, into the handler (late notes, old messages,
 *   poison rows skipped after DEFAULT_MAX_ATTEMPTS);
 * - retry.ts: a chat whose drain failed is notified again after a doubling wait;
 * - pruning.ts: handled rows go after three days; heartbeat.ts: the "still alive" mark and the
 *   offline time measured from it; catchupLog.ts: the catch-up runs for operators;
 * - timers.ts: the one seam for time (tests use a manual clock; nothing here sleeps).
 *
 * Invariants:
 * - a row leaves 'pending' only after its handler finished; a crash or a stop before that leaves
 *   it pending, and it is handled again after the next start (replies carry random_ids derived
 *   from the update, so Telegram drops the copies): exactly once in effect;
 * - one chat's rows are handled one at a time, in arrival order; other chats do not wait for it;
 * - the queue holds no updates, only "this chat has work": anything dropped from it (a stop, a
 *   crash) is found again by pendingChats() at the next start, and queued there first, oldest
 *   waiting chat first, ahead of what arrives later;
 * - the store notifies only after its transaction committed, so a drain never misses a row it
 *   was told about.
 * No GramJS and no bot code here (src/telegram and src/bot are wired in by app.ts).
 */
import type { BotPort } from '../domain/botPort.js';
import type { Incoming } from '../domain/incoming.js';
import type { Lang } from '../texts/index.js';
import { logger, errorMessage } from '../log/logger.js';
import type { Database } from '../storage/index.js';
import { deleteHandledBefore } from '../storage/inboxRepository.js';
import { createKvRepository } from '../storage/kvRepository.js';
import { ChatQueue } from './chatQueue.js';
import { createInboxDrain, type UpdateHandler } from './drain.js';
import { createHeartbeat, HEARTBEAT_MS } from './heartbeat.js';
import { createPruning, INBOX_KEEP_MS, PRUNE_EVERY_MS } from './pruning.js';
import { CHAT_RETRY_BACKOFF, ChatRetry, type Backoff } from './retry.js';
import { createInboxStore, type InboxStore } from './store.js';
import { systemTimers, type Cancel, type Timers } from './timers.js';

const log = logger('inbox');

/** The timings of the inbox's background work; the defaults are the service's. */
export interface InboxPolicy {
  heartbeatMs: number;
  retry: Backoff;
  keepHandledMs: number;
  pruneEveryMs: number;
}

export const DEFAULT_INBOX_POLICY: InboxPolicy = {
  heartbeatMs: HEARTBEAT_MS,
  retry: CHAT_RETRY_BACKOFF,
  keepHandledMs: INBOX_KEEP_MS,
  pruneEveryMs: PRUNE_EVERY_MS,
};

export interface InboxOptions {
  db: Database;
  /** Answers one update (the bot's router). */
  handler: UpdateHandler;
  port: BotPort;
  now: () => number;
  timers?: Timers;
  /** How many chats drain at once. */
  chatConcurrency: number;
  delayedNoteSeconds: number;
  oldMessages: { maxAgeHours: number | null; action: 'handle' | 'acknowledge' };
  policy?: Partial<InboxPolicy>;
  /** The language of the inbox's own notes (late, too old) to an update's sender; default: the app's lang_code. */
  langOf?: (incoming: Incoming) => Lang;
}

export interface Inbox {
  /** The port the update sink stores through. */
  readonly store: InboxStore;
  /** Seconds between the previous run's last heartbeat and this inbox's creation (0 on a first start). */
  readonly offlineSeconds: number;
  /** True when a previous run left a heartbeat in this database. */
  readonly ranBefore: boolean;
  /** Says `chatKey` has pending rows (the store does this itself after each write). */
  notify(chatKey: string): void;
  /** Chats being drained right now. */
  active(): number;
  /** Starts the heartbeat and pruning and queues the chats a previous run left pending. */
  start(): void;
  /**
   * Starts no new drain and waits for the running ones, at most `graceMs`; then stops the
   * background work and writes a last heartbeat. Resolves true when every drain finished in time
   * (unfinished rows stay pending for the next start either way).
   */
  stop(graceMs: number): Promise<boolean>;
}

export function createInbox(options: InboxOptions): Inbox {
  const policy = { ...DEFAULT_INBOX_POLICY, ...options.policy };
  const timers = options.timers ?? systemTimers;
  const { db, now } = options;
  const drain = createInboxDrain({
    db,
    router: options.handler,
    port: options.port,
    now,
    delayedNoteSeconds: options.delayedNoteSeconds,
    oldMessages: options.oldMessages,
    ...(options.langOf ? { langOf: options.langOf } : {}),
  });
  const retry = new ChatRetry({ backoff: policy.retry, timers, retry: (chatKey) => queue.notify(chatKey) });
  const queue: ChatQueue = new ChatQueue({
    concurrency: options.chatConcurrency,
    handle: async (chatKey) => {
      const more = await drain(chatKey);
      retry.succeeded(chatKey);
      return more;
    },
    onError: (chatKey, error) => {
      const delayMs = retry.failed(chatKey);
      log.warn(`handling chat ${chatKey} failed, retrying in ${Math.round(delayMs / 1000)} s: ${errorMessage(error)}`);
    },
  });
  const store = createInboxStore({
    db,
    onStored: (chatKeys) => {
      for (const chatKey of chatKeys) queue.notify(chatKey);
    },
  });
  const heartbeat = createHeartbeat({ kv: createKvRepository(db), now, timers, everyMs: policy.heartbeatMs });
  const pruning = createPruning({ deleteHandledBefore: (before) => deleteHandledBefore(db, before), now, timers, keepMs: policy.keepHandledMs, everyMs: policy.pruneEveryMs });

  return {
    store,
    offlineSeconds: heartbeat.offlineSeconds,
    ranBefore: heartbeat.previousAliveAt !== null,
    notify: (chatKey) => queue.notify(chatKey),
    active: () => queue.active,
    start() {
      heartbeat.start();
      pruning.start();
      // Work accepted before the last stop or crash goes first, in its original order.
      for (const chatKey of store.pendingChats()) queue.notify(chatKey);
    },
    async stop(graceMs) {
      const running = queue.active;
      if (running > 0) log.info(`stopping: waiting for ${running} chat(s) being handled, at most ${graceMs} ms`);
      let cancelGrace: Cancel = () => undefined;
      const finished = await Promise.race([
        queue.stop().then(() => true),
        new Promise<boolean>((resolve) => {
          cancelGrace = timers.after(graceMs, () => resolve(false), { keepAlive: true });
        }),
      ]);
      cancelGrace();
      if (!finished) log.warn(`stopping: ${queue.active} chat(s) still being handled after ${graceMs} ms; disconnecting anyway (their updates stay pending for the next start)`);
      retry.stop();
      pruning.stop();
      heartbeat.stop();
      return finished;
    },
  };
}
