/** The catch-up runs operators see: the start's run opened before fetching, later runs on their own rows. */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCatchupLog } from '../../../src/inbox/catchupLog.js';
import { recentCatchups } from '../../../src/storage/catchupRepository.js';
import { openDatabase, type Database } from '../../../src/storage/index.js';

describe('inbox catch-up log', () => {
  let dir: string;
  let db: Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-catchuplog-'));
    db = openDatabase(join(dir, 'courier.db'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens the start run at once (a crash leaves it open), closes it with the report, and gives later runs their own row', () => {
    let now = 1_000_000;
    const log = createCatchupLog({ db, now: () => now, offlineSeconds: 7200.4 });
    expect(recentCatchups(db)).to.deep.equal([{ id: log.startRunId, startedAt: 1_000_000, finishedAt: null, recovered: 0, skippedPts: 0, offlineSeconds: 7200 }]);

    const start = log.record({ reason: 'start', startedAt: 1_000_000, finishedAt: 1_002_500, recovered: 40, skippedPts: 0, requests: 3 });
    expect(start).to.deep.equal({ id: log.startRunId, reason: 'start', recovered: 40, skippedPts: 0, requests: 3, seconds: 2.5, offlineSeconds: 7200.4 });

    now = 2_000_000;
    const gap = log.record({ reason: 'gap', startedAt: 1_900_000, finishedAt: 1_901_000, recovered: 2, skippedPts: 5, requests: 1 });
    expect(gap).to.deep.include({ reason: 'gap', offlineSeconds: 0, seconds: 1, skippedPts: 5 });
    expect(gap.id).to.not.equal(log.startRunId);
    expect(recentCatchups(db).map((r) => [r.id, r.finishedAt, r.recovered, r.offlineSeconds])).to.deep.equal([
      [gap.id, 1_901_000, 2, 0],
      [log.startRunId, 1_002_500, 40, 7200],
    ]);
  });

  it('a start that missed nothing still closes its run, with zeros', () => {
    const log = createCatchupLog({ db, now: () => 5_000, offlineSeconds: 3 });
    expect(log.nothingMissed()).to.deep.equal({ id: log.startRunId, reason: 'start', recovered: 0, skippedPts: 0, requests: 0, seconds: 0, offlineSeconds: 3 });
    expect(recentCatchups(db)[0]).to.deep.include({ finishedAt: 5_000 });
  });
});
