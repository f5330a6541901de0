/** `bench broadcast`: its arguments, and a small run (40 users, a SIGKILL halfway) with nobody missed or doubled. */
import { expect } from 'chai';
import { benches, runBench } from '../../../../src/tools/bench/index.js';
import { parseBroadcastArgs, runBroadcastBench } from '../../../../src/tools/bench/broadcast/broadcast.js';

describe('bench broadcast', () => {
  it('is registered, defaults to 5,000 users, and refuses a bad --users with its usage', async () => {
    expect(Object.keys(benches)).to.include('broadcast');
    expect(parseBroadcastArgs([])).to.deep.equal({ users: 5000, kill: false });
    expect(parseBroadcastArgs(['--users', '40', '--kill'])).to.deep.equal({ users: 40, kill: true });
    const lines: string[] = [];
    expect(await runBench('broadcast', ['--users', 'many'], (l) => lines.push(l))).to.equal(2);
    expect(lines[0]).to.include('usage: bench broadcast');
  });

  it('a broadcast to 40 users with a SIGKILL halfway reaches each exactly once', async function () {
    this.timeout(180_000);
    const result = await runBroadcastBench({ users: 40, kill: true });
    expect(result).to.deep.include({ recipients: 41, delivered: 41, missed: 0, duplicates: 0, floodWaits: 0 });
  });
});
