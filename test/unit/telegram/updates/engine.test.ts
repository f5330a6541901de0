import { expect } from 'chai';
import { UpdateEngine, UpdateEngineMisuseError, BOT_CHANNEL_DIFFERENCE_LIMIT, type UpdateEngineOptions } from '../../../../src/telegram/updates/engine.js';
import { engineStateSchema } from '../../../../src/telegram/updates/types.js';
import {
  batch,
  channelDifference,
  difference,
  labels,
  msg,
  plain,
  range,
  seqBatch,
  slice,
  state,
  type Label,
} from './engineFixtures.js';

const T0 = 1_000_000;
const DATE = 1_700_000_000;

/** An engine that has just been given the server state: pts 10, qts 0, seq 1. */
function liveEngine(now = T0, opts: UpdateEngineOptions<Label> = {}): UpdateEngine<Label> {
  const engine = new UpdateEngine<Label>(null, opts);
  engine.setState({ pts: 10, qts: 0, date: DATE, seq: 1 }, now);
  return engine;
}

describe('update engine', () => {
  describe('in order', () => {
    it('dispatches updates that follow the local pts and moves the state with them', () => {
      const engine = liveEngine();
      const result = engine.processUpdates(batch(msg(11), msg(12), msg(14, 'common', 2)), T0);
      expect(labels(result.dispatch)).to.deep.equal(['common:11', 'common:12', 'common:14']);
      expect(result.gap).to.equal(false);
      expect(result.stateAfter?.pts).to.equal(14);
      expect(engine.nextDifferenceRequest(T0)).to.equal(null);
    });

    it('sorts the updates of one entry inside a container and leaves plain updates in place', () => {
      const engine = liveEngine();
      const result = engine.processUpdates(batch(msg(12), plain('typing'), msg(11)), T0);
      expect(labels(result.dispatch)).to.deep.equal(['common:11', 'typing', 'common:12']);
    });

    it('drops an update seen before, whether in the same container or a later one', () => {
      const engine = liveEngine();
      engine.processUpdates(batch(msg(11), msg(12)), T0);
      const again = engine.processUpdates(batch(msg(12), msg(11), msg(13), msg(13)), T0 + 1);
      expect(labels(again.dispatch)).to.deep.equal(['common:13']);
      expect(again.stateAfter?.pts).to.equal(13);
    });
  });

  describe('possible gaps', () => {
    it('holds an update from too far ahead and releases it when the missing one arrives in time', () => {
      const engine = liveEngine();
      const early = engine.processUpdates(batch(msg(12), msg(13)), T0);
      expect(early.dispatch).to.deep.equal([]);
      expect(early.gap).to.equal(true);
      expect(early.stateAfter?.pts, 'state never covers held updates').to.equal(10);
      expect(engine.checkDeadlines(T0 + 100)).to.equal(T0 + 500);

      const late = engine.processUpdates(batch(msg(11)), T0 + 300);
      expect(labels(late.dispatch)).to.deep.equal(['common:11', 'common:12', 'common:13']);
      expect(late.stateAfter?.pts).to.equal(13);
      expect(engine.nextDifferenceRequest(T0 + 10_000)).to.equal(null);
    });

    it('asks for the difference from the last good pts once the 500 ms wait runs out', () => {
      const engine = liveEngine();
      engine.processUpdates(batch(msg(11)), T0);
      engine.processUpdates(batch(msg(13)), T0 + 10);
      expect(engine.nextDifferenceRequest(T0 + 509)).to.equal(null);
      expect(engine.nextDifferenceRequest(T0 + 510)).to.deep.equal({ kind: 'common', pts: 11, qts: 0, date: DATE });
      expect(engine.checkDeadlines(T0 + 510)).to.equal(T0 + 510);

      const answer = engine.applyDifference(difference(11, 13), T0 + 600);
      // common:13 came live and in the difference: handled once.
      expect(labels(answer.dispatch)).to.deep.equal(['common:12', 'common:13']);
      expect(answer.done).to.equal(true);
      expect(answer.stateAfter?.pts).to.equal(13);
      expect(engine.nextDifferenceRequest(T0 + 700)).to.equal(null);
    });

    it('postpones live updates while the difference is fetched and applies those it did not cover', () => {
      const engine = liveEngine();
      engine.processUpdates({ kind: 'tooLong' }, T0);
      expect(engine.nextDifferenceRequest(T0)?.kind).to.equal('common');
      const during = engine.processUpdates(batch(msg(12), msg(13)), T0 + 1);
      expect(during.dispatch).to.deep.equal([]);
      // The server answered before common:13 existed.
      const answer = engine.applyDifference(difference(10, 12), T0 + 2);
      expect(labels(answer.dispatch)).to.deep.equal(['common:11', 'common:12', 'common:13']);
      expect(answer.stateAfter?.pts).to.equal(13);
    });
  });

  describe('getting difference', () => {
    it('walks six slices to the final state, dispatching every message once and in order', () => {
      const engine = liveEngine();
      engine.processUpdates({ kind: 'tooLong' }, T0);
      const seen: Label[] = [];
      let now = T0;
      for (let page = 0; page < 6; page++) {
        const request = engine.nextDifferenceRequest(now);
        expect(request).to.deep.include({ kind: 'common', pts: 10 + page * 5 });
        const from = 10 + page * 5;
        const last = page === 5;
        const answer = last ? difference(from, from + 5, 2 + page) : slice(from, from + 5, 2 + page);
        const result = engine.applyDifference(answer, (now += 50));
        expect(result.done).to.equal(last);
        expect(result.stateAfter?.pts).to.equal(from + 5);
        expect(result.dispatch.every((d) => d.source === 'difference')).to.equal(true);
        seen.push(...labels(result.dispatch));
      }
      expect(seen).to.deep.equal(range(11, 40).map((pts) => `common:${pts}`));
      expect(engine.getState()).to.deep.include({ pts: 40, seq: 7 });
      expect(engine.nextDifferenceRequest(now)).to.equal(null);
    });

    it('reports the skipped pts of a too-long difference and continues from the new pts', () => {
      const engine = liveEngine();
      engine.processUpdates({ kind: 'tooLong' }, T0);
      const tooLong = engine.applyDifference({ kind: 'tooLong', pts: 5_010 }, T0 + 1);
      expect(tooLong.skippedPts).to.equal(5_000);
      expect(tooLong.done).to.equal(false);
      expect(tooLong.stateAfter?.pts).to.equal(5_010);
      expect(engine.nextDifferenceRequest(T0 + 2)).to.deep.include({ kind: 'common', pts: 5_010 });
      const rest = engine.applyDifference(difference(5_010, 5_012), T0 + 3);
      expect(labels(rest.dispatch)).to.deep.equal(['common:5011', 'common:5012']);
      expect(rest.skippedPts).to.equal(undefined);
    });

    it('ends on an empty difference, taking its date and seq', () => {
      const engine = liveEngine();
      engine.processUpdates({ kind: 'tooLong' }, T0);
      const result = engine.applyDifference({ kind: 'empty', date: DATE + 60, seq: 9 }, T0 + 1);
      expect(result.done).to.equal(true);
      expect(result.stateAfter).to.deep.include({ pts: 10, date: DATE + 60, seq: 9 });
    });

    it('dispatches other updates of the fetched range once, after the new messages', () => {
      const engine = liveEngine();
      engine.processUpdates(batch(msg(11)), T0);
      engine.processUpdates({ kind: 'tooLong' }, T0 + 1);
      const answer = engine.applyDifference(
        {
          kind: 'difference',
          newMessages: ['common:13'],
          // 11 was handled live; 12 is an edit; the callback query has no pts.
          otherUpdates: [msg(11), msg(12), plain('callback')],
          users: [],
          chats: [],
          state: { pts: 13, qts: 0, date: DATE + 5, seq: 1 },
        },
        T0 + 2,
      );
      expect(labels(answer.dispatch)).to.deep.equal(['common:13', 'common:12', 'callback']);
      expect(answer.dispatch.map((d) => d.pts)).to.deep.equal([null, 12, null]);
    });

    it('starts by catching up on every saved entry after a restart', () => {
      const engine = new UpdateEngine<Label>(state(50, { channels: { '777': 9 } }), {
        channelDifferenceLimit: BOT_CHANNEL_DIFFERENCE_LIMIT,
      });
      expect(engine.needsInitialState()).to.equal(false);
      expect(engine.nextDifferenceRequest(T0)).to.deep.include({ kind: 'common', pts: 50 });
      engine.applyDifference(difference(50, 52), T0);
      expect(engine.nextDifferenceRequest(T0)).to.deep.equal({
        kind: 'channel',
        channel: '777',
        pts: 9,
        limit: BOT_CHANNEL_DIFFERENCE_LIMIT,
      });
      const channel = engine.applyChannelDifference('777', channelDifference('777', 9, 11), T0);
      expect(labels(channel.dispatch)).to.deep.equal(['channel 777:10', 'channel 777:11']);
      expect(engine.nextDifferenceRequest(T0)).to.equal(null);
      expect(engine.getState()).to.deep.equal({ pts: 52, qts: 0, date: 1_700_000_100, seq: 1, channels: { '777': 11 } });
    });

    it('refuses an answer nobody asked for, saying what to do', () => {
      const engine = liveEngine();
      expect(() => engine.applyDifference(difference(10, 11), T0))
        .to.throw(UpdateEngineMisuseError)
        .with.property('message')
        .that.matches(/nextDifferenceRequest/);
    });
  });

  describe('seq', () => {
    it('applies the next container, ignores an old one and treats a skipped seq as a gap', () => {
      // Plain updates with an identity (a callback query id) are dispatched once even when both
      // the difference and the held container bring them.
      const engine = liveEngine(T0, { plainUpdateKey: (u: Label) => (u === 'callback' ? 'cb:1' : null) });
      const next = engine.processUpdates(seqBatch(2, 2, msg(11), plain('status')), T0);
      expect(labels(next.dispatch)).to.deep.equal(['common:11', 'status']);
      expect(next.stateAfter?.seq).to.equal(2);

      const old = engine.processUpdates(seqBatch(2, 2, msg(11), plain('status')), T0 + 1);
      expect(old.dispatch, 'an old container is handled once').to.deep.equal([]);

      const skipped = engine.processUpdates(seqBatch(4, 4, msg(13), plain('callback')), T0 + 2);
      expect(skipped.dispatch).to.deep.equal([]);
      expect(skipped.gap).to.equal(true);
      expect(engine.nextDifferenceRequest(T0 + 2)).to.deep.include({ kind: 'common', pts: 11 });

      // The difference covers seq 3 and 4, including the held container.
      const answer = engine.applyDifference(
        { ...difference(11, 13, 4), otherUpdates: [plain('callback')] },
        T0 + 3,
      );
      expect(labels(answer.dispatch)).to.deep.equal(['common:12', 'common:13', 'callback']);
      expect(answer.stateAfter).to.deep.include({ pts: 13, seq: 4 });
    });
  });

  describe('seq and differences', () => {
    it('still dispatches the plain updates of a container the difference moved past', () => {
      const engine = liveEngine();
      engine.processUpdates(seqBatch(3, 3, msg(12), plain('callback')), T0);
      expect(engine.nextDifferenceRequest(T0)?.kind).to.equal('common');
      // The difference need not list the callback query: the container may be its only carrier.
      const answer = engine.applyDifference(difference(10, 12, 3), T0 + 1);
      expect(labels(answer.dispatch)).to.deep.equal(['common:11', 'common:12', 'callback']);
      expect(answer.dispatch.map((d) => d.source)).to.deep.equal(['difference', 'difference', 'live']);
      const again = engine.processUpdates(seqBatch(3, 3, msg(12), plain('callback')), T0 + 2);
      expect(again.dispatch, 'but only once').to.deep.equal([]);
    });

    it('applies a container that arrived during the difference once the difference is in', () => {
      const engine = liveEngine();
      engine.processUpdates({ kind: 'tooLong' }, T0);
      const during = engine.processUpdates(seqBatch(3, 3, msg(13), plain('callback')), T0 + 1);
      expect(during.dispatch).to.deep.equal([]);
      // The server answered up to seq 2; the container is newer.
      const answer = engine.applyDifference(difference(10, 12, 2), T0 + 2);
      expect(labels(answer.dispatch)).to.deep.equal(['common:11', 'common:12', 'common:13', 'callback']);
      expect(answer.stateAfter).to.deep.include({ pts: 13, seq: 3 });
    });

    it('moves seq past a container whose pts update waits, but not the date', () => {
      const engine = liveEngine();
      const container = seqBatch(2, 2, msg(12), plain('callback'));
      const first = engine.processUpdates(container, T0);
      expect(labels(first.dispatch)).to.deep.equal(['callback']);
      expect(first.stateAfter).to.deep.include({ pts: 10, seq: 2, date: DATE });
      const again = engine.processUpdates(container, T0 + 1);
      expect(again.dispatch, 'the repeated container is not handled twice').to.deep.equal([]);
      const filled = engine.processUpdates(batch(msg(11)), T0 + 2);
      expect(labels(filled.dispatch)).to.deep.equal(['common:11', 'common:12']);
    });
  });

  describe('channels', () => {
    it('asks for a quiet channel\'s difference after fifteen minutes too', () => {
      const engine = liveEngine();
      engine.setChannelState('42', 100, T0);
      const later = T0 + 15 * 60 * 1000;
      expect(engine.nextDifferenceRequest(later)?.kind).to.equal('common');
      engine.applyDifference({ kind: 'empty', date: DATE + 900, seq: 1 }, later);
      expect(engine.nextDifferenceRequest(later)).to.deep.include({ kind: 'channel', channel: '42', pts: 100 });
    });

    it('keeps a channel whose difference failed for now, and retries it after its wait', () => {
      const engine = liveEngine();
      engine.setChannelState('42', 100, T0);
      engine.processUpdates(batch({ kind: 'channelTooLong', channel: '42' }), T0);
      engine.processUpdates(batch(msg(101, { channel: '42' })), T0 + 1);
      const ended = engine.endChannelDifference('42', 'temporary', T0 + 2);
      expect(labels(ended.dispatch), 'held updates are checked again').to.deep.equal(['channel 42:101']);
      expect(ended.stateAfter?.channels).to.deep.equal({ '42': 101 });
      expect(engine.nextDifferenceRequest(T0 + 3)).to.equal(null);
    });

    it('starts following a channel at its first update and fetches its difference after a gap', () => {
      const engine = liveEngine();
      const first = engine.processUpdates(batch(msg(100, { channel: '42' })), T0);
      expect(labels(first.dispatch)).to.deep.equal(['channel 42:100']);
      expect(first.stateAfter?.channels).to.deep.equal({ '42': 100 });

      engine.processUpdates(batch(msg(103, { channel: '42' }), msg(11)), T0 + 1);
      expect(engine.nextDifferenceRequest(T0 + 501)).to.deep.equal({ kind: 'channel', channel: '42', pts: 100, limit: 100 });

      const page1 = engine.applyChannelDifference('42', channelDifference('42', 100, 102, false), T0 + 600);
      expect(page1.done).to.equal(false);
      expect(labels(page1.dispatch)).to.deep.equal(['channel 42:101', 'channel 42:102']);
      const page2 = engine.applyChannelDifference('42', { ...channelDifference('42', 102, 103), timeout: 30 }, T0 + 700);
      expect(labels(page2.dispatch)).to.deep.equal(['channel 42:103']);
      expect(page2.stateAfter?.channels).to.deep.equal({ '42': 103 });
      // The server's timeout (30 s) replaces the 15 minutes for this channel.
      expect(engine.checkDeadlines(T0 + 800)).to.equal(T0 + 700 + 30_000);
    });

    it('fetches a channel difference on updateChannelTooLong, and forgets a channel Courier left', () => {
      const engine = liveEngine();
      engine.setChannelState('42', 100, T0);
      const result = engine.processUpdates(batch({ kind: 'channelTooLong', channel: '42' }), T0);
      expect(result.gap).to.equal(true);
      expect(engine.nextDifferenceRequest(T0)).to.deep.include({ kind: 'channel', channel: '42', pts: 100 });
      const tooLong = engine.applyChannelDifference(
        '42',
        { kind: 'tooLong', final: true, dialogPts: 400, messages: ['channel 42:400'], users: [], chats: [] },
        T0 + 1,
      );
      expect(tooLong.skippedPts).to.equal(300);
      expect(tooLong.recentMessages).to.deep.equal(['channel 42:400']);
      expect(tooLong.stateAfter?.channels).to.deep.equal({ '42': 400 });

      engine.processUpdates(batch({ kind: 'channelTooLong', channel: '42' }), T0 + 2);
      engine.endChannelDifference('42', 'forbidden', T0 + 3);
      expect(engine.getState()?.channels).to.deep.equal({});
      expect(engine.nextDifferenceRequest(T0 + 4)).to.equal(null);
    });

    it('ignores updateChannelTooLong for an unknown channel without a pts to start from', () => {
      const engine = liveEngine();
      const result = engine.processUpdates(batch({ kind: 'channelTooLong', channel: '9' }), T0);
      expect(result.gap).to.equal(false);
      expect(engine.nextDifferenceRequest(T0)).to.equal(null);
    });
  });

  describe('the 15-minute rule', () => {
    it('asks for the difference after fifteen quiet minutes, and not before', () => {
      const engine = liveEngine();
      engine.processUpdates(batch(msg(11)), T0 + 60_000);
      const fifteen = 15 * 60 * 1000;
      expect(engine.checkDeadlines(T0 + 61_000)).to.equal(T0 + fifteen);
      // The qts entry has been quiet since setState: it alone triggers the common difference.
      expect(engine.nextDifferenceRequest(T0 + fifteen - 1)).to.equal(null);
      expect(engine.nextDifferenceRequest(T0 + fifteen)).to.deep.include({ kind: 'common', pts: 11 });
      engine.applyDifference({ kind: 'empty', date: DATE + 900, seq: 1 }, T0 + fifteen + 5);
      expect(engine.checkDeadlines(T0 + fifteen + 6)).to.equal(T0 + 2 * fifteen + 5);
    });
  });

  describe('starting without a saved state', () => {
    it('keeps what arrives before getState answers and dispatches it once the state is known', () => {
      const engine = new UpdateEngine<Label>(null);
      expect(engine.needsInitialState()).to.equal(true);
      expect(engine.nextDifferenceRequest(T0)).to.equal(null);
      const early = engine.processUpdates(batch(msg(10), msg(11)), T0);
      expect(early).to.deep.equal({ dispatch: [], gap: false, stateAfter: null });
      // The server's state already counts msg(10), but Courier received it on this connection
      // after connecting: it is a message to answer, not history.
      const result = engine.setState({ pts: 10, qts: 0, date: DATE, seq: 1 }, T0 + 1);
      expect(labels(result.dispatch)).to.deep.equal(['common:10', 'common:11']);
      expect(result.stateAfter?.pts).to.equal(11);

      expect(() => engine.setState({ pts: 1, qts: 0, date: DATE, seq: 1 }, T0)).to.throw(UpdateEngineMisuseError, /reset\(\)/);
      engine.reset();
      expect(engine.needsInitialState()).to.equal(true);
      expect(engine.getState()).to.equal(null);
    });

    it('checks a persisted state read back from storage', () => {
      expect(engineStateSchema.safeParse(state(5, { channels: { '1001': 3 } })).success).to.equal(true);
      expect(engineStateSchema.safeParse({ pts: -1, qts: 0, date: 0, seq: 0, channels: {} }).success).to.equal(false);
      expect(engineStateSchema.safeParse({ ...state(5), channels: { abc: 1 } }).success).to.equal(false);
    });
  });
});
