/** The "still alive" mark and the offline time the next start measures from it, on a manual clock. */
import { expect } from 'chai';
import { ALIVE_AT_KEY, createHeartbeat, HEARTBEAT_MS, offlineSecondsSince, parseAliveAt } from '../../../src/inbox/heartbeat.js';
import { ManualClock } from './manualClock.js';

function memoryKv(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  const writes: string[] = [];
  return {
    writes,
    get: (key: string) => values.get(key),
    set: (key: string, value: string) => {
      values.set(key, value);
      writes.push(value);
    },
  };
}

describe('inbox heartbeat', () => {
  it('offline seconds run from the last mark; none without a mark, and never below zero', () => {
    expect(offlineSecondsSince(null, 5_000)).to.equal(0);
    expect(offlineSecondsSince(1_000, 91_000)).to.equal(90);
    expect(offlineSecondsSince(10_000, 4_000), 'the clock was set back').to.equal(0);
    expect(parseAliveAt(undefined)).to.equal(null);
    expect(parseAliveAt('not a time')).to.equal(null);
    expect(parseAliveAt('1700000000000')).to.equal(1_700_000_000_000);
  });

  it('a start an hour after the last mark was offline 3600 s; it marks at start, every 15 s, and once more at stop', () => {
    const clock = new ManualClock();
    const kv = memoryKv({ [ALIVE_AT_KEY]: String(clock.now() - 3_600_000) });
    const heartbeat = createHeartbeat({ kv, now: clock.now, timers: clock });
    expect(heartbeat.offlineSeconds).to.equal(3600);
    expect(heartbeat.previousAliveAt).to.equal(clock.now() - 3_600_000);
    expect(kv.writes, 'reading the old mark writes nothing').to.deep.equal([]);

    const t0 = clock.now();
    heartbeat.start();
    clock.advance(2 * HEARTBEAT_MS + 1_000);
    heartbeat.stop();
    expect(kv.writes.map((w) => Number(w) - t0)).to.deep.equal([0, 15_000, 30_000, 31_000]);
    clock.advance(10 * HEARTBEAT_MS);
    expect(kv.writes, 'no mark after stop').to.have.length(4);
    expect(clock.pending.total).to.equal(0);
  });

  it('a first start finds no mark: offline 0 s, and no earlier run', () => {
    const clock = new ManualClock();
    const heartbeat = createHeartbeat({ kv: memoryKv(), now: clock.now, timers: clock });
    expect(heartbeat.offlineSeconds).to.equal(0);
    expect(heartbeat.previousAliveAt).to.equal(null);
  });
});
