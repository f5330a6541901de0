import { expect } from 'chai';
import { progressThrottle, type ProgressTimers } from '../../../../src/jobs/backends/progressThrottle.js';

/** Timers driven by the test: advance() runs what falls due. */
function fakeTimers(): ProgressTimers & { advance(ms: number): void; pending(): number } {
  let now = 1_000_000;
  let seq = 0;
  const due = new Map<number, { at: number; run: () => void }>();
  return {
    now: () => now,
    setTimeout: (run, ms) => (due.set(++seq, { at: now + ms, run }), seq),
    clearTimeout: (handle) => void due.delete(handle as number),
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...due].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at > now) continue;
        due.delete(id);
        timer.run();
      }
    },
    pending: () => due.size,
  };
}

describe('progressThrottle: a worker reports progress to the queue', () => {
  it('sends the first percent at once, holds later ones to the interval, and sends the last of a burst when it ends', () => {
    const timers = fakeTimers();
    const sent: string[] = [];
    const throttle = progressThrottle(1000, (p) => sent.push(`${p.stage} ${p.percent}`), timers);
    throttle.report('downloading', 0);
    throttle.report(null, 8);
    throttle.report(null, 40);
    throttle.report(null, 67); // a window of chunks confirmed together, then nothing for a while
    expect(sent).to.deep.equal(['downloading 0']);
    timers.advance(999);
    expect(sent).to.deep.equal(['downloading 0']);
    timers.advance(1);
    expect(sent).to.deep.equal(['downloading 0', 'downloading 67']);
    expect(timers.pending()).to.equal(0);
  });

  it('a stage change goes out at once and replaces a held percent of the stage before', () => {
    const timers = fakeTimers();
    const sent: string[] = [];
    const throttle = progressThrottle(1000, (p) => sent.push(`${p.stage} ${p.percent}`), timers);
    throttle.report('downloading', 0);
    throttle.report(null, 90);
    throttle.report('processing', 0);
    timers.advance(5000);
    expect(sent).to.deep.equal(['downloading 0', 'processing 0']);
  });

  it('an unchanged percent is not sent again, and stop() drops what is held', () => {
    const timers = fakeTimers();
    const sent: string[] = [];
    const throttle = progressThrottle(1000, (p) => sent.push(`${p.stage} ${p.percent}`), timers);
    throttle.report('uploading', 10);
    throttle.report(null, 10);
    timers.advance(2000);
    throttle.report(null, 10);
    throttle.report(null, 20);
    throttle.report(null, 30);
    throttle.stop();
    timers.advance(5000);
    expect(sent).to.deep.equal(['uploading 10', 'uploading 20']);
  });
});
