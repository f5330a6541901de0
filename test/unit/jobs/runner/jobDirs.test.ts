import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeDiskBytes, jobDirOf, makeJobDir, removeJobDir, sweepJobDirs } from '../../../../src/jobs/runner/jobDirs.js';

describe('job directories', () => {
  let temp: string;
  beforeEach(() => {
    temp = mkdtempSync(join(tmpdir(), 'courier-jobdirs-'));
  });
  afterEach(() => rmSync(temp, { recursive: true, force: true }));

  it('names a directory per job and refuses ids that are not plain names', () => {
    expect(jobDirOf(temp, 'abc_-1')).to.equal(join(temp, 'jobs', 'abc_-1'));
    for (const bad of ['..', '../x', 'a/b', '', 'a b']) expect(() => jobDirOf(temp, bad), bad).to.throw(RangeError);
  });

  it('removes a job directory with everything in it', async () => {
    const dir = await makeJobDir(temp, 'j1');
    writeFileSync(join(dir, 'input-1'), 'x');
    await removeJobDir(temp, 'j1');
    expect(existsSync(dir)).to.equal(false);
    await removeJobDir(temp, 'j1'); // already gone: no error
  });

  it('sweeps what belongs to no unfinished job', async () => {
    for (const name of ['keep', 'gone']) mkdirSync(join(temp, 'jobs', name), { recursive: true });
    writeFileSync(join(temp, 'jobs', 'stray-file'), 'x');
    expect((await sweepJobDirs(temp, new Set(['keep']))).sort()).to.deep.equal(['gone', 'stray-file']);
    expect(existsSync(join(temp, 'jobs', 'keep'))).to.equal(true);
  });

  it('reports free disk space as a positive number of bytes', async () => {
    expect(await freeDiskBytes(join(temp, 'new'))).to.be.a('number').and.greaterThan(0);
  });
});
