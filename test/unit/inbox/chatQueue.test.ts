import { expect } from 'chai';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ChatQueue } from '../../../src/inbox/chatQueue.js';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every promise callback and p-limit hand-off that is ready run (a turn of the loop, not a delay). */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await nextTurn();
}

/**
 * A handler whose every drain blocks until the test releases it; records who drained when, and how
 * many drains of one chat overlapped (must never exceed 1).
 */
function gatedHandler() {
  const gates: { chatKey: string; gate: Deferred }[] = [];
  const started: string[] = [];
  const running = new Map<string, number>();
  let maxSameChat = 0;
  let active = 0;
  let maxActive = 0;
  const handle = async (chatKey: string) => {
    started.push(chatKey);
    const n = (running.get(chatKey) ?? 0) + 1;
    running.set(chatKey, n);
    maxSameChat = Math.max(maxSameChat, n);
    maxActive = Math.max(maxActive, ++active);
    const gate = deferred();
    gates.push({ chatKey, gate });
    try {
      await gate.promise;
    } finally {
      running.set(chatKey, (running.get(chatKey) ?? 1) - 1);
      active--;
    }
  };
  /** Releases the oldest unreleased drain of chatKey. */
  const release = (chatKey: string) => {
    const i = gates.findIndex((g) => g.chatKey === chatKey);
    if (i < 0) throw new Error(`no drain of ${chatKey} is waiting`);
    gates.splice(i, 1)[0]!.gate.resolve();
  };
  return {
    handle,
    release,
    started,
    get maxSameChat() {
      return maxSameChat;
    },
    get maxActive() {
      return maxActive;
    },
  };
}

