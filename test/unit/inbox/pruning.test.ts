/** Pruning handled rows: what is old enough to go, and when it runs, on a manual clock. */
import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { initLogging } from '../../../src/log/logger.js';
import { createPruning, INBOX_KEEP_MS, PRUNE_EVERY_MS, pruneCutoff } from '../../../src/inbox/pruning.js';
import { ManualClock } from './manualClock.js';

describe('inbox pruning', () => {
  before(() => initLogging({ level: 'error', format: 'json' }, { stream: new PassThrough() }));

  it('keeps handled rows three days: the cut-off is now less 72 hours', () => {
    expect(INBOX_KEEP_MS).to.equal(72 * 3600_000);
    expect(pruneCutoff(1_000_000_000_000, INBOX_KEEP_MS)).to.equal(1_000_000_000_000 - 259_200_000);
  });

  it('prunes at start and every hour after, with the cut-off of that moment, until stopped', () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const cutoffs: number[] = [];
    const pruning = createPruning({
      deleteHandledBefore: (before) => {
        cutoffs.push(before);
        return 0;
      },
      now: clock.now,
      timers: clock,
    });
    pruning.start();
    clock.advance(2 * PRUNE_EVERY_MS + 59_000);
    pruning.stop();
    clock.advance(5 * PRUNE_EVERY_MS);
    expect(cutoffs.map((c) => c - t0 + INBOX_KEEP_MS)).to.deep.equal([0, PRUNE_EVERY_MS, 2 * PRUNE_EVERY_MS]);
  });

  it('pruneNow returns how many rows went', () => {
    const clock = new ManualClock();
    const pruning = createPruning({ deleteHandledBefore: () => 3, now: clock.now, timers: clock, keepMs: 1000 });
    expect(pruning.pruneNow()).to.equal(3);
  });
});
