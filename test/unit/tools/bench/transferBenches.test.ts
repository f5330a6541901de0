/**
 * The transfer benches (upload, download) refuse link shapes they cannot simulate before starting
 * anything, and both are registered by name.
 */
import { expect } from 'chai';
import { benches, runBench } from '../../../../src/tools/bench/index.js';

describe('transfer benches: arguments', () => {
  it('download is a known bench next to upload', () => {
    expect(Object.keys(benches)).to.include.members(['upload', 'download']);
  });

  for (const [bench, args, named] of [
    ['download', ['--rtt-ms', 'far'], /--rtt-ms/],
    ['download', ['--mbit', '0'], /--mbit/],
    ['download', ['--mib', '4096'], /--mib/],
    ['upload', ['--rtt-ms', '-5'], /--rtt-ms/],
    ['upload', ['--mbit', 'fast'], /--mbit/],
  ] as const) {
    it(`${bench} ${args.join(' ')} prints the usage naming ${named.source} and exits 2`, async () => {
      const lines: string[] = [];
      expect(await runBench(bench, [...args], (l) => lines.push(l))).to.equal(2);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(named).and.to.match(/usage: bench/);
    });
  }
});
