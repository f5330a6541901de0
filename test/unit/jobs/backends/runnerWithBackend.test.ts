/**
 * The runner over a remote backend (a fake standing in for BullMQ and its workers): the service's
 * scheduler decides what enters the queue, so the per-user limits and the total of
 * `backend.slots` hold however many workers there are; a job a worker has not taken yet shows as
 * queued, the stages the worker reports move the status forward, and its result ends the job.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatRef } from '../../../../src/domain/chat.js';
import type { MediaPool, TelegramFiles } from '../../../../src/domain/mediaPorts.js';
import type { BackendRun, JobBackend } from '../../../../src/jobs/backends/jobBackend.js';
import { createJobRunner } from '../../../../src/jobs/runner/runner.js';
import type { JobRunner, SubmitInput } from '../../../../src/jobs/runner/runnerTypes.js';
import { openDatabase, type Database } from '../../../../src/storage/index.js';
import { getJob } from '../../../../src/storage/jobRepository.js';
import { until } from '../../../helpers/until.js';

/** Jobs "in the queue": each waits until the test ends it. */
class FakeRemote implements JobBackend {
  readonly kind = 'bullmq' as const;
  readonly slots = 3;
  readonly runs = new Map<string, { run: BackendRun; end(): void }>();
  async start() {}
  async close() {}
  run(run: BackendRun) {
    return new Promise<null>((resolve, reject) => {
      this.runs.set(run.job.id, { run, end: () => resolve(null) });
      run.signal.addEventListener('abort', () => reject(run.signal.reason), { once: true });
    });
  }
  userOf(jobId: string) {
    return this.runs.get(jobId)!.run.job.userId;
  }
}

const chat: ChatRef = { kind: 'user', id: '42', accessHash: '7' };
const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not used with a remote backend')) });

function submission(n: number, userId: string): SubmitInput {
  return {
    originKey: `cbq:${n}`,
    userId,
    chat: { ...chat, id: userId },
    sourceMessageId: 100 + n,
    source: { kind: 'link', url: `https://example.com/${n}.mp4` },
    request: { action: 'compress', option: '720p' },
    lang: 'en',
  };
}


describe('job runner over a remote backend', () => {
  let dir: string;
  let db: Database;
  let remote: FakeRemote;
  let runner: JobRunner;
  const edits: string[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'courier-remote-'));
    db = openDatabase(join(dir, 'courier.db'));
    remote = new FakeRemote();
    edits.length = 0;
    let messageId = 1;
    runner = createJobRunner({
      db,
      botPort: { sendText: async () => ({ messageId: messageId++, duplicate: false }), editText: async (_c, _m, text) => void edits.push(text) },
      files: unused as TelegramFiles,
      pool: unused as MediaPool,
      backend: remote,
      clock: { now: () => Date.now() },
      freeDiskBytes: async () => 1e12,
      config: {
        jobs: { poolSize: 1, perUserInFlight: 2, perUserQueued: 5, maxFileBytes: 1e9, maxDurationSeconds: 3600, minFreeDiskBytes: 0, jobTimeoutSeconds: 600, progressIntervalMs: 1 },
        links: { allowLoopback: false, allowedPorts: [], denyCidrs: [], timeoutMs: 1000, deadlineSeconds: 10, minBytesPerSecond: 0, maxRedirects: 0, maxBytes: 1e9 },
        paths: { temp: join(dir, 'tmp') },
      },
      log: { info() {}, warn() {}, error() {} },
      refreshTimer: false,
    });
    await runner.start();
  });

  afterEach(async () => {
    await runner.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands the queue only what the scheduler starts: backend.slots in all, per-user limits, fair turns', async () => {
    for (let n = 1; n <= 4; n++) await runner.submit(submission(n, '1001'));
    await runner.submit(submission(5, '2002'));
    // 3 slots (not jobs.poolSize 1): two of the heavy user's (their in-flight limit), then the light user's.
    await until(() => remote.runs.size === 3, 'three jobs handed to the queue');
    expect([...remote.runs.keys()].map((id) => remote.userOf(id)).sort()).to.deep.equal(['1001', '1001', '2002']);
    const first = [...remote.runs.keys()][0]!;
    remote.runs.get(first)!.end();
    await until(() => remote.runs.size === 4, 'the next heavy job handed over when one ended');
  });

  it('a job stays queued until a worker reports a stage, and ends done with the result', async () => {
    const submitted = await runner.submit(submission(1, '3003'));
    if (submitted.kind !== 'accepted') throw new Error('not accepted');
    await until(() => remote.runs.has(submitted.jobId), 'the job handed over');
    expect(getJob(db, submitted.jobId)?.state).to.equal('queued');
    const { run, end } = remote.runs.get(submitted.jobId)!;
    run.reach('processing');
    run.progress(40);
    expect(getJob(db, submitted.jobId)).to.include({ state: 'processing', attempts: 1 });
    // Past the edit throttle (1 ms here) of the edit the stage change made.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await runner.refreshStatuses();
    expect(edits.at(-1)).to.match(/^Processing… 40%/);
    end();
    await until(() => getJob(db, submitted.jobId)?.state === 'done', 'the job done');
    await runner.idle();
    expect(edits.at(-1)).to.equal('Done.');
  });
});
