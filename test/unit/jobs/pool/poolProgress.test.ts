import { expect } from 'chai';
import { ProgressRecorder } from '../../../../src/jobs/pool/tasks.js';
import { openDatabase, type Database } from '../../../../src/storage/index.js';
import { readJobProgress } from '../../../../src/storage/jobProgress.js';

describe("a worker's progress recorder", () => {
  let db: Database;
  let now: number;
  beforeEach(() => {
    db = openDatabase(':memory:');
    db.prepare(
      `INSERT INTO jobs (id, origin_key, user_id, chat, source_message_id, source, input_key, action, lang, state, max_attempts, created_at, updated_at)
       VALUES ('j1', 'o1', 'u1', '{}', 1, '{}', 'k1', 'compress', 'en', 'processing', 3, 0, 0)`,
    ).run();
    now = 10_000;
  });
  afterEach(() => db.close());

  const recorder = () => new ProgressRecorder(db, 'j1', { minStep: 1, intervalMs: 500 }, () => undefined, () => now);
  const stored = () => readJobProgress(db, 'j1');

  it('writes on a change of a whole point, or after 500 ms, and always the final 100', () => {
    const r = recorder();
    r.record(0.5);
    expect(stored()).to.deep.equal({ percent: 0.5, progressAt: 10_000 });
    now += 100;
    r.record(1.2); // +0.7 after 100 ms: skipped
    expect(stored()?.percent).to.equal(0.5);
    now += 100;
    r.record(1.6); // +1.1: written
    expect(stored()).to.deep.equal({ percent: 1.6, progressAt: 10_200 });
    now += 600;
    r.record(1.7); // small, but 600 ms since the last write
    expect(stored()).to.deep.equal({ percent: 1.7, progressAt: 10_800 });
    now += 1;
    r.record(99.5);
    now += 1;
    r.record(100);
    expect(stored()).to.deep.equal({ percent: 100, progressAt: 10_802 });
  });

  it('a failed write stops the job with a JobError instead of being swallowed', () => {
    let stopped = 0;
    const r = new ProgressRecorder(db, 'j1', { minStep: 1, intervalMs: 500 }, () => (stopped += 1), () => now);
    db.close();
    r.record(5);
    expect(stopped).to.equal(1);
    expect(r.failure).to.include({ reason: 'INTERNAL' });
    expect(r.failure?.message).to.contain('Recording progress of job j1 failed');
    db = openDatabase(':memory:'); // for afterEach
  });
});
