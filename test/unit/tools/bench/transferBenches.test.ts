/**
 * The transfer benches (upload, download) refuse link shapes they cannot simulate before starting
 * anything, both are registered by name, and a tiny run of each prints its one JSON line with
 * every side measured (each side runs in a process of its own; the download is checked byte for
 * byte).
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

describe('transfer benches: a tiny run', () => {
  const run = async (bench: 'upload' | 'download', args: string[]) => {
    const lines: string[] = [];
    expect(await runBench(bench, args, (l) => lines.push(l))).to.equal(0);
    expect(lines).to.have.length(1);
    return JSON.parse(lines[0]!) as Record<string, unknown>;
  };

  it('upload --mib 2: Courier and both stock runs measured, with the emulator’s ceiling', async function () {
    this.timeout(120_000);
    const figures = await run('upload', ['--mib', '2']);
    expect(figures).to.include({ bench: 'upload', file_mib: 2, parts: 4 });
    for (const key of ['courier_mb_s', 'stock_workers1_mb_s', 'stock_workers4_mb_s', 'emulator_ceiling_mb_s', 'courier_peak_rss_mb']) {
      expect(figures[key], key).to.be.a('number').above(0);
    }
  });

  it('download --mib 2: both downloads match the file the user sent', async function () {
    this.timeout(120_000);
    const figures = await run('download', ['--mib', '2']);
    expect(figures).to.include({ bench: 'download', file_mib: 2, verified_sha256: true });
    for (const key of ['courier_mb_s', 'stock_download_media_mb_s', 'emulator_ceiling_mb_s', 'courier_peak_rss_mb']) {
      expect(figures[key], key).to.be.a('number').above(0);
    }
  });
});
