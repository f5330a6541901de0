/**
 * The daily quotas in the job runner, on an injected clock and a scripted backend: the job after
 * the last one of the day is refused with which limit, what is used and when it resets, and is
 * accepted after midnight UTC; files over the bytes left are refused before anything is fetched;
 * admins are never refused; failures through Courier's fault and jobs cancelled while queued are
 * refunded, while a failure due to the input and a cancel after the start count; a retry of a
 * refunded job must fit today's quota; a link counts the bytes it downloaded.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobError } from '../../../../src/domain/jobError.js';
import type { MediaRef } from '../../../../src/domain/media.js';
import type { BackendRun, JobBackend } from '../../../../src/jobs/backends/jobBackend.js';
import { createJobRunner } from '../../../../src/jobs/runner/runner.js';
import type { JobRunner, RunnerConfig, SubmitInput, SubmitResult } from '../../../../src/jobs/runner/runnerTypes.js';
import { usageOn } from '../../../../src/storage/bot/quotaRepository.js';
import { openDatabase, type Database } from '../../../../src/storage/index.js';
import { getJob, jobsInStates, type StoredResult } from '../../../../src/storage/jobRepository.js';
import { texts } from '../../../../src/texts/index.js';
import { FakePort } from '../../../helpers/fakeBotPort.js';
import { until } from '../../../helpers/until.js';

const t = texts.en;
const at = (iso: string) => Date.parse(iso);
const chat = { kind: 'user' as const, id: '42', accessHash: '7' };

type Script = (run: BackendRun) => Promise<StoredResult | null>;

/** Runs every stage at once and succeeds, unless a script for the next run says otherwise. */
const succeed: Script = async ({ reach }) => {
  reach('downloading');
  reach('processing');
  reach('uploading');
  return { kind: 'text', text: 'ok' };
};

/** Started, then waits until the job is aborted (Cancel). */
const hang: Script = ({ reach, signal }) => {
  reach('downloading');
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
};

const failWith = (reason: 'INTERNAL' | 'UNSUPPORTED_MEDIA'): Script => async ({ reach }) => {
  reach('downloading');
  throw new JobError(reason, `scripted ${reason}`);
};

class ScriptedBackend implements JobBackend {
  readonly kind = 'local' as const;
  readonly slots = 8;
  readonly scripts: Script[] = [];
  async start(): Promise<void> {}
  async close(): Promise<void> {}
  run(run: BackendRun): Promise<StoredResult | null> {
    return (this.scripts.shift() ?? succeed)(run);
  }
}

function video(id: string, sizeBytes: number): MediaRef {
  return { kind: 'video', location: { type: 'document', id, accessHash: '1', fileReference: 'AQID', dcId: 2 }, sizeBytes, mimeType: 'video/mp4', fileName: `${id}.mp4`, durationSeconds: 3 };
}

