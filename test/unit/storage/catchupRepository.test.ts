import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beginCatchup, finishCatchup, recentCatchups } from '../../../src/storage/catchupRepository.js';
import { openDatabase, type Database } from '../../../src/storage/index.js';

describe('catchupRepository', () => {
  let dir: string;
  let db: Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-catchup-'));
    db = openDatabase(join(dir, 'courier.db'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records catch-up runs for operators, an unfinished one included', () => {
    const first = beginCatchup(db, { startedAt: 1000, offlineSeconds: 3600.7 });
    finishCatchup(db, first, { finishedAt: 2500, recovered: 50, skippedPts: 0 });
    const second = beginCatchup(db, { startedAt: 9000, offlineSeconds: 5 });
    expect(recentCatchups(db)).to.deep.equal([
      { id: second, startedAt: 9000, finishedAt: null, recovered: 0, skippedPts: 0, offlineSeconds: 5 },
      { id: first, startedAt: 1000, finishedAt: 2500, recovered: 50, skippedPts: 0, offlineSeconds: 3600 },
    ]);
    expect(recentCatchups(db, 1)).to.have.length(1);
  });

  it('stores a negative offline time (a clock set back) as zero', () => {
    const id = beginCatchup(db, { startedAt: 1000, offlineSeconds: -12 });
    expect(recentCatchups(db)[0]).to.deep.include({ id, offlineSeconds: 0 });
  });
});
