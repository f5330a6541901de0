/**
 * The limiter's bulk lane (broadcasts): bulk sends run at the full overall rate while the bot is
 * quiet, but a live reply arriving in the middle goes ahead of every waiting bulk send, at once.
 */
import { expect } from 'chai';
import { RateLimiter, type ChatKey } from '../../../../src/telegram/outbox/rateLimiter.js';

const live = (id: number): ChatKey => ({ key: `user:${id}`, isGroup: false });
const bulk = (id: number): ChatKey => ({ key: `bulk:user:${id}`, isGroup: false, bulk: true });

/** Every send completes at once; the clock jumps to the limiter's next wake. Returns [time, chat] of each send. */
function drain(limiter: RateLimiter, clock: { now: number }, until: (sent: number) => boolean, arrivals: { atMs: number; chat: ChatKey }[] = []): { atMs: number; chat: string }[] {
  const sent: { atMs: number; chat: string }[] = [];
  const pending = [...arrivals];
  while (!until(sent.length)) {
    while (pending.length > 0 && pending[0]!.atMs <= clock.now) limiter.enqueue(pending.shift()!.chat, clock.now);
    const d = limiter.next(clock.now);
    if (d.kind === 'send') {
      sent.push({ atMs: clock.now, chat: d.chat });
      limiter.done(d.chat, clock.now);
      continue;
    }
    const nextArrival = pending[0]?.atMs ?? Infinity;
    if (d.kind === 'idle' && nextArrival === Infinity) break;
    clock.now = Math.min(d.kind === 'wait' ? d.untilMs : Infinity, nextArrival);
  }
  return sent;
}

describe('rate limiter: the bulk lane', () => {
  it('a broadcast to 3,000 users alone takes about 3,000 / 29 s: the full overall rate', () => {
    const clock = { now: 0 };
    const limiter = new RateLimiter({}, 0);
    for (let i = 0; i < 3000; i++) limiter.enqueue(bulk(i), 0);
    const sent = drain(limiter, clock, (n) => n >= 3000);
    expect(sent).to.have.length(3000);
    const seconds = sent[sent.length - 1]!.atMs / 1000;
    expect(seconds).to.be.within(3000 / 29 - 1, (3000 / 29) * 1.02);
  });

  it('a live reply arriving mid-broadcast goes at once, ahead of every waiting bulk send', () => {
    const clock = { now: 0 };
    const limiter = new RateLimiter({}, 0);
    for (let i = 0; i < 1000; i++) limiter.enqueue(bulk(i), 0);
    const arrivals = [10_000, 10_017, 20_500].map((atMs, i) => ({ atMs, chat: live(900_000 + i) }));
    const sent = drain(limiter, clock, (n) => n >= 1003, arrivals);
    for (const a of arrivals) {
      const reply = sent.find((s) => s.chat === a.chat.key)!;
      expect(reply.atMs - a.atMs, a.chat.key).to.be.at.most(1);
    }
  });

  it('bulk waits while live chats have sends ready, and never counts as critical', () => {
    const limiter = new RateLimiter({ burst: 10 }, 0);
    limiter.enqueue(bulk(1), 0);
    for (let i = 0; i < 5; i++) limiter.enqueue(live(i), 0);
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      const d = limiter.next(0);
      if (d.kind !== 'send') break;
      order.push(d.chat);
      limiter.done(d.chat, 0);
    }
    expect(order.slice(0, 5)).to.deep.equal(['user:0', 'user:1', 'user:2', 'user:3', 'user:4']);
    // Five tokens left of ten, more than the reserve of two: the bulk send may go.
    expect(order[5]).to.equal('bulk:user:1');
  });

  it('leaves the burst reserve to live replies: bulk stops while the overall bucket is low', () => {
    const limiter = new RateLimiter({ burst: 4 }, 0);
    for (let i = 0; i < 10; i++) limiter.enqueue(bulk(i), 0);
    let sentAtZero = 0;
    for (;;) {
      const d = limiter.next(0);
      if (d.kind !== 'send') break;
      sentAtZero++;
      limiter.done(d.chat, 0);
    }
    expect(sentAtZero).to.equal(2); // 4 tokens, 2 kept back
    limiter.enqueue(live(1), 0);
    expect(limiter.next(0)).to.deep.equal({ kind: 'send', chat: 'user:1' });
  });
});