describe('ChatQueue', () => {
  it('handles one chat’s work strictly in order, draining again when notified mid-drain', async () => {
    // A stand-in for the inbox: per chat, work items in arrival order.
    const pending = new Map<string, number[]>();
    const handled: number[] = [];
    const inFlight = { now: 0, max: 0 };
    let drains = 0;
    const queue = new ChatQueue({
      concurrency: 4,
      handle: async (chatKey) => {
        drains++;
        inFlight.max = Math.max(inFlight.max, ++inFlight.now);
        // Drain like the real handler: take the oldest, yield (I/O), record, repeat.
        for (let item = pending.get(chatKey)?.shift(); item !== undefined; item = pending.get(chatKey)?.shift()) {
          await nextTurn();
          handled.push(item);
        }
        inFlight.now--;
      },
    });
    const arrive = (item: number) => {
      pending.set('chat', [...(pending.get('chat') ?? []), item]);
      queue.notify('chat');
    };

    for (let item = 1; item <= 30; item++) {
      arrive(item);
      // Arrivals land at every stage of a drain: before it starts, mid-item, between items.
      if (item % 3 === 0) await nextTurn();
    }
    await queue.idle();

    expect(handled).to.deep.equal(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(inFlight.max, 'never two drains of one chat at once').to.equal(1);
    expect(drains, 'notifies during a drain were coalesced, not one drain each').to.be.within(2, 29);
  });

  it('drains a chat again when notified after its drain had already looked for work', async () => {
    const h = gatedHandler();
    const queue = new ChatQueue({ concurrency: 2, handle: h.handle });
    queue.notify('a');
    await flush();
    queue.notify('a'); // new work arrived while the first drain is past its last read
    queue.notify('a'); // coalesces with the previous one
    h.release('a');
    await flush();
    expect(h.started).to.deep.equal(['a', 'a']);
    h.release('a');
    await queue.idle();
    expect(h.started).to.deep.equal(['a', 'a']);
    expect(h.maxSameChat).to.equal(1);
  });

  it('runs different chats in parallel, never more than the limit at once', async () => {
    const h = gatedHandler();
    const queue = new ChatQueue({ concurrency: 2, handle: h.handle });
    for (const chat of ['a', 'b', 'c', 'd', 'e']) queue.notify(chat);
    await flush();
    expect(h.started).to.deep.equal(['a', 'b']);
    expect(queue.active).to.equal(2);
    expect(queue.waiting).to.equal(3);

    h.release('b');
    await flush();
    expect(h.started).to.deep.equal(['a', 'b', 'c']);
    for (const chat of ['a', 'c', 'd', 'e']) {
      h.release(chat);
      await flush();
    }
    await queue.idle();
    expect(h.started).to.have.members(['a', 'b', 'c', 'd', 'e']);
    expect(h.maxActive).to.equal(2);
  });

  it('keeps serving other chats while one chat’s handler is stuck', async () => {
    const stuck = deferred();
    const handled: string[] = [];
    const queue = new ChatQueue({
      concurrency: 2,
      handle: async (chatKey) => {
        if (chatKey === 'slow') await stuck.promise;
        handled.push(chatKey);
      },
    });
    queue.notify('slow');
    for (let i = 0; i < 5; i++) {
      queue.notify(`fast-${i}`);
      await flush();
    }
    expect(handled).to.deep.equal(['fast-0', 'fast-1', 'fast-2', 'fast-3', 'fast-4']);
    let idle = false;
    void queue.idle().then(() => (idle = true));
    await flush();
    expect(idle, 'idle waits for the slow chat').to.equal(false);
    stuck.resolve();
    await queue.idle();
    expect(handled).to.include('slow');
  });

  it('puts a re-drain behind chats that were already waiting', async () => {
    const h = gatedHandler();
    const queue = new ChatQueue({ concurrency: 1, handle: h.handle });
    queue.notify('a');
    queue.notify('b');
    await flush();
    queue.notify('a'); // a busy chat must not keep the only slot to itself
    h.release('a');
    await flush();
    expect(h.started).to.deep.equal(['a', 'b']);
    h.release('b');
    await flush();
    expect(h.started).to.deep.equal(['a', 'b', 'a']);
    h.release('a');
    await queue.idle();
  });

  it('stop() waits for running drains, starts no new ones and ignores later notifies', async () => {
    const h = gatedHandler();
    const queue = new ChatQueue({ concurrency: 1, handle: h.handle });
    queue.notify('a');
    queue.notify('b');
    await flush();
    queue.notify('a'); // a remembered re-drain is dropped too
    let stopped = false;
    const stopping = queue.stop().then(() => (stopped = true));
    queue.notify('c');
    await flush();
    expect(stopped, 'a is still running').to.equal(false);
    h.release('a');
    await stopping;
    expect(stopped).to.equal(true);
    expect(h.started, 'b was waiting, c came after stop: neither ran').to.deep.equal(['a']);
    await queue.idle();
  });

  it('reports a failed drain and keeps the chat usable', async () => {
    const errors: [string, unknown][] = [];
    let fail = true;
    const handled: string[] = [];
    const queue = new ChatQueue({
      concurrency: 1,
      handle: async (chatKey) => {
        if (fail) throw new Error('handler broke');
        handled.push(chatKey);
      },
      onError: (chatKey, error) => errors.push([chatKey, error]),
    });
    queue.notify('a');
    await queue.idle();
    expect(errors).to.have.length(1);
    expect(errors[0]![0]).to.equal('a');
    expect((errors[0]![1] as Error).message).to.equal('handler broke');
    expect(handled, 'a failure is not retried by itself').to.deep.equal([]);
    fail = false;
    queue.notify('a');
    await queue.idle();
    expect(handled).to.deep.equal(['a']);
  });

  it('is idle at once when nothing was notified, and rejects a concurrency below 1', async () => {
    await new ChatQueue({ concurrency: 1, handle: async () => undefined }).idle();
    expect(() => new ChatQueue({ concurrency: 0, handle: async () => undefined })).to.throw(RangeError, /at least 1/);
  });

  it('a handler that says "maybe more" goes to the back of the line: a long backlog does not hold its slot', async () => {
    const backlog = new Map([
      ['a', ['a1', 'a2', 'a3']],
      ['b', ['b1']],
      ['c', ['c1']],
    ]);
    const handled: string[] = [];
    const queue = new ChatQueue({
      concurrency: 1,
      handle: async (chatKey) => {
        const next = backlog.get(chatKey)!.shift();
        if (next === undefined) return false;
        handled.push(next);
        return true;
      },
    });
    queue.notify('a');
    queue.notify('b');
    queue.notify('c');
    await queue.idle();
    // One row per turn; each chat still in its own order.
    expect(handled).to.deep.equal(['a1', 'b1', 'c1', 'a2', 'a3']);
  });
});
