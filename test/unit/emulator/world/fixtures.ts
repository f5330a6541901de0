/**
 * A messaging world over a temp dir, a stub user directory and a manual clock, for unit tests.
 * Records every push per auth key so tests can assert what each session would have received.
 */
import { Api } from 'telegram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Delivery, TLObject } from '../../../../src/emulator/contract.js';
import type { UserDirectory } from '../../../../src/emulator/world/chats.js';
import { long, openWorldDb, type Db } from '../../../../src/emulator/world/db.js';
import { createMessagingWorld, type MessagingWorld } from '../../../../src/emulator/world/messagingWorld.js';
import type { DifferenceLimits } from '../../../../src/emulator/world/difference.js';

export const BOT = 100;
export const ALICE = 201;
export const BOB = 202;
/** Every user has one auth key: 1000 + id. */
export const keyOf = (userId: number): bigint => BigInt(1000 + userId);

export class ManualTimers {
  now = 1_700_000_000_000;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  schedule = (ms: number, fn: () => void): (() => void) => {
    const t = { at: this.now + ms, fn, live: true };
    this.timers.push(t);
    return () => void (t.live = false);
  };
  advance(ms: number): void {
    this.now += ms;
    const due = this.timers.filter((t) => t.live && t.at <= this.now);
    this.timers = this.timers.filter((t) => !due.includes(t));
    for (const t of due) t.fn();
  }
}

export interface Harness {
  dir: string;
  db: Db;
  world: MessagingWorld;
  timers: ManualTimers;
  pushes: Map<bigint, TLObject[]>;
  pushed(userId: number): TLObject[];
  reopen(): Harness;
  close(): void;
}

const users: UserDirectory = {
  exists: (id) => [BOT, ALICE, BOB].includes(id),
  isBot: (id) => id === BOT,
  toApiUser: (id, viewer) => new Api.User({ id: long(id), self: id === viewer, bot: id === BOT, firstName: `user${id}`, accessHash: long(id * 7) }),
};

export function openHarness(opts: { dir?: string; differenceLimits?: Partial<DifferenceLimits>; callbackTimeoutMs?: number } = {}): Harness {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'courier-world-'));
  const db = openWorldDb(dir);
  const timers = new ManualTimers();
  const pushes = new Map<bigint, TLObject[]>();
  const world = createMessagingWorld({
    db,
    users,
    keys: { keysOf: (id) => [keyOf(id)] },
    nowMs: () => timers.now,
    schedule: timers.schedule,
    callbackTimeoutMs: opts.callbackTimeoutMs ?? 5000,
    ...(opts.differenceLimits ? { differenceLimits: opts.differenceLimits } : {}),
  });
  const delivery: Delivery = {
    push(key, u) {
      pushes.set(key, [...(pushes.get(key) ?? []), u]);
      return 1;
    },
    dropConnections() {},
  };
  world.attachDelivery(delivery);
  const h: Harness = {
    dir,
    db,
    world,
    timers,
    pushes,
    pushed: (userId) => pushes.get(keyOf(userId)) ?? [],
    reopen() {
      world.close();
      db.close();
      return openHarness({ ...opts, dir });
    },
    close() {
      world.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

export function inlineKeyboard(...datas: string[]): Api.ReplyInlineMarkup {
  return new Api.ReplyInlineMarkup({
    rows: [new Api.KeyboardButtonRow({ buttons: datas.map((d) => new Api.KeyboardButtonCallback({ text: d, data: Buffer.from(d) })) })],
  });
}
