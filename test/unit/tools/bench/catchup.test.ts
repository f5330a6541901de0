/**
 * `bench catchup` end to end with tiny numbers: a real emulator in this process, Courier as a
 * child process, the stock GramJS baseline. It checks the figures mean what they say (every
 * message recovered and answered exactly once, a floor from the emulator's limits, no FLOOD_WAIT),
 * not how fast anything is: speed belongs to the benchmark's own runs.
 */
import { expect } from 'chai';
import { floorSeconds, parseCatchupArgs } from '../../../../src/tools/bench/catchup/catchup.js';
import { runBench } from '../../../../src/tools/bench/index.js';

describe('bench catchup', function () {
  this.timeout(180_000);

  it('prints one JSON line in which all 60 messages from 60 users are recovered, answered once, and the stock bot recovers none', async () => {
    const lines: string[] = [];
    const code = await runBench('catchup', ['--messages', '60', '--users', '60', '--baseline-wait', '1'], (l) => lines.push(l));
    expect(code).to.equal(0);
    expect(lines).to.have.length(1);
    const r = JSON.parse(lines[0]!) as Record<string, unknown> & { baseline: Record<string, unknown> };
    expect(r).to.include({ bench: 'catchup', messages: 60, users: 60, recovered: 60, lost: 0, duplicates: 0, floodWaits: 0, courierStopExitCode: 0 });
    // 60 messages at 30/s overall (2 s); one per chat at 1/s per chat (1 s): the overall limit sets the floor.
    expect(r.floorSeconds).to.equal(2);
    expect(r.fetchStoreSeconds).to.be.a('number').and.at.least(0);
    expect(r.answerSeconds).to.be.a('number').and.greaterThan(0);
    expect(r.answered).to.equal(60);
    // ratioToFloor is rounded from the unrounded seconds; recomputed from the rounded figure it may differ in the last digit.
    expect(r.ratioToFloor).to.be.closeTo((r.answerSeconds as number) / 2, 0.01);
    expect(r.replySpanSeconds).to.be.a('number').and.at.most(r.answerSeconds as number);
    expect(r.baseline).to.include({ recovered: 0, of: 60, waitSeconds: 1 });
  });

  it('computes the floor from the busiest chat when the per-chat limit binds', () => {
    const limits = { botMessagesPerSecond: 30, botMessagesPerChatPerSecond: 1, botChatBurst: 3, botMessagesPerGroupPerMinute: 20, callbackTimeoutMs: 5000 };
    const sent = [...Array.from({ length: 10 }, (_, i) => ({ from: 1, id: i })), { from: 2, id: 100 }];
    expect(floorSeconds({ limits }, sent)).to.equal(10);
    expect(floorSeconds({ limits: { ...limits, botMessagesPerChatPerSecond: 100 } }, sent)).to.be.closeTo(11 / 30, 1e-9);
  });

  it('rejects malformed options with the usage text and defaults to 10,000 messages from 100 users', async () => {
    expect(parseCatchupArgs([])).to.deep.equal({ messages: 10_000, users: 100, baselineWaitSeconds: 10 });
    const lines: string[] = [];
    expect(await runBench('catchup', ['--messages', 'many'], (l) => lines.push(l))).to.equal(2);
    expect(lines[0]).to.match(/--messages must be an integer .*usage: bench catchup/);
  });
});
