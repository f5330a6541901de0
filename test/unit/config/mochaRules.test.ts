/**
 * The test runner's own configuration (.mocharc.json) is part of what the suite promises: a
 * forgotten `.only` would quietly run one test instead of all, and a skipped or pending test
 * would pass unnoticed. Both must fail the run.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MOCHA = join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');

/** Runs mocha, configured by the repository's .mocharc.json, on one spec file. */
function runMocha(spec: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MOCHA, '--config', join(ROOT, '.mocharc.json'), spec], { cwd: ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

describe('the test runner configuration', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-mocharc-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fails a run that has a forgotten .only, or a skipped test', async () => {
    const only = join(dir, 'only.test.ts');
    const skipped = join(dir, 'skipped.test.ts');
    writeFileSync(only, "it.only('focused', () => {});\nit('other', () => {});\n");
    writeFileSync(skipped, "it.skip('skipped', () => {});\nit('other', () => {});\n");
    const [a, b] = await Promise.all([runMocha(only), runMocha(skipped)]);
    expect(a.code, a.output).to.not.equal(0);
    expect(a.output).to.match(/`\.only` forbidden/);
    expect(b.code, b.output).to.not.equal(0);
    expect(b.output).to.match(/pending test forbidden/i);
  });
});