describe('job runner: daily quotas', () => {
  let dir: string;
  let db: Database;
  let port: FakePort;
  let backend: ScriptedBackend;
  let now: number;
  let runner: JobRunner;
  let seq = 0;

  async function startRunner(quotas: RunnerConfig['quotas'], admins: number[] = [], perUserInFlight = 4): Promise<void> {
    runner = createJobRunner({
      db,
      botPort: port,
      files: {} as never,
      backend,
      clock: { now: () => now },
      freeDiskBytes: async () => 10 ** 12,
      config: {
        jobs: { poolSize: 8, perUserInFlight, perUserQueued: 10, maxFileBytes: 10 ** 9, maxDurationSeconds: 3600, minFreeDiskBytes: 0, jobTimeoutSeconds: 600, progressIntervalMs: 3000 },
        links: { allowLoopback: false, allowedPorts: [], denyCidrs: [], timeoutMs: 1000, deadlineSeconds: 60, minBytesPerSecond: 0, maxRedirects: 1, maxBytes: 10 ** 9 },
        paths: { temp: join(dir, 'tmp') },
        ...(quotas ? { quotas } : {}),
        admins,
      },
      log: { info() {}, warn() {}, error() {} },
      startTimer: () => () => {},
      refreshTimer: false,
    });
    await runner.start();
  }

  /** A press on a fresh file (its own input, so no result is re-used). */
  function fileJob(sizeBytes = 100, userId = '42'): SubmitInput {
    seq += 1;
    return { originKey: `cbq:${seq}`, userId, chat, sourceMessageId: 100 + seq, source: { kind: 'telegram', media: video(`doc${seq}`, sizeBytes) }, request: { action: 'info' }, lang: 'en' };
  }

  function linkJob(): SubmitInput {
    seq += 1;
    return { originKey: `cbq:${seq}`, userId: '42', chat, sourceMessageId: 100 + seq, source: { kind: 'link', url: `https://example.com/${seq}.mp4` }, request: { action: 'info' }, lang: 'en' };
  }

  async function accepted(input: SubmitInput): Promise<string> {
    const result = await runner.submit(input);
    if (result.kind !== 'accepted') throw new Error(`expected the job to be accepted, got ${JSON.stringify(result)}`);
    return result.jobId;
  }

  async function refused(input: SubmitInput): Promise<Extract<SubmitResult, { kind: 'refused' }>> {
    const result = await runner.submit(input);
    if (result.kind !== 'refused') throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
    return result;
  }

  const today = (userId = '42') => usageOn(db, userId, new Date(now).toISOString().slice(0, 10));
  const jobCount = () => jobsInStates(db, ['queued', 'downloading', 'processing', 'uploading', 'done', 'failed', 'cancelled']).length;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-quotas-'));
    db = openDatabase(join(dir, 'courier.db'));
    port = new FakePort();
    backend = new ScriptedBackend();
    now = at('2026-11-29T18:48:00Z');
  });

  afterEach(async () => {
    await runner.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes two jobs, refuses the third saying which limit, what is used and when it resets, and takes it after midnight UTC', async () => {
    await startRunner({ jobsPerDay: 2, bytesPerDay: 0 });
    await accepted(fileJob());
    await accepted(fileJob());
    await runner.idle();
    const third = fileJob();
    const refusal = await refused(third);
    expect(refusal.reason).to.equal('QUOTA_JOBS');
    expect(refusal.text).to.equal(t.refused(t.quotaJobsUsed(2, 2, '5 h 12 min')));
    expect(refusal.text).to.include('2 of 2 used today').and.include('00:00 UTC, in 5 h 12 min');
    expect(refusal.answer).to.equal(t.quotaReachedShort('5 h 12 min'));
    expect(refusal.answer!.length).to.be.at.most(200);
    // The user hears it as a reply to their file; nothing was created or charged.
    expect(port.sent.at(-1)).to.deep.include({ text: refusal.text });
    expect(port.sent.at(-1)!.opts.replyTo).to.equal(third.sourceMessageId);
    expect(jobCount()).to.equal(2);
    expect(today()).to.deep.equal({ jobs: 2, bytes: 200 });

    // 23:59: still today. Then midnight UTC passes: the same file's button works again.
    now = at('2026-11-29T23:59:30Z');
    expect((await refused({ ...third, originKey: 'cbq:again-1' })).text).to.include('in 1 min');
    now = at('2026-11-30T00:00:05Z');
    await accepted({ ...third, originKey: 'cbq:again-2' });
    expect(today()).to.deep.equal({ jobs: 1, bytes: 100 });
  });

  it('refuses a file that would go over the bytes left before fetching it, takes one that fits, and refuses a link once the bytes are used up', async () => {
    await startRunner({ jobsPerDay: 0, bytesPerDay: 1000 });
    await accepted(fileJob(600));
    const tooBig = await refused(fileJob(500));
    expect(tooBig.reason).to.equal('QUOTA_BYTES');
    expect(tooBig.text).to.equal(t.refused(t.quotaBytesTooMuch(t.size(500), t.size(600), t.size(1000), '5 h 12 min')));
    await accepted(fileJob(400));
    const link = await refused(linkJob());
    expect(link.text).to.equal(t.refused(t.quotaBytesUsed(t.size(1000), t.size(1000), '5 h 12 min')));
    expect(backend.scripts).to.have.length(0);
    await runner.idle();
    expect(today()).to.deep.equal({ jobs: 2, bytes: 1000 });
  });

  it('never refuses an admin, but still records what they did; other users keep their limit', async () => {
    await startRunner({ jobsPerDay: 1, bytesPerDay: 50 }, [42]);
    for (let i = 0; i < 3; i++) await accepted(fileJob(1000));
    await accepted(fileJob(10, '43'));
    expect((await refused(fileJob(10, '43'))).reason).to.equal('QUOTA_JOBS');
    await runner.idle();
    expect(today('42')).to.deep.equal({ jobs: 3, bytes: 3000 });
  });

  it("refunds a failure through Courier's fault, but counts one due to the user's input", async () => {
    await startRunner({ jobsPerDay: 1, bytesPerDay: 0 });
    backend.scripts.push(failWith('INTERNAL'));
    const failed = await accepted(fileJob());
    await runner.idle();
    expect(getJob(db, failed)?.failure?.reason).to.equal('INTERNAL');
    expect(today().jobs, 'refunded').to.equal(0);
    backend.scripts.push(failWith('UNSUPPORTED_MEDIA'));
    await accepted(fileJob());
    await runner.idle();
    expect(today().jobs, 'counted').to.equal(1);
    expect((await refused(fileJob())).reason).to.equal('QUOTA_JOBS');
  });

  it('refunds a job cancelled while queued; one cancelled after it started counts', async () => {
    await startRunner({ jobsPerDay: 5, bytesPerDay: 0 }, [], 1);
    backend.scripts.push(hang);
    const running = await accepted(fileJob());
    const queued = await accepted(fileJob());
    await until(() => getJob(db, running)?.state === 'downloading', 'the first job started');
    expect(getJob(db, queued)?.state).to.equal('queued');
    expect(today().jobs).to.equal(2);
    expect((await runner.cancel(queued, '42')).ok).to.equal(true);
    expect(today().jobs, 'the queued one is refunded').to.equal(1);
    expect((await runner.cancel(running, '42')).ok).to.equal(true);
    expect(getJob(db, running)?.state).to.equal('cancelled');
    expect(today().jobs, 'the started one still counts').to.equal(1);
  });

  it("checks a retry of a refunded job against today's quota, and counts it on the day it is retried", async () => {
    await startRunner({ jobsPerDay: 1, bytesPerDay: 0 });
    backend.scripts.push(failWith('INTERNAL'));
    const failed = await accepted(fileJob());
    await runner.idle();
    await accepted(fileJob());
    await runner.idle();
    const answer = await runner.retry(failed, '42');
    expect(answer).to.deep.equal({ ok: false, text: t.quotaReachedShort('5 h 12 min') });
    expect(getJob(db, failed)?.state).to.equal('failed');
    now = at('2026-11-30T08:00:00Z');
    expect(await runner.retry(failed, '42')).to.deep.equal({ ok: true, text: t.retrying });
    await runner.idle();
    expect(getJob(db, failed)?.state).to.equal('done');
    expect(today()).to.deep.equal({ jobs: 1, bytes: 100 });
    expect(usageOn(db, '42', '2026-11-29').jobs, 'yesterday keeps the job done then').to.equal(1);
  });

  it('counts the bytes a link downloaded, once its input is on disk', async () => {
    await startRunner({ jobsPerDay: 0, bytesPerDay: 10_000 });
    let downloaded!: () => void;
    const download = new Promise<void>((resolve) => (downloaded = resolve));
    backend.scripts.push(async ({ job, reach }) => {
      reach('downloading');
      await download;
      const jobDir = join(dir, 'tmp', 'jobs', job.id);
      mkdirSync(jobDir, { recursive: true });
      writeFileSync(join(jobDir, 'input.mp4'), Buffer.alloc(4321));
      reach('processing', { inputPath: join(jobDir, 'input.mp4') });
      reach('uploading');
      return { kind: 'text', text: 'ok' };
    });
    await accepted(linkJob());
    expect(today(), 'unknown until downloaded').to.deep.equal({ jobs: 1, bytes: 0 });
    downloaded();
    await runner.idle();
    expect(today()).to.deep.equal({ jobs: 1, bytes: 4321 });
  });
});
