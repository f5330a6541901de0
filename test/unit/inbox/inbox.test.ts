/**
 * The inbox as one module (createInbox) on a real database and a manual clock: work left by an
 * earlier run goes first, a failing chat is retried with backoff and its row stays pending until
 * a handler finished, stop gives running handlers a grace period, and the heartbeat tells the next
 * start how long Courier was away. No sleeps: the clock is moved by hand.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Incoming } from '../../../src/domain/incoming.js';
import { ALIVE_AT_KEY } from '../../../src/inbox/heartbeat.js';
import { createInbox, type InboxOptions } from '../../../src/inbox/inbox.js';
import { initLogging } from '../../../src/log/logger.js';
import { countPending, inboxRow, storeUpdates, type InboxEvent } from '../../../src/storage/inboxRepository.js';
import { openDatabase, type Database } from '../../../src/storage/index.js';
import { createKvRepository } from '../../../src/storage/kvRepository.js';
import { FakePort } from '../../helpers/fakeBotPort.js';
import { ManualClock } from './manualClock.js';

/** Resolves once `condition` holds, checking after each turn of the event loop (not a delay). */
async function until(condition: () => boolean): Promise<void> {
  for (let turns = 0; !condition(); turns++) {
    if (turns > 1000) throw new Error('condition never held');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Lets every callback that is ready run: a few turns of the event loop, not a delay. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('the inbox: store, queue, drain, retry, heartbeat and stop as one module', () => {
  before(() => initLogging({ level: 'error', format: 'json' }, { stream: new PassThrough() }));

  let dir: string;
  let db: Database;
  let clock: ManualClock;
  let pts: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-inbox-module-'));
    db = openDatabase(join(dir, 'courier.db'));
    clock = new ManualClock();
    pts = 0;
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function event(user: string, messageId: number, text: string): InboxEvent {
    const incoming: Incoming = {
      kind: 'message',
      updateKey: `msg:user:${user}:${messageId}`,
      chat: { kind: 'user', id: user, accessHash: '1' },
      senderId: user,
      messageId,
      text,
      date: Math.floor(clock.now() / 1000),
    };
    return { updateKey: incoming.updateKey, chatKey: `user:${user}`, kind: 'message', payload: incoming, sentAt: incoming.date, receivedAt: clock.now(), recovered: false };
  }

  const state = () => ({ pts: ++pts, qts: 0, date: 1, seq: 0, channels: {} });

  function inboxWith(handle: (incoming: Incoming) => Promise<void>, overrides: Partial<InboxOptions> = {}) {
    return createInbox({
      db,
      handler: { handle: (incoming) => handle(incoming) },
      port: new FakePort(),
      now: clock.now,
      timers: clock,
      chatConcurrency: 1,
      delayedNoteSeconds: 3600,
      oldMessages: { maxAgeHours: null, action: 'handle' },
      ...overrides,
    });
  }

  it('rows an earlier run left pending are handled first, the longest-waiting chat first; then what the store takes in', async () => {
    storeUpdates(db, [event('2', 1, 'b1'), event('1', 1, 'a1')], state());
    const handled: string[] = [];
    const inbox = inboxWith(async (incoming) => {
      handled.push(incoming.kind === 'message' ? incoming.text : incoming.kind);
    });
    inbox.start();
    expect(inbox.store.storeUpdates([event('3', 1, 'c1')], state())).to.deep.equal({ inserted: 1, duplicates: 0 });
    await until(() => handled.length === 3);
    expect(handled).to.deep.equal(['b1', 'a1', 'c1']);
    await until(() => countPending(db) === 0);
    expect(await inbox.stop(1000)).to.equal(true);
  });

  it('a chat whose handler fails is tried again after 5 s, then 10 s; its row leaves pending only once a handler finished', async () => {
    let calls = 0;
    const inbox = inboxWith(async () => {
      calls += 1;
      if (calls <= 2) throw new Error('Telegram unreachable');
    });
    inbox.start();
    inbox.store.storeUpdates([event('1', 7, 'hello')], state());
    await until(() => calls === 1);
    expect(inboxRow(db, 1)?.status).to.equal('pending');

    clock.advance(4_999);
    await flush();
    expect(calls, 'not before 5 s').to.equal(1);
    clock.advance(1);
    await until(() => calls === 2);
    expect(inboxRow(db, 1)?.status).to.equal('pending');

    clock.advance(9_999);
    await flush();
    expect(calls, 'the second wait is 10 s').to.equal(2);
    clock.advance(1);
    await until(() => inboxRow(db, 1)?.status === 'done');
    expect(inboxRow(db, 1)?.attempts).to.equal(3);
    await inbox.stop(1000);
  });

  it('stop waits at most graceMs for a handler in flight; its row stays pending, and a last heartbeat is written', async () => {
    const started = deferred();
    const inbox = inboxWith(async () => {
      started.resolve();
      await new Promise(() => undefined); // never finishes
    });
    inbox.start();
    inbox.store.storeUpdates([event('1', 1, '/ping')], state());
    await started.promise;
    expect(inbox.active()).to.equal(1);

    let result: boolean | undefined;
    const stopping = inbox.stop(2_000).then((finished) => {
      result = finished;
    });
    expect(clock.pending.keepAlive, 'the grace period keeps the process alive').to.equal(1);
    clock.advance(1_999);
    await flush();
    expect(result).to.equal(undefined);
    clock.advance(1);
    await stopping;
    expect(result).to.equal(false);
    expect(inboxRow(db, 1)?.status).to.equal('pending');
    expect(Number(createKvRepository(db).get(ALIVE_AT_KEY))).to.equal(clock.now());
    expect(clock.pending.total, 'no timer is left behind').to.equal(0);
    // Notified after stop: nothing starts.
    inbox.store.storeUpdates([event('2', 1, 'late')], state());
    expect(inbox.active()).to.equal(1);
  });

  it('the next start knows how long Courier was away, and that it ran here before', async () => {
    const first = inboxWith(async () => undefined);
    expect(first.ranBefore).to.equal(false);
    expect(first.offlineSeconds).to.equal(0);
    first.start();
    clock.advance(40_000);
    await first.stop(1000);

    clock.advance(600_000);
    const second = inboxWith(async () => undefined);
    expect(second.ranBefore).to.equal(true);
    expect(second.offlineSeconds).to.equal(600);
  });
});
