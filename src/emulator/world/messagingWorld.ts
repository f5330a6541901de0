/**
 * The messaging part of the world, wired together: chats, message boxes, pts/qts/seq and the
 * update log, live pushes, differences and callback queries. index.ts composes it with the
 * accounts side (users, auth keys, files, flood limits); tests build it over a small user stub.
 */
import type { Delivery } from '../contract.js';
import { CallbackQueries, type Schedule } from './callbacks.js';
import { Chats, initChatsSchema, type PeerRef, type UserDirectory } from './chats.js';
import type { Db } from './db.js';
import { DEFAULT_DIFFERENCE_LIMITS, Differences, type DifferenceLimits } from './difference.js';
import { WorldFaults } from './faults.js';
import { initMessagesSchema, MessageStore } from './messageStore.js';
import { Messaging, type FloodGate, type SendInput } from './messages.js';
import { initUpdatesSchema, LivePush, UpdateLog, type KeyDirectory } from './updates.js';

export interface MessagingWorldDeps {
  db: Db;
  users: UserDirectory;
  keys: KeyDirectory;
  /** Milliseconds since the epoch. */
  nowMs: () => number;
  schedule: Schedule;
  callbackTimeoutMs: number;
  differenceLimits?: Partial<DifferenceLimits>;
  flood?: FloodGate;
  faults?: WorldFaults;
}

export interface MessagingWorld {
  readonly chats: Chats;
  readonly store: MessageStore;
  readonly log: UpdateLog;
  readonly push: LivePush;
  readonly messaging: Messaging;
  readonly differences: Differences;
  readonly callbacks: CallbackQueries;
  readonly faults: WorldFaults;
  attachDelivery(d: Delivery): void;
  /** Sends as `fromUserId` through the same path as messages.sendMessage, minus the network. */
  sendMessageAs(fromUserId: number, peer: PeerRef, text: string, opts?: Omit<SendInput, 'text'>): ReturnType<Messaging['send']>;
  close(): void;
}

export function initMessagingSchema(db: Db): void {
  initChatsSchema(db);
  initMessagesSchema(db);
  initUpdatesSchema(db);
}

export function createMessagingWorld(deps: MessagingWorldDeps): MessagingWorld {
  initMessagingSchema(deps.db);
  const nowSec = (): number => Math.floor(deps.nowMs() / 1000);
  const faults = deps.faults ?? new WorldFaults();
  const chats = new Chats(deps.db, nowSec);
  const store = new MessageStore(deps.db);
  const log = new UpdateLog(deps.db, nowSec);
  const push = new LivePush(deps.keys, faults, log, nowSec);
  const messaging = new Messaging({ db: deps.db, store, chats, users: deps.users, log, push, nowSec, ...(deps.flood ? { flood: deps.flood } : {}) });
  const differences = new Differences({
    log,
    messaging,
    store,
    chats,
    faults,
    isBot: (id) => deps.users.isBot(id),
    nowSec,
    limits: { ...DEFAULT_DIFFERENCE_LIMITS, ...deps.differenceLimits },
  });
  const callbacks = new CallbackQueries({ messaging, store, users: deps.users, push, schedule: deps.schedule, timeoutMs: deps.callbackTimeoutMs, nowSec });
  return {
    chats,
    store,
    log,
    push,
    messaging,
    differences,
    callbacks,
    faults,
    attachDelivery: (d) => push.attach(d),
    sendMessageAs: (fromUserId, peer, text, opts = {}) => messaging.send(fromUserId, peer, { ...opts, text }),
    close: () => callbacks.close(),
  };
}
