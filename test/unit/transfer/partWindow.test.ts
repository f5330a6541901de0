import { expect } from 'chai';
import { PartWindow } from '../../../src/transfer/partWindow.js';

describe('PartWindow: a sliding window of parts', () => {
  it('starts the next part as soon as any one finishes, without waiting for the batch', () => {
    const window = new PartWindow({ totalParts: 10, windowSize: 3 });
    expect(window.takeReady(0)).to.deep.equal([0, 1, 2]);
    expect(window.takeReady(0)).to.deep.equal([]);
    window.confirm(1);
    expect(window.takeReady(0)).to.deep.equal([3]);
    expect(window.inFlightCount()).to.equal(3);
  });

  it('retries a failed part after an exponential backoff, ahead of unsent parts', () => {
    const window = new PartWindow({ totalParts: 5, windowSize: 2, baseBackoffMs: 100 });
    window.takeReady(0); // 0, 1
    expect(window.fail(0, { kind: 'retry', error: new Error('socket closed') }, 1000)).to.deep.equal({
      kind: 'retry-later',
      atMs: 1100,
    });
    expect(window.takeReady(1050)).to.deep.equal([2]); // the slot is reused meanwhile
    window.confirm(2);
    expect(window.wakeAt(1050)).to.equal(1050); // unsent parts remain, so no need to sleep
    expect(window.takeReady(1100)).to.deep.equal([0]);
    expect(window.attemptsOf(0)).to.equal(2);
    window.fail(0, { kind: 'retry', error: new Error('again') }, 2000);
    window.confirm(1);
    window.takeReady(2000); // 3, 4
    window.confirm(3);
    window.confirm(4);
    expect(window.wakeAt(2000)).to.equal(2200); // second retry waits twice as long
  });

  it('gives up on a part after maxAttempts sends and hands out nothing more', () => {
    const window = new PartWindow({ totalParts: 3, windowSize: 1, maxAttempts: 2, baseBackoffMs: 10 });
    window.takeReady(0);
    window.fail(0, { kind: 'retry', error: 'x' }, 0);
    expect(window.takeReady(10)).to.deep.equal([0]);
    const verdict = window.fail(0, { kind: 'retry', error: 'y' }, 10);
    expect(verdict.kind).to.equal('give-up');
    expect(window.failed()).to.equal(verdict);
    expect(window.takeReady(10_000)).to.deep.equal([]);
  });

  it('pauses the whole window for FLOOD_WAIT_X seconds without spending an attempt', () => {
    const window = new PartWindow({ totalParts: 6, windowSize: 3, maxAttempts: 1 });
    window.takeReady(0); // 0, 1, 2
    expect(window.fail(1, { kind: 'flood', seconds: 7, error: 'FLOOD_WAIT_7' }, 500)).to.deep.equal({
      kind: 'retry-later',
      atMs: 7500,
    });
    window.confirm(0);
    expect(window.takeReady(7499)).to.deep.equal([]);
    expect(window.wakeAt(7499)).to.equal(7500);
    expect(window.takeReady(7500)).to.deep.equal([1, 3]);
    // maxAttempts is 1, yet part 1 got its send back: the flood wait did not count.
    expect(window.failed()).to.equal(undefined);
  });

  it('fails instead of pausing when the flood wait is longer than allowed', () => {
    const window = new PartWindow({ totalParts: 2, windowSize: 2, maxFloodWaitSeconds: 60 });
    window.takeReady(0);
    expect(window.fail(0, { kind: 'flood', seconds: 3600, error: 'FLOOD_WAIT_3600' }, 0).kind).to.equal('give-up');
  });

  it('a fatal error stops the window at once', () => {
    const window = new PartWindow({ totalParts: 4, windowSize: 2 });
    window.takeReady(0);
    expect(window.fail(0, { kind: 'fatal', error: 'FILE_PART_SIZE_INVALID' }, 0).kind).to.equal('give-up');
    window.confirm(1);
    expect(window.takeReady(0)).to.deep.equal([]);
    expect(window.wakeAt(0)).to.equal(undefined);
  });

  it('on resume hands out only the parts not confirmed before', () => {
    const window = new PartWindow({ totalParts: 6, windowSize: 10, confirmed: [0, 2, 4, 99] });
    expect(window.missingParts()).to.deep.equal([1, 3, 5]);
    expect(window.takeReady(0)).to.deep.equal([1, 3, 5]);
    for (const part of [1, 3, 5]) window.confirm(part);
    expect(window.isDone()).to.equal(true);
    expect(window.confirmedParts()).to.deep.equal([0, 1, 2, 3, 4, 5]);
  });
});
