/**
 * The update loop with the real engine, a fake Telegram and a hand-driven clock: what it asks
 * Telegram and when, and what it stores, in order. The clock only moves when the test moves it,
 * so the 15-minute rule and the half-second gap wait are checked without waiting.
 */
import { expect } from 'chai';
import { UpdateEngine } from '../../../../src/telegram/updates/engine.js';
import type { DifferenceResponse, Dispatch, EngineState, ServerState } from '../../../../src/telegram/updates/types.js';
import { UpdateLoop } from '../../../../src/telegram/updates/updateLoop.js';
import { type CatchupReport, type CommonDifferenceRequest, type LoopClock, type UpdateApi } from '../../../../src/telegram/updates/loopContract.js';
import { batch, difference, msg, slice, state, type Label } from './engineFixtures.js';

class ManualClock implements LoopClock {
  private t = 1_000_000;
  private timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const timer = { at: this.t + ms, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }
  /** Moves time forward, firing due timers in order, and lets the loop's promises settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = this.timers.filter((x) => !x.cancelled && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = due.at;
      due.cancelled = true;
      due.fn();
    }
    this.t = end;
    await settle();
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

class FakeTelegram implements UpdateApi<Label> {
  readonly calls: string[] = [];
  serverState: ServerState = { pts: 10, qts: 0, date: 1_700_000_000, seq: 1 };
  differences: (DifferenceResponse<Label> | Error)[] = [];
  async getState() {
    this.calls.push('getState');
    return this.serverState;
  }
  async getDifference(request: CommonDifferenceRequest) {
    this.calls.push(request.ptsLimit === undefined ? `getDifference(${request.pts})` : `getDifference(${request.pts}, pts_limit ${request.ptsLimit})`);
    const next = this.differences.shift() ?? { kind: 'empty' as const, date: 1_700_000_000, seq: 1 };
    if (next instanceof Error) throw next;
    return next;
  }
  async getChannelDifference(): Promise<never> {
    throw new Error('no channels in these tests');
  }
}

function recordingSink() {
  const stored: { labels: Label[]; state: EngineState; source: string }[] = [];
  return {
    stored,
    labels: () => stored.flatMap((s) => s.labels),
    sink: {
      store(dispatch: readonly Dispatch<Label>[], st: EngineState, source: 'live' | 'difference') {
        stored.push({ labels: dispatch.map((d) => d.update), state: st, source });
        return dispatch.filter((d) => d.source === 'difference').length;
      },
    },
  };
}

describe('update loop: the engine driven against a fake Telegram and a manual clock', () => {
  it('first start: takes updates.getState, stores it, and reports nothing to catch up', async () => {
    const clock = new ManualClock();
    const tg = new FakeTelegram();
    const rec = recordingSink();
    const loop = new UpdateLoop(new UpdateEngine<Label>(null), tg, rec.sink, { clock });
    expect(await loop.start()).to.equal(null);
    expect(tg.calls).to.deep.equal(['getState']);
    expect(rec.stored.at(-1)?.state.pts).to.equal(10);
    await loop.stop();
  });

  it('with a stored state, start fetches the difference to the end (slices included) before resolving, live updates after it', async () => {
    const clock = new ManualClock();
    const tg = new FakeTelegram();
    tg.differences = [
      { ...difference(10, 12), kind: 'slice', intermediateState: { pts: 12, qts: 0, date: 1_700_000_050, seq: 1 } } as DifferenceResponse<Label>,
      difference(12, 14),
    ];
    const rec = recordingSink();
    const reports: CatchupReport[] = [];
    const loop = new UpdateLoop(new UpdateEngine<Label>(state(10)), tg, rec.sink, { clock, onCatchup: (r) => reports.push(r) });
    loop.push(batch(msg(15))); // arrives live while the difference is being fetched
    const report = await loop.start();
    await settle();
    expect(tg.calls).to.deep.equal(['getDifference(10)', 'getDifference(12)']);
    expect(report).to.include({ reason: 'start', recovered: 4, requests: 2, skippedPts: 0 });
    expect(rec.labels()).to.deep.equal(['common:11', 'common:12', 'common:13', 'common:14', 'common:15']);
    expect(rec.stored.at(-1)?.state.pts).to.equal(15);
    await loop.stop();
  });

  it('a pts gap waits half a second for the missing update, then gets the difference', async () => {
    const clock = new ManualClock();
    const tg = new FakeTelegram();
    const rec = recordingSink();
    const reports: CatchupReport[] = [];
    const loop = new UpdateLoop(new UpdateEngine<Label>(null, { gapTimeoutMs: 500 }), tg, rec.sink, { clock, onCatchup: (r) => reports.push(r) });
    await loop.start();
    loop.push(batch(msg(12))); // 11 is missing
    await clock.advance(400);
    expect(tg.calls).to.deep.equal(['getState']);
    tg.differences = [difference(10, 12)];
    await clock.advance(200);
    expect(tg.calls).to.deep.equal(['getState', 'getDifference(10)']);
    expect(rec.labels()).to.deep.equal(['common:11', 'common:12']);
    expect(reports.at(-1)).to.include({ reason: 'gap', recovered: 2 });
    await loop.stop();
  });

  it('after 15 quiet minutes it asks for the difference on its own (the idle rule)', async () => {
    const clock = new ManualClock();
    const tg = new FakeTelegram();
    const rec = recordingSink();
    const loop = new UpdateLoop(new UpdateEngine<Label>(null), tg, rec.sink, { clock });
    await loop.start();
    await clock.advance(14 * 60_000);
    expect(tg.calls).to.deep.equal(['getState']);
    tg.differences = [difference(10, 11)];
    await clock.advance(61_000);
    expect(tg.calls).to.deep.equal(['getState', 'getDifference(10)']);
    expect(rec.labels()).to.deep.equal(['common:11']);
    await loop.stop();
  });

  it('a failed getDifference is retried with a growing backoff; a FLOOD_WAIT waits as long as it says', async () => {
    const clock = new ManualClock();
    const tg = new FakeTelegram();
    const rec = recordingSink();
    const flood = Object.assign(new Error('FLOOD_WAIT_7'), { floodSeconds: 7 });
    tg.differences = [new Error('connection reset'), flood, difference(10, 11)];
    const loop = new UpdateLoop(new UpdateEngine<Label>(state(10)), tg, rec.sink, {
      clock,
      retryMs: 500,
      classifyError: (e) => ('floodSeconds' in (e as object) ? { kind: 'retry', afterMs: (e as { floodSeconds: number }).floodSeconds * 1000 } : { kind: 'retry' }),
    });
    const started = loop.start();
    await clock.advance(0);
    expect(tg.calls).to.have.length(1);
    await clock.advance(500); // backoff after the network error
    expect(tg.calls).to.have.length(2);
    await clock.advance(6_999); // the flood wait is not over yet
    expect(tg.calls).to.have.length(2);
    await clock.advance(1);
    expect(await started).to.include({ recovered: 1 });
    expect(rec.labels()).to.deep.equal(['common:11']);
    await loop.stop();
  });

  it('a reconnect means pushes may have been lost: it gets the difference', async () => {
    const clock = new ManualClock();
    const tg = new FakeTelegram();
    const rec = recordingSink();
    const loop = new UpdateLoop(new UpdateEngine<Label>(null), tg, rec.sink, { clock });
    await loop.start();
    tg.differences = [difference(10, 13)];
    loop.reconnected();
    await clock.advance(0);
    expect(tg.calls).to.deep.equal(['getState', 'getDifference(10)']);
    expect(rec.labels()).to.deep.equal(['common:11', 'common:12', 'common:13']);
    await loop.stop();
  });

  it('asks for the next slice before storing the current one, and stores slices in order', async () => {
    const clock = new ManualClock();
    const tg = new FakeTelegram();
    tg.differences = [
      { ...difference(10, 12), kind: 'slice', intermediateState: { pts: 12, qts: 0, date: 1_700_000_050, seq: 1 } } as DifferenceResponse<Label>,
      difference(12, 14),
    ];
    const callsWhenStored: number[] = [];
    const rec = recordingSink();
    const sink = {
      store(dispatch: readonly Dispatch<Label>[], st: EngineState, source: 'live' | 'difference') {
        callsWhenStored.push(tg.calls.length);
        return rec.sink.store(dispatch, st, source);
      },
    };
    const loop = new UpdateLoop(new UpdateEngine<Label>(state(10)), tg, sink, { clock });
    await loop.start();
    // The first slice was stored after the second request had gone out.
    expect(callsWhenStored[0]).to.equal(2);
    expect(rec.labels()).to.deep.equal(['common:11', 'common:12', 'common:13', 'common:14']);
    await loop.stop();
  });

  it('a store that fails stops the loop: nothing more is fetched or stored, so no later state is saved over the lost rows', async () => {
    const clock = new ManualClock();
    const tg = new FakeTelegram();
    tg.differences = [slice(10, 12), slice(12, 14), difference(14, 16)];
    const rec = recordingSink();
    let failures = 1;
    const errors: string[] = [];
    const sink = {
      store(dispatch: readonly Dispatch<Label>[], st: EngineState, source: 'live' | 'difference') {
        if (st.pts > 10 && failures-- > 0) throw new Error('disk full');
        return rec.sink.store(dispatch, st, source);
      },
    };
    const loop = new UpdateLoop(new UpdateEngine<Label>(state(10)), tg, sink, { clock, onError: (_e, what) => errors.push(what) });
    const failed = loop.start().then(() => null, (e: unknown) => e as Error);
    await clock.advance(0);
    expect((await failed)?.message).to.equal('disk full');
    expect(errors).to.deep.equal(['storing updates']);
    const callsAtFailure = tg.calls.length;
    // Live updates and the idle rule after the failure change nothing.
    loop.push(batch(msg(17)));
    loop.reconnected();
    await clock.advance(20 * 60_000);
    expect(tg.calls).to.have.length(callsAtFailure);
    expect(rec.stored).to.deep.equal([]);
    await loop.stop();
  });
});

describe('update loop: a stored state that cannot be this server\'s', () => {
  it('a stored pts ahead of the server\'s own (another world\'s database) is set aside: Courier starts fresh and the next message is handled', async () => {
    const clock = new ManualClock();
    const tg = new FakeTelegram();
    tg.serverState = { pts: 10, qts: 0, date: 1_700_000_000, seq: 1 };
    const rec = recordingSink();
    const impossible: { stored: number; server: number }[] = [];
    const loop = new UpdateLoop(new UpdateEngine<Label>(state(500)), tg, rec.sink, {
      clock,
      verifyStoredState: true,
      onImpossibleState: (stored, server) => impossible.push({ stored: stored.pts, server: server.pts }),
    });
    await loop.start();
    expect(impossible).to.deep.equal([{ stored: 500, server: 10 }]);
    expect(rec.stored[0]?.state.pts).to.equal(10);
    loop.push(batch(msg(11)));
    await clock.advance(0);
    expect(rec.labels()).to.deep.equal(['common:11']);
    expect(tg.calls).to.deep.equal(['getState']);
    await loop.stop();
  });

  it('a stored state behind the server\'s is caught up as usual, after one getState', async () => {
    const clock = new ManualClock();
    const tg = new FakeTelegram();
    tg.serverState = { pts: 12, qts: 0, date: 1_700_000_000, seq: 1 };
    tg.differences = [difference(10, 12)];
    const rec = recordingSink();
    let impossible = 0;
    const loop = new UpdateLoop(new UpdateEngine<Label>(state(10)), tg, rec.sink, { clock, verifyStoredState: true, onImpossibleState: () => impossible++ });
    expect(await loop.start()).to.include({ recovered: 2 });
    expect(tg.calls).to.deep.equal(['getState', 'getDifference(10)']);
    expect(impossible).to.equal(0);
    await loop.stop();
  });
});

describe('update loop: pts_limit is undocumented, so it never costs updates', () => {
  it('a differenceTooLong to a request with pts_limit is asked once more without it; that answer counts', async () => {
    const clock = new ManualClock();
    const tg = new FakeTelegram();
    tg.differences = [{ kind: 'tooLong', pts: 5000 }, difference(10, 12)];
    const rec = recordingSink();
    const loop = new UpdateLoop(new UpdateEngine<Label>(state(10), { ptsLimit: 1000 }), tg, rec.sink, { clock });
    const report = await loop.start();
    expect(tg.calls).to.deep.equal(['getDifference(10, pts_limit 1000)', 'getDifference(10)']);
    expect(report).to.include({ recovered: 2, skippedPts: 0, requests: 2 });
    expect(rec.labels()).to.deep.equal(['common:11', 'common:12']);
    await loop.stop();
  });

  it('a differenceTooLong without pts_limit is accepted as the server\'s word (a skip reported once)', async () => {
    const clock = new ManualClock();
    const tg = new FakeTelegram();
    tg.differences = [{ kind: 'tooLong', pts: 5000 }, difference(5000, 5001)];
    const rec = recordingSink();
    const loop = new UpdateLoop(new UpdateEngine<Label>(state(10)), tg, rec.sink, { clock });
    const report = await loop.start();
    expect(tg.calls).to.deep.equal(['getDifference(10)', 'getDifference(5000)']);
    expect(report).to.include({ skippedPts: 4990, recovered: 1 });
    await loop.stop();
  });
});

describe('update loop: the first start\'s backlog (updates.firstStart.backlogHours)', () => {
  const serverDate = 1_700_100_000;
  /** common:N was sent N minutes before the server's date minus 60 minutes... see each test. */
  function datedTelegram(dates: Record<string, number>) {
    const tg = new FakeTelegram();
    tg.serverState = { pts: 30, qts: 0, date: serverDate, seq: 1 };
    return { tg, dateOf: (label: Label) => dates[label] ?? null };
  }

