/**
 * A flaky network against the engine: a simulated server produces numbered updates for the
 * account and for one channel; the "network" drops, repeats, reorders and batches them, throws in
 * updatesTooLong and updateChannelTooLong, and answers difference requests late (after more live
 * updates went by) and in small pages. Whatever the seed, every update must be dispatched exactly
 * once, in pts order, and the state handed out must never cover anything not yet dispatched.
 */
import { expect } from 'chai';
import { UpdateEngine } from '../../../../src/telegram/updates/engine.js';
import type {
  ChannelDifferenceResponse,
  DifferenceRequest,
  DifferenceResponse,
  Dispatch,
  EngineState,
  IncomingBatch,
  IncomingUpdate,
  PtsUpdate,
} from '../../../../src/telegram/updates/types.js';
import { batch, type Label } from './engineFixtures.js';
import { seededRandom } from '../../../helpers/seededRandom.js';

const CHANNEL = '7';
const PAGE = 7;


class SimulatedServer {
  readonly produced: PtsUpdate<Label>[] = [];
  /** The seq of the last container sent with one. */
  seq = 0;
  private pts = { common: 0, channel: 0 };

  produce(random: () => number): PtsUpdate<Label> {
    const onChannel = random() < 0.3;
    const ptsCount = random() < 0.15 ? 2 : 1;
    const name = onChannel ? 'channel' : 'common';
    this.pts[name] += ptsCount;
    const pts = this.pts[name];
    const update: PtsUpdate<Label> = {
      kind: 'pts',
      entry: onChannel ? { channel: CHANNEL } : 'common',
      pts,
      ptsCount,
      update: `${name}:${pts}`,
    };
    this.produced.push(update);
    return update;
  }

  answer(request: DifferenceRequest): { request: DifferenceRequest; common?: DifferenceResponse<Label>; channel?: ChannelDifferenceResponse<Label> } {
    const name = request.kind === 'common' ? 'common' : 'channel';
    const after = this.produced.filter((u) => entryName(u) === name && u.pts > request.pts);
    const page = after.slice(0, PAGE);
    const last = page.length === after.length;
    const reached = page.at(-1)?.pts ?? request.pts;
    const base = { newMessages: page.map((u) => u.update), otherUpdates: [], users: [], chats: [] };
    if (request.kind === 'channel') {
      return {
        request,
        channel:
          page.length === 0
            ? { kind: 'empty', final: true, pts: request.pts }
            : { kind: 'difference', final: last, pts: reached, ...base },
      };
    }
    if (page.length === 0) return { request, common: { kind: 'empty', date: 1, seq: this.seq } };
    const state = { pts: reached, qts: 0, date: 1, seq: this.seq };
    return {
      request,
      common: last ? { kind: 'difference', state, ...base } : { kind: 'slice', intermediateState: state, ...base },
    };
  }

  expected(name: 'common' | 'channel'): Label[] {
    return this.produced.filter((u) => entryName(u) === name).map((u) => u.update);
  }
}

function entryName(update: PtsUpdate<Label>): 'common' | 'channel' {
  return update.entry === 'common' ? 'common' : 'channel';
}

function ptsOf(label: Label): number {
  return Number(label.split(':')[1]);
}

class Recorder {
  readonly seen = { common: [] as Label[], channel: [] as Label[], plain: [] as Label[] };

  take(dispatch: readonly Dispatch<Label>[], stateAfter: EngineState | null): void {
    for (const d of dispatch) this.seen[d.update.split(':')[0] as 'common' | 'channel' | 'plain'].push(d.update);
    if (stateAfter === null) return;
    // The state covers exactly what was dispatched: no more (a loss after a crash), no less.
    expect(stateAfter.pts, 'common pts in the state').to.equal(this.last('common'));
    expect(stateAfter.channels[CHANNEL] ?? 0, 'channel pts in the state').to.equal(this.last('channel'));
  }

  private last(name: 'common' | 'channel'): number {
    const list = this.seen[name];
    return list.length === 0 ? 0 : ptsOf(list[list.length - 1]!);
  }
}

interface Stats {
  lost: number;
  repeated: number;
  tooLong: number;
  pages: number;
}

