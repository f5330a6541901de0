/**
 * The bench command: one registry of names, one JSON line per run, and an emulator upload bench
 * whose figures come from parts the emulator really accepted.
 */
import { expect } from 'chai';
import { benches, runBench } from '../../../../src/tools/bench/index.js';
import { runUploadBench } from '../../../../src/tools/bench/emulator/uploadBench.js';

describe('bench', () => {
  it('an unknown name prints the known names on one line and exits 2', async () => {
    const lines: string[] = [];
    const code = await runBench('nope', [], (l) => lines.push(l));
    expect(code).to.equal(2);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include('nope').and.to.include('emulator');
    expect(Object.keys(benches)).to.include('emulator');
  });

  it('a bad argument to a known bench prints its usage and exits 2', async () => {
    const lines: string[] = [];
    expect(await runBench('emulator', ['--parts', 'many'], (l) => lines.push(l))).to.equal(2);
    expect(lines[0]).to.match(/--parts/);
    expect(await runBench('emulator', ['--frobnicate'], (l) => lines.push(l))).to.equal(2);
  });

  it('the emulator upload bench sends parts from a worker thread and reports what the server accepted', async () => {
    const result = await runUploadBench({ parts: 12, partBytes: 512 * 1024, cipherBytes: 2 * 1024 * 1024 });
    expect(result.parts).to.equal(12);
    expect(result.accepted_mb_per_s).to.be.greaterThan(0);
    expect(result.server_decrypt_mb_per_s).to.be.greaterThan(0);
    expect(result.gramjs_ige_encrypt_mb_per_s).to.be.greaterThan(0);
    expect(result.world).to.match(/stub/);
  });

  it('prints exactly one JSON line tagged "bench":"emulator"', async () => {
    const lines: string[] = [];
    expect(await runBench('emulator', ['--parts', '4'], (l) => lines.push(l))).to.equal(0);
    expect(lines).to.have.length(1);
    const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(parsed.bench).to.equal('emulator');
    expect(parsed.parts).to.equal(4);
  });
});
