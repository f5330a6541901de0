/** Retry with backoff: a chat whose drain failed is tried again after a doubling wait, on a manual clock. */
import { expect } from 'chai';
import { CHAT_RETRY_BACKOFF, ChatRetry, retryDelayMs } from '../../../src/inbox/retry.js';
import { ManualClock } from './manualClock.js';

describe('inbox retry with backoff', () => {
  it('waits 5 s after the first failure, doubling each time, never more than 5 minutes', () => {
    const schedule = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => retryDelayMs(n, CHAT_RETRY_BACKOFF) / 1000);
    expect(schedule).to.deep.equal([5, 10, 20, 40, 80, 160, 300, 300, 300]);
  });

  it('a chat that keeps failing is notified again after each wait; one that drains fine starts over at 5 s', () => {
    const clock = new ManualClock();
    const retried: { chatKey: string; at: number }[] = [];
    const start = clock.now();
    const retry = new ChatRetry({ backoff: CHAT_RETRY_BACKOFF, timers: clock, retry: (chatKey) => retried.push({ chatKey, at: clock.now() - start }) });

    expect(retry.failed('user:1')).to.equal(5_000);
    clock.advance(4_999);
    expect(retried).to.deep.equal([]);
    clock.advance(1);
    expect(retried).to.deep.equal([{ chatKey: 'user:1', at: 5_000 }]);

    expect(retry.failed('user:1')).to.equal(10_000);
    // Another chat's failures are its own.
    expect(retry.failed('user:2')).to.equal(5_000);
    clock.advance(10_000);
    expect(retried.map((r) => [r.chatKey, r.at])).to.deep.equal([
      ['user:1', 5_000],
      ['user:2', 10_000],
      ['user:1', 15_000],
    ]);
    expect(retry.failures('user:1')).to.equal(2);

    retry.succeeded('user:1');
    expect(retry.failures('user:1')).to.equal(0);
    expect(retry.failed('user:1'), 'after a good drain the wait starts over').to.equal(5_000);
  });

  it('stop cancels the retries still waiting and schedules no more', () => {
    const clock = new ManualClock();
    const retried: string[] = [];
    const retry = new ChatRetry({ backoff: CHAT_RETRY_BACKOFF, timers: clock, retry: (chatKey) => retried.push(chatKey) });
    retry.failed('user:1');
    retry.failed('user:2');
    expect(retry.waiting).to.equal(2);
    retry.stop();
    retry.failed('user:3');
    clock.advance(3_600_000);
    expect(retried).to.deep.equal([]);
    expect(clock.pending.total).to.equal(0);
  });
});
