import { expect } from 'chai';
import { createFloodGate } from '../../../../src/emulator/world/accountsSide/flood.js';
import { DEFAULT_LIMITS } from '../../../../src/emulator/world/world.js';
import { DEFAULT_SEND_RATE_LIMITS, RateLimitConfigError, RateLimiter, type ChatKey, type SendRateLimits } from '../../../../src/telegram/outbox/rateLimiter.js';
import { seededRandom as seeded } from '../../../helpers/seededRandom.js';

const user = (id: number): ChatKey => ({ key: `user:${id}`, isGroup: false });
const group = (id: number): ChatKey => ({ key: `chat:${id}`, isGroup: true });

/**
 * The emulator's own flood gate (its model of Telegram's bot limits, with its default numbers) as
 * the referee: every send the limiter hands out is shown to it at the simulated time, and it
 * throws FLOOD_WAIT the way the emulator would.
 */
function emulatorReferee(clock: { now: number }) {
  const gate = createFloodGate({ nowMs: () => clock.now, limits: { ...DEFAULT_LIMITS, enabled: true }, isBot: () => true });
  return (key: string) => {
    const [kind, id] = key.split(':') as [string, string];
    const n = Number(id);
    gate(1, kind === 'user' ? { user: n } : kind === 'chat' ? { chat: n } : { channel: n });
  };
}

interface Sent {
  atMs: number;
  chat: string;
}

/**
 * Runs the limiter on a simulated clock: arrivals are enqueued at their time, every send completes
 * at once (`done` right away), and the clock jumps to whatever the limiter says to wait for.
 */
function simulate(limiter: RateLimiter, arrivals: { atMs: number; chat: ChatKey }[], referee?: (key: string) => void, clock = { now: 0 }): Sent[] {
  const sorted = [...arrivals].sort((a, b) => a.atMs - b.atMs);
  const sent: Sent[] = [];
  let i = 0;
  for (let steps = 0; steps < 10_000_000; steps++) {
    while (i < sorted.length && (sorted[i] as { atMs: number }).atMs <= clock.now) limiter.enqueue((sorted[i++] as { chat: ChatKey }).chat, clock.now);
    const d = limiter.next(clock.now);
    const nextArrival = i < sorted.length ? (sorted[i] as { atMs: number }).atMs : Infinity;
    if (d.kind === 'send') {
      referee?.(d.chat);
      sent.push({ atMs: clock.now, chat: d.chat });
      limiter.done(d.chat, clock.now);
      continue;
    }
    if (d.kind === 'wait') {
      expect(d.untilMs, 'a wait must move the clock forward').to.be.greaterThan(clock.now);
      clock.now = Math.min(d.untilMs, nextArrival);
      continue;
    }
    if (nextArrival === Infinity) return sent;
    clock.now = nextArrival;
  }
  throw new Error('simulation did not finish');
}

const allAt = (ms: number, chats: ChatKey[]) => chats.map((chat) => ({ atMs: ms, chat }));
const repeat = (n: number, chat: ChatKey) => Array.from({ length: n }, () => chat);


/** The least time Telegram's limits (the emulator's numbers) allow for these per-chat counts, in ms. */
function emulatorFloorMs(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const global = (Math.max(0, total - DEFAULT_LIMITS.botMessagesPerSecond) / DEFAULT_LIMITS.botMessagesPerSecond) * 1000;
  const perChat = Math.max(...counts.map((n) => (Math.max(0, n - DEFAULT_LIMITS.botChatBurst) / DEFAULT_LIMITS.botMessagesPerChatPerSecond) * 1000));
  return Math.max(global, perChat);
}

/** The same floor under the limiter's own (lower) numbers. */
function ownFloorMs(counts: number[], l: SendRateLimits = DEFAULT_SEND_RATE_LIMITS): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const global = (Math.max(0, total - l.burst) / l.perSecond) * 1000;
  const perChat = Math.max(...counts.map((n) => (Math.max(0, n - l.chatBurst) / l.perChatPerSecond) * 1000));
  return Math.max(global, perChat);
}