  it('fetches from ptsWindow events back and handles only what was sent within the backlog hours', async () => {
    const dates: Record<string, number> = {};
    for (let pts = 21; pts <= 30; pts++) dates[`common:${pts}`] = serverDate - (31 - pts) * 1800; // every half hour
    const { tg, dateOf } = datedTelegram(dates);
    tg.differences = [{ ...difference(20, 30), state: { pts: 30, qts: 0, date: serverDate, seq: 1 } }];
    const rec = recordingSink();
    const loop = new UpdateLoop(new UpdateEngine<Label>(null), tg, rec.sink, { clock: new ManualClock(), firstStartBacklog: { seconds: 2 * 3600, dateOf, ptsWindow: 10 } });
    const report = await loop.start();
    expect(tg.calls).to.deep.equal(['getState', 'getDifference(20)']);
    // Sent 5, 4.5 ... 0.5 hours ago: the last two hours are 27..30.
    expect(rec.labels()).to.deep.equal(['common:27', 'common:28', 'common:29', 'common:30']);
    expect(report).to.include({ skippedPts: 0 });
    expect(rec.stored.every((s) => s.state.pts >= 30)).to.equal(true);
    await loop.stop();
  });

  it('a crash in the middle of the backlog leaves the server\'s state stored, never an older one', async () => {
    const { tg, dateOf } = datedTelegram({});
    tg.differences = [slice(20, 25), new Error('connection reset')];
    const rec = recordingSink();
    const loop = new UpdateLoop(new UpdateEngine<Label>(null), tg, rec.sink, { clock: new ManualClock(), retryMs: 60_000, firstStartBacklog: { seconds: 3600, dateOf, ptsWindow: 10 } });
    void loop.start().catch(() => undefined);
    await settle();
    expect(rec.labels()).to.deep.equal(['common:21', 'common:22', 'common:23', 'common:24', 'common:25']);
    expect(rec.stored.map((s) => s.state.pts)).to.deep.equal([30, 30]);
    await loop.stop();
  });

  it('live messages arriving during the backlog are handled after it, in order', async () => {
    const { tg, dateOf } = datedTelegram({});
    tg.differences = [difference(20, 31)];
    const rec = recordingSink();
    const loop = new UpdateLoop(new UpdateEngine<Label>(null), tg, rec.sink, { clock: new ManualClock(), firstStartBacklog: { seconds: 3600, dateOf, ptsWindow: 10 } });
    loop.push(batch(msg(31)));
    loop.push(batch(msg(32)));
    await loop.start();
    await settle();
    expect(rec.labels().slice(-2)).to.deep.equal(['common:31', 'common:32']);
    expect(rec.labels().filter((l) => l === 'common:31')).to.have.length(1);
    await loop.stop();
  });

  it('without backlogHours the first start begins at the server\'s state, as before', async () => {
    const { tg } = datedTelegram({});
    const rec = recordingSink();
    const loop = new UpdateLoop(new UpdateEngine<Label>(null), tg, rec.sink, { clock: new ManualClock() });
    expect(await loop.start()).to.equal(null);
    expect(tg.calls).to.deep.equal(['getState']);
    await loop.stop();
  });
});
