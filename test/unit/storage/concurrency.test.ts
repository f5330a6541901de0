import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { openDatabase, writeTransaction } from '../../../src/storage/index.js';
import { filename, rowId, type DbWriteResult, type DbWriteTask } from '../../fixtures/dbWriteWorker.js';

// Atomics.waitAsync is in Node 20 but only in TypeScript's ES2024 lib; tsconfig targets ES2023.
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { value: Promise<'ok' | 'timed-out'> | 'not-equal' | 'timed-out' };
}).waitAsync;

const WORKERS = 4;
const ROWS = 1500;
const PER_TRANSACTION = 5;

describe('storage under concurrent writers', () => {
  let dir: string;
  let pool: Piscina | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-db-'));
  });
  afterEach(async () => {
    await pool?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every row when 4 worker threads and the main thread write at once, each on its own connection', async () => {
    const file = join(dir, 'courier.db');
    const main = openDatabase(file);
    main.exec('CREATE TABLE rows (seq INTEGER PRIMARY KEY, id INTEGER NOT NULL UNIQUE, writer INTEGER NOT NULL)');

    pool = new Piscina({ filename, minThreads: WORKERS, maxThreads: WORKERS, concurrentTasksPerWorker: 1 });
    const barrier = new SharedArrayBuffer(4);
    const parties = WORKERS + 1; // the workers and the main thread start writing together
    const tasks = Array.from({ length: WORKERS }, (_, i) =>
      pool!.run({ file, writer: i + 1, rows: ROWS, perTransaction: PER_TRANSACTION, barrier, parties } satisfies DbWriteTask) as Promise<DbWriteResult>,
    );

    // The main thread joins the barrier without blocking its event loop (Piscina needs it to hand
    // out the tasks), then writes, yielding between transactions as the service does.
    const counter = new Int32Array(barrier);
    Atomics.add(counter, 0, 1);
    Atomics.notify(counter, 0);
    for (let seen = Atomics.load(counter, 0); seen < parties; seen = Atomics.load(counter, 0)) {
      const wait = waitAsync(counter, 0, seen, 10_000);
      if ((await wait.value) === 'timed-out') throw new Error('workers never reached the barrier');
    }
    const insert = main.prepare('INSERT INTO rows (id, writer) VALUES (?, ?)');
    for (let written = 0; written < ROWS; written += PER_TRANSACTION) {
      writeTransaction(main, () => {
        for (let i = 0; i < PER_TRANSACTION; i++) insert.run(rowId(0, written + i), 0);
      });
      await nextTurn();
    }

    // Any SQLITE_BUSY in a worker would reject its task, and in the main thread would have thrown above.
    const results = await Promise.all(tasks);
    expect(results.map((r) => r.written)).to.deep.equal(Array(WORKERS).fill(ROWS));
    const threads = new Set(results.map((r) => r.threadId));
    expect(threads.size, 'each writer on its own thread').to.equal(WORKERS);
    expect(threads.has(threadId)).to.equal(false);

    const writers = WORKERS + 1;
    let expectedSum = 0;
    for (let w = 0; w < writers; w++) for (let i = 0; i < ROWS; i++) expectedSum += rowId(w, i);
    const totals = main.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS distinctIds, SUM(id) AS sum FROM rows').get();
    expect(totals).to.deep.equal({ n: writers * ROWS, distinctIds: writers * ROWS, sum: expectedSum });
    const perWriter = main.prepare('SELECT writer, COUNT(*) AS n FROM rows GROUP BY writer ORDER BY writer').all();
    expect(perWriter).to.deep.equal(Array.from({ length: writers }, (_, w) => ({ writer: w, n: ROWS })));

    // The writes really overlapped: in commit order the writer changes more often than it would
    // if they had run one after another (writers - 1 times). Not by much: SQLite's busy handler
    // sleeps, so a writer that holds the lock tends to win it again for a while.
    const order = main.prepare('SELECT writer FROM rows ORDER BY seq').pluck().all() as number[];
    const switches = order.filter((w, i) => i > 0 && w !== order[i - 1]).length;
    expect(switches, 'writers interleaved').to.be.greaterThan(writers);
    main.close();
  });
});