describe('RateLimiter (the outbox send scheduler, pure)', () => {
  it('lets one chat burst, then holds it to one message per second', () => {
    const sent = simulate(new RateLimiter(), allAt(0, repeat(6, user(7))));
    expect(sent.map((s) => s.atMs)).to.deep.equal([0, 0, 1000, 2000, 3000, 4000]);
  });

  it('refills a quiet chat\'s burst while it is idle', () => {
    const sent = simulate(new RateLimiter(), [...allAt(0, repeat(3, user(7))), ...allAt(10_000, repeat(3, user(7)))]);
    expect(sent.map((s) => s.atMs)).to.deep.equal([0, 0, 1000, 10_000, 10_000, 11_000]);
  });

  it('keeps 100 chats under the overall rate: a burst, then one send every 1/29 s', () => {
    const chats = Array.from({ length: 100 }, (_, i) => user(i + 1));
    const clock = { now: 0 };
    const sent = simulate(new RateLimiter(), allAt(0, chats), emulatorReferee(clock), clock);
    expect(sent).to.have.length(100);
    expect(new Set(sent.map((s) => s.chat)).size).to.equal(100);
    // Never more than burst + rate x elapsed.
    sent.forEach((s, k) => expect(k + 1).to.be.at.most(10 + (s.atMs * 29) / 1000 + 1e-6));
    const last = (sent.at(-1) as Sent).atMs;
    expect(last).to.be.closeTo(((100 - 10) * 1000) / 29, 2);
  });

  it('holds a group to its per-minute allowance (at most 20 in any minute) while a private chat goes at 1/s', () => {
    const clock = { now: 0 };
    const sent = simulate(new RateLimiter(), allAt(0, [...repeat(60, group(5)), ...repeat(60, user(6))]), emulatorReferee(clock), clock);
    const groupTimes = sent.filter((s) => s.chat === 'chat:5').map((s) => s.atMs);
    const userTimes = sent.filter((s) => s.chat === 'user:6').map((s) => s.atMs);
    expect(groupTimes).to.have.length(60);
    for (const t of groupTimes) expect(groupTimes.filter((u) => u >= t && u < t + 60_000).length).to.be.at.most(20);
    // 19 per minute, each minute's paced by the per-chat rule (a burst of 2, then 1/s): the 58th
    // to 60th open the fourth minute.
    expect(groupTimes.slice(0, 20)).to.deep.equal([0, 0, ...Array.from({ length: 17 }, (_, k) => (k + 1) * 1000), 60_000]);
    expect(groupTimes.slice(-3)).to.deep.equal([180_000, 180_000, 181_000]);
    expect(userTimes.at(-1)).to.equal(58_000);
  });

  it('serves a chat with one message after at most one send of a chat with 100 waiting', () => {
    // Per-chat limits lifted so that only the overall rate (and the order) decide.
    const limits = { perChatPerSecond: 1000, chatBurst: 100, burst: 1 };
    const sent = simulate(new RateLimiter(limits), [...allAt(0, repeat(100, user(1))), ...allAt(0, [user(2)])]);
    expect(sent.findIndex((s) => s.chat === 'user:2')).to.be.at.most(1);

    const late = simulate(new RateLimiter(limits), [...allAt(0, repeat(100, user(1))), { atMs: 500, chat: user(2) }]);
    const before = late.filter((s) => s.atMs < 500).length;
    expect(late.findIndex((s) => s.chat === 'user:2') - before).to.be.at.most(1);
  });

  it('serves 49 one-message chats within the first turn of the ring, ahead of a heavy chat\'s backlog', () => {
    const light = Array.from({ length: 49 }, (_, i) => user(100 + i));
    const sent = simulate(new RateLimiter({ perChatPerSecond: 1000, chatBurst: 100 }), [...allAt(0, repeat(100, user(1))), ...allAt(0, light)]);
    const lastLight = Math.max(...light.map((c) => sent.findIndex((s) => s.chat === c.key)));
    expect(lastLight).to.be.below(50);
  });

  it('with default limits, a heavy chat delays a newcomer by at most one slot of its own', () => {
    const clock = { now: 0 };
    const sent = simulate(new RateLimiter(), [...allAt(0, repeat(100, user(1))), ...allAt(0, [user(2)])], emulatorReferee(clock), clock);
    expect(sent.findIndex((s) => s.chat === 'user:2')).to.be.at.most(1);
  });

  for (const scenario of [
    { name: '10,000 messages spread evenly over 100 chats', counts: Array.from({ length: 100 }, () => 100) },
    {
      name: '10,000 messages over 120 chats, unevenly (seed 42)',
      counts: (() => {
        const rnd = seeded(42);
        const weights = Array.from({ length: 120 }, () => rnd() ** 3);
        const sum = weights.reduce((a, b) => a + b, 0);
        const counts = weights.map((w) => Math.max(1, Math.floor((w / sum) * 10_000)));
        (counts as number[])[0] = (counts[0] as number) + 10_000 - counts.reduce((a, b) => a + b, 0);
        return counts;
      })(),
    },
    { name: 'one chat with a third of 10,000 messages, the rest over 100 chats', counts: [3400, ...Array.from({ length: 100 }, () => 66)] },
  ]) {
    it(`answers ${scenario.name} within a few % of the floor, with no FLOOD_WAIT from the emulator's gate`, () => {
      const arrivals = scenario.counts.flatMap((n, c) => allAt(0, repeat(n, user(c + 1))));
      // Interleave the chats the way recovered messages arrive (in time order, users mixed).
      const rnd = seeded(7);
      for (let k = arrivals.length - 1; k > 0; k--) {
        const j = Math.floor(rnd() * (k + 1));
        [arrivals[k], arrivals[j]] = [arrivals[j] as (typeof arrivals)[number], arrivals[k] as (typeof arrivals)[number]];
      }
      const clock = { now: 0 };
      const sent = simulate(new RateLimiter(), arrivals, emulatorReferee(clock), clock);
      expect(sent).to.have.length(scenario.counts.reduce((a, b) => a + b, 0));
      const total = (sent.at(-1) as Sent).atMs;
      expect(total / ownFloorMs(scenario.counts), 'against the limiter\'s own floor').to.be.at.most(1.03);
      expect(total / emulatorFloorMs(scenario.counts), 'against the floor the emulator sets').to.be.at.most(1.1);
    });
  }

  it('after a FLOOD_WAIT, holds that chat for the seconds asked and everyone else briefly, and hands the send out again', () => {
    const limiter = new RateLimiter();
    limiter.enqueue(user(1), 0);
    limiter.enqueue(user(2), 0);
    expect(limiter.next(0)).to.deep.equal({ kind: 'send', chat: 'user:1' });
    limiter.floodWait(user(1), 5, 10);
    expect(limiter.stats()).to.include({ waiting: 2, inFlight: 0, floodWaits: 1 });
    // Everyone waits out the brief overall pause (1 s) and one overall token.
    const wait = limiter.next(10);
    expect(wait.kind).to.equal('wait');
    const resume = (wait as { untilMs: number }).untilMs;
    expect(resume).to.be.within(1010, 1010 + Math.ceil(1000 / 29));
    expect(limiter.next(resume)).to.deep.equal({ kind: 'send', chat: 'user:2' });
    limiter.done('user:2', resume);
    // user:1 only after its 5 s.
    expect(limiter.next(resume)).to.deep.equal({ kind: 'wait', untilMs: 5010 });
    expect(limiter.next(5010)).to.deep.equal({ kind: 'send', chat: 'user:1' });
    limiter.done('user:1', 5010);
    expect(limiter.next(5010)).to.deep.equal({ kind: 'idle' });
  });

  it('never hands out a second send of a chat while one is in flight', () => {
    const limiter = new RateLimiter({ chatBurst: 5 });
    for (let k = 0; k < 3; k++) limiter.enqueue(user(1), 0);
    expect(limiter.next(0)).to.deep.equal({ kind: 'send', chat: 'user:1' });
    expect(limiter.next(0)).to.deep.equal({ kind: 'idle' });
    limiter.done('user:1', 0);
    expect(limiter.next(0)).to.deep.equal({ kind: 'send', chat: 'user:1' });
  });

  it('forgets idle chats, but never one with sends waiting', () => {
    const limiter = new RateLimiter();
    const clock = { now: 0 };
    const first = simulate(limiter, [...allAt(0, repeat(5, user(0))), ...Array.from({ length: 2000 }, (_, c) => ({ atMs: 10, chat: user(c + 1) }))], undefined, clock);
    expect(first).to.have.length(2005);
    expect(limiter.stats().trackedChats).to.equal(2001);
    // Much later, chat 0 has a backlog again when the map is swept by new arrivals.
    clock.now += 600_000;
    for (let k = 0; k < 4; k++) limiter.enqueue(user(0), clock.now);
    const second = simulate(limiter, Array.from({ length: 2000 }, (_, c) => ({ atMs: clock.now, chat: user(5000 + c) })), undefined, clock);
    expect(second.filter((s) => s.chat === 'user:0')).to.have.length(4);
    expect(second).to.have.length(2004);
    expect(limiter.stats().trackedChats).to.be.below(2100);
    expect(limiter.stats()).to.include({ waiting: 0, inFlight: 0 });
  });

  it('refuses limits that make no sense, saying which', () => {
    expect(() => new RateLimiter({ perSecond: 0 })).to.throw(RateLimitConfigError, /perSecond/);
    expect(() => new RateLimiter({ chatBurst: 0.5 })).to.throw(RateLimitConfigError, /chatBurst/);
  });
});
