/**
 * The world half of the emulator: a model of Telegram persisted in DATA_DIR/world.sqlite.
 *
 * `openWorld` opens the database, builds the messaging world (chats, message boxes, pts/qts/seq,
 * differences, callback queries; messagingWorld.ts) and composes it with the accounts side (users
 * and bots, auth keys, uploaded files, flood limits), which is passed in as an `AccountsSide`
 * built over the same database. Everything but pending callback queries and faults survives
 * closing and reopening the same data dir.
 */
import type { Api } from 'telegram';
import type { AuthKeyStore, Delivery } from '../contract.js';
import type { Schedule } from './callbacks.js';
import type { UserDirectory } from './chats.js';
import { createAccountsSide } from './accountsSide/index.js';
import { openWorldDb, type Db } from './db.js';
import type { DifferenceLimits } from './difference.js';
import type { FloodGate } from './messages.js';
import { createMessagingWorld } from './messagingWorld.js';
import { seedSandboxChats, type AccountsSeed } from './sandboxSeed.js';
import type { KeyDirectory } from './updates.js';
import { DEFAULT_LIMITS, type Limits, type World } from './world.js';

export type { World, Limits, SandboxSeed } from './world.js';
export { DEFAULT_LIMITS } from './world.js';

/** The accounts engineer's side of the world, opened over the same database. */
export interface AccountsSide {
  readonly authKeys: AuthKeyStore & KeyDirectory;
  readonly users: UserDirectory;
  /** InputMediaUploadedDocument / InputMediaUploadedPhoto (files.commitUpload) and InputMediaDocument. */
  resolveMedia(ownerId: number, media: Api.TypeInputMedia): Api.TypeMessageMedia;
  /** Bot send limits (FLOOD_WAIT_X); built over flood.ts with `limits`. */
  readonly flood?: FloodGate;
  /** Creates (first call) or returns (later calls) the app, the bot and the users. */
  seedAccounts(): AccountsSeed;
  close?(): void;
}

export interface OpenWorldOptions {
  dataDir: string;
  /** The world's time: a function returning ms since the epoch, or an object with now(). */
  clock?: (() => number) | { now(): number };
  /** Timer on the world's clock (manual clocks in tests); defaults to setTimeout. */
  schedule?: Schedule;
  limits?: Partial<Limits>;
  differenceLimits?: Partial<DifferenceLimits>;
  /** Builds the accounts side over the world's database. */
  accounts?: (db: Db, ctx: { nowMs: () => number; schedule: Schedule; limits: Limits }) => AccountsSide;
}

/** Opens the accounts side when no factory is passed; set by the accounts wiring (see report). */
let defaultAccounts: OpenWorldOptions['accounts'] | undefined;

export function setDefaultAccountsSide(factory: NonNullable<OpenWorldOptions['accounts']>): void {
  defaultAccounts = factory;
}

const realSchedule: Schedule = (ms, fn) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

export function openWorld(opts: OpenWorldOptions): World {
  const clock = opts.clock;
  const nowMs = typeof clock === 'function' ? clock : clock ? () => clock.now() : Date.now;
  const schedule = opts.schedule ?? realSchedule;
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const accountsFactory = opts.accounts ?? defaultAccounts ?? createAccountsSide;
  if (!accountsFactory) {
    throw new Error('openWorld needs the accounts side: pass opts.accounts or call setDefaultAccountsSide() (src/emulator/world/index.ts)');
  }
  const db = openWorldDb(opts.dataDir);
  try {
    const accounts = accountsFactory(db, { nowMs, schedule, limits });
    const mw = createMessagingWorld({
      db,
      users: accounts.users,
      keys: accounts.authKeys,
      nowMs,
      schedule,
      callbackTimeoutMs: limits.callbackTimeoutMs,
      ...(opts.differenceLimits ? { differenceLimits: opts.differenceLimits } : {}),
      ...(accounts.flood ? { flood: accounts.flood } : {}),
    });
    let closed = false;
    return {
      db,
      nowMs,
      schedule,
      limits,
      authKeys: accounts.authKeys,
      users: accounts.users,
      chats: mw.chats,
      store: mw.store,
      messages: mw.messaging,
      updates: mw.log,
      push: mw.push,
      differences: mw.differences,
      callbacks: mw.callbacks,
      faults: mw.faults,
      resolveMedia: (ownerId, media) => accounts.resolveMedia(ownerId, media),
      attachDelivery: (d: Delivery) => mw.attachDelivery(d),
      seedSandbox: () => db.transaction(() => seedSandboxChats(mw.chats, accounts.seedAccounts()))(),
      sendMessageAs: (from, peer, text, o) => mw.sendMessageAs(from, peer, text, o),
      close() {
        if (closed) return;
        closed = true;
        mw.close();
        accounts.close?.();
        db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