function runScenario(seed: number, updates: number): { server: SimulatedServer; recorder: Recorder; stats: Stats } {
  const stats: Stats = { lost: 0, repeated: 0, tooLong: 0, pages: 0 };
  const random = seededRandom(seed);
  const server = new SimulatedServer();
  const recorder = new Recorder();
  const engine = new UpdateEngine<Label>(null);
  let now = 5_000;
  recorder.take(engine.setState({ pts: 0, qts: 0, date: 1, seq: 0 }, now).dispatch, engine.getState());
  engine.setChannelState(CHANNEL, 0, now);

  let inFlight: ReturnType<SimulatedServer['answer']> | null = null;
  let answerAfter = 0;
  const queue: IncomingBatch<Label>[] = [];

  const step = (): void => {
    // Answer a difference that was in flight (it was computed when asked: later live updates
    // are not in it).
    if (inFlight && answerAfter-- <= 0) {
      const { request, common, channel } = inFlight;
      inFlight = null;
      stats.pages++;
      const result =
        request.kind === 'common'
          ? engine.applyDifference(common!, now)
          : engine.applyChannelDifference(request.channel, channel!, now);
      recorder.take(result.dispatch, result.stateAfter);
    }
    if (!inFlight) {
      const request = engine.nextDifferenceRequest(now);
      if (request) {
        inFlight = server.answer(request);
        answerAfter = Math.floor(random() * 3);
      }
    }
  };

  for (let produced = 0; produced < updates || queue.length > 0; ) {
    if (produced < updates) {
      const group: IncomingUpdate<Label>[] = [];
      const size = 1 + Math.floor(random() * 3);
      for (let k = 0; k < size && produced < updates; k++, produced++) {
        const update = server.produce(random);
        const fate = random();
        if (fate < 0.1) {
          stats.lost++;
          continue;
        }
        group.push(update);
        if (fate > 0.9) stats.repeated++;
        if (fate > 0.9) queue.splice(Math.floor(random() * (queue.length + 1)), 0, batch(update)); // repeated later
      }
      if (random() < 0.5) {
        // Half the containers carry a seq and a plain update (think of a callback query). They
        // come in order, as over one connection, and now and then twice.
        const seq = ++server.seq;
        const container = { ...batch(...group, { kind: 'plain', update: `plain:${seq}` }), seqStart: seq, seq };
        queue.push(container);
        if (random() < 0.1) queue.push(container);
      } else {
        // Reordered: inserted a little before the end of the queue.
        queue.splice(Math.max(0, queue.length - Math.floor(random() * 3)), 0, batch(...group));
      }
      if (random() < 0.02) {
        stats.tooLong++;
        queue.push({ kind: 'tooLong' });
      }
      if (random() < 0.02) queue.push(batch({ kind: 'channelTooLong', channel: CHANNEL }));
    }
    const next = queue.shift();
    if (next) {
      const result = engine.processUpdates(next, now);
      recorder.take(result.dispatch, result.stateAfter);
    }
    now += Math.floor(random() * 300);
    step();
  }
  // Quiet time: the 15-minute rule and the pending gaps fetch whatever is still missing.
  now += 16 * 60 * 1000;
  for (let guard = 0; guard < 1_000 && (inFlight || engine.nextDifferenceRequest(now)); guard++) {
    answerAfter = 0;
    step();
  }
  expect(engine.nextDifferenceRequest(now), 'nothing left to fetch').to.equal(null);
  return { server, recorder, stats };
}

describe('update engine under a flaky network', () => {
  for (const seed of [1, 2, 3, 42, 1234, 9001, 31337, 65535, 271828, 314159]) {
    it(`dispatches every update exactly once and in order (seed ${seed})`, () => {
      const { server, recorder } = runScenario(seed, 400);
      expect(recorder.seen.common).to.deep.equal(server.expected('common'));
      expect(recorder.seen.channel).to.deep.equal(server.expected('channel'));
      // Plain updates ride only in their containers (the simulated difference, like Telegram's for
      // callback queries, does not list them): each container's is handled once, in seq order.
      expect(recorder.seen.plain).to.deep.equal(Array.from({ length: server.seq }, (_, i) => `plain:${i + 1}`));
    });
  }

  it('really does lose, repeat and reorder updates (the scenario is not accidentally easy)', () => {
    const { server, stats } = runScenario(7, 400);
    expect(server.produced.length).to.equal(400);
    expect(stats.lost, 'updates lost on the way').to.be.greaterThan(20);
    expect(stats.repeated, 'updates delivered twice').to.be.greaterThan(20);
    expect(stats.tooLong, 'updatesTooLong received').to.be.greaterThan(0);
    expect(stats.pages, 'difference pages fetched').to.be.greaterThan(10);
    expect(server.expected('channel').length).to.be.greaterThan(50);
  });
});
