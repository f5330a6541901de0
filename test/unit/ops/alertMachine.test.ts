import { expect } from 'chai';
import { decideAlerts, parseAlertState, type AlertCondition, type AlertState } from '../../../src/ops/alertMachine.js';

const MIN = 60_000;
const disk = (active: boolean, percent = 7): AlertCondition => ({ name: 'diskLow', active, figures: { percent } });

/** Runs the machine over (time, conditions) steps and lists what it decided, as "kind name key". */
function walk(steps: [number, AlertCondition[]][], start: AlertState = {}): { said: string[]; state: AlertState } {
  let state = start;
  const said: string[] = [];
  for (const [at, conditions] of steps) {
    const out = decideAlerts(state, conditions, at);
    state = out.state;
    said.push(...out.decisions.map((d) => `${d.kind} ${d.name} ${d.key}`));
  }
  return { said, state };
}

describe('the alert state machine', () => {
  it('fires once when disk gets low, stays quiet while it stays low, and says when it recovered', () => {
    const { said } = walk([
      [0, [disk(false)]],
      [1 * MIN, [disk(true)]],
      [2 * MIN, [disk(true)]],
      [30 * MIN, [disk(true)]],
      [40 * MIN, [disk(false)]],
      [41 * MIN, [disk(false)]],
    ]);
    expect(said).to.deep.equal([`fire diskLow ops:diskLow:${MIN}:1`, `recover diskLow ops:diskLow:${MIN}:recovered`]);
  });

  it('repeats an alert nobody acted on at most once an hour', () => {
    const steps: [number, AlertCondition[]][] = [];
    for (let m = 0; m <= 150; m += 1) steps.push([m * MIN, [disk(true)]]);
    const { said } = walk(steps);
    expect(said).to.deep.equal(['fire diskLow ops:diskLow:0:1', 'repeat diskLow ops:diskLow:0:2', 'repeat diskLow ops:diskLow:0:3']);
  });

  it('keeps alerts apart: one recovering does not touch another', () => {
    const tg = (active: boolean): AlertCondition => ({ name: 'telegramDown', active });
    const { said, state } = walk([
      [0, [disk(true), tg(true)]],
      [MIN, [disk(false), tg(true)]],
    ]);
    expect(said).to.deep.equal(['fire diskLow ops:diskLow:0:1', 'fire telegramDown ops:telegramDown:0:1', 'recover diskLow ops:diskLow:0:recovered']);
    expect(Object.keys(state)).to.deep.equal(['telegramDown']);
  });

  it('after a restart with the persisted state, neither fires again nor forgets to recover; the keys are the same ones', () => {
    const before = walk([[0, [disk(true)]]]);
    const restored = parseAlertState(JSON.stringify(before.state));
    const after = walk([[10 * MIN, [disk(true)]], [20 * MIN, [disk(false)]]], restored);
    expect(after.said).to.deep.equal(['recover diskLow ops:diskLow:0:recovered']);
  });

  it('hands the figures of the moment to the message and measures how long the episode lasted', () => {
    decideAlerts({}, [disk(true, 9)], 0);
    const { decisions } = decideAlerts({ diskLow: { since: 0, lastSentAt: 0, sent: 1 } }, [disk(false)], 25 * MIN);
    expect(decisions[0]).to.include({ kind: 'recover', lastedMs: 25 * MIN });
    expect(decideAlerts({}, [disk(true, 9)], 0).decisions[0]!.figures).to.deep.equal({ percent: 9 });
  });

  it('reads back only well-formed episodes', () => {
    expect(parseAlertState(undefined)).to.deep.equal({});
    expect(parseAlertState('not json')).to.deep.equal({});
    expect(parseAlertState('{"diskLow":{"since":1,"lastSentAt":2,"sent":1},"bogus":{},"memoryHigh":{"since":"x"}}')).to.deep.equal({ diskLow: { since: 1, lastSentAt: 2, sent: 1 } });
  });
});
