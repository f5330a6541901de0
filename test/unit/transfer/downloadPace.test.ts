import { expect } from 'chai';
import { paceBreach } from '../../../src/transfer/downloadPace.js';

const rules = { deadlineMs: 600_000, minBytesPerSecond: 10_240 };

describe('download pace (deadline and minimum average rate)', () => {
  it('judges no rate in the first 30 s: a slow start is connection set-up, not a trickle', () => {
    expect(paceBreach(rules, 29_999, 0)).to.equal(null);
    expect(paceBreach(rules, 30_000, 0)?.message).to.contain('links.minBytesPerSecond');
  });

  it('judges the average since the start, so a stall on a fast download is forgiven', () => {
    // 10 MB in the first 10 s, then 60 s of nothing: still 142 KB/s on average.
    expect(paceBreach(rules, 70_000, 10_000_000)).to.equal(null);
    // One byte every 20 s: 3 bytes after 60 s.
    const trickle = paceBreach(rules, 60_000, 3);
    expect(trickle).to.include({ reason: 'TIMEOUT' });
    expect(trickle?.message).to.equal('The server sent 0 bytes/s on average over 60 s, below the minimum of 10240 (links.minBytesPerSecond).');
    expect(paceBreach(rules, 40_000, 40 * 10_240)).to.equal(null);
    expect(paceBreach(rules, 40_000, 40 * 10_240 - 1)).to.not.equal(null);
  });

  it('a minimum of 0 turns the rate rule off; the deadline holds whatever the rate', () => {
    expect(paceBreach({ ...rules, minBytesPerSecond: 0 }, 599_000, 0)).to.equal(null);
    expect(paceBreach(rules, 600_000, 10 ** 12)).to.equal(null);
    const late = paceBreach(rules, 600_001, 10 ** 12);
    expect(late).to.include({ reason: 'TIMEOUT' });
    expect(late?.message).to.contain('longer than 600 s (links.deadlineSeconds)');
  });
});
