/**
 * The quota charges (src/storage/bot/quotaRepository.ts, migration 007): one charge per job,
 * counted per user and UTC day, refunds and re-charges that are safe to repeat, a link's size set
 * later, a job's charge gone with the job, and the usage query served by its index alone.
 */
import { expect } from 'chai';
import { openDatabase, type Database } from '../../../src/storage/index.js';
import { chargeJob, chargeOf, rechargeJob, refundJob, setChargedBytes, USAGE_QUERY, usageOn } from '../../../src/storage/bot/quotaRepository.js';
import { createJob } from '../../../src/storage/jobRepository.js';

const chat = { kind: 'user' as const, id: '42', accessHash: '7' };

function job(db: Database, id: string, userId = '42'): string {
  createJob(
    db,
    {
      id,
      originKey: `cbq:${id}`,
      userId,
      chat,
      sourceMessageId: 1,
      source: { kind: 'link', url: `https://example.com/${id}` },
      inputKey: `link:${id}`,
      request: { action: 'info' },
      lang: 'en',
      maxAttempts: 3,
    },
    1,
  );
  return id;
}

describe('quota charges repository', () => {
  let db: Database;
  beforeEach(() => {
    db = openDatabase(':memory:');
  });
  afterEach(() => db.close());

  it("counts one user's jobs and bytes on one day, apart from other users and other days", () => {
    chargeJob(db, { jobId: job(db, 'a'), userId: '42', day: '2026-11-29', bytes: 100 });
    chargeJob(db, { jobId: job(db, 'b'), userId: '42', day: '2026-11-29', bytes: 250 });
    chargeJob(db, { jobId: job(db, 'c', '43'), userId: '43', day: '2026-11-29', bytes: 999 });
    chargeJob(db, { jobId: job(db, 'd'), userId: '42', day: '2026-11-28', bytes: 999 });
    expect(usageOn(db, '42', '2026-11-29')).to.deep.equal({ jobs: 2, bytes: 350 });
    expect(usageOn(db, '42', '2026-11-30')).to.deep.equal({ jobs: 0, bytes: 0 });
  });

  it('charges a job once, however often the charge is repeated (a re-handled press)', () => {
    job(db, 'a');
    chargeJob(db, { jobId: 'a', userId: '42', day: '2026-11-29', bytes: 100 });
    chargeJob(db, { jobId: 'a', userId: '42', day: '2026-11-30', bytes: 500 });
    expect(usageOn(db, '42', '2026-11-29')).to.deep.equal({ jobs: 1, bytes: 100 });
    expect(chargeOf(db, 'a')).to.deep.equal({ jobId: 'a', userId: '42', day: '2026-11-29', bytes: 100, counted: true });
  });

  it('a refunded job no longer counts; a re-charge counts it again on the new day, once', () => {
    chargeJob(db, { jobId: job(db, 'a'), userId: '42', day: '2026-11-29', bytes: 100 });
    refundJob(db, 'a');
    refundJob(db, 'a');
    expect(usageOn(db, '42', '2026-11-29')).to.deep.equal({ jobs: 0, bytes: 0 });
    expect(rechargeJob(db, 'a', '2026-11-30')).to.equal(true);
    expect(rechargeJob(db, 'a', '2026-12-01'), 'already counted: nothing changes').to.equal(false);
    expect(usageOn(db, '42', '2026-11-30')).to.deep.equal({ jobs: 1, bytes: 100 });
    expect(rechargeJob(db, 'no-such-job', '2026-11-30')).to.equal(false);
  });

  it("sets a link's size once it is known (set, not added: a repeat changes nothing)", () => {
    chargeJob(db, { jobId: job(db, 'a'), userId: '42', day: '2026-11-29', bytes: 0 });
    setChargedBytes(db, 'a', 4096);
    setChargedBytes(db, 'a', 4096);
    expect(usageOn(db, '42', '2026-11-29')).to.deep.equal({ jobs: 1, bytes: 4096 });
  });

  it('a charge goes with its job, and a charge without a job is refused', () => {
    chargeJob(db, { jobId: job(db, 'a'), userId: '42', day: '2026-11-29', bytes: 10 });
    db.prepare('DELETE FROM jobs WHERE id = ?').run('a');
    expect(chargeOf(db, 'a')).to.equal(undefined);
    expect(() => chargeJob(db, { jobId: 'ghost', userId: '42', day: '2026-11-29', bytes: 10 })).to.throw(/FOREIGN KEY/);
  });

  it("reads only the user's rows of the day through the covering index, not the table", () => {
    const detail = (db.prepare(`EXPLAIN QUERY PLAN ${USAGE_QUERY}`).all('42', '2026-11-29') as { detail: string }[])
      .map((r) => r.detail)
      .join(' | ');
    expect(detail).to.match(/USING COVERING INDEX quota_charges_by_user_day \(user_id=\? AND day=\? AND counted=\?\)/);
  });
});
