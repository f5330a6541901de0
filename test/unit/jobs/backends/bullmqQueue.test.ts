/**
 * The bullmq backend on a real Redis (a test redis-server) with a queue worker in this process,
 * whose Telegram and pool are fakes: a job goes through the queue and back with its stages, a
 * service that lost track of a finished job finds its end by id without a second send, Cancel
 * stops a job a worker is running, and a job added while Redis is down runs when it is back.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobError } from '../../../../src/domain/jobError.js';
import type { MediaPool, ProcessOutcome, TelegramFiles } from '../../../../src/domain/mediaPorts.js';
import { createBullmqBackend } from '../../../../src/jobs/backends/bullmqBackend.js';
import { createBullmqQueue } from '../../../../src/jobs/backends/bullmqQueue.js';
import type { ActiveStage, BackendRun, JobBackend } from '../../../../src/jobs/backends/jobBackend.js';
import { startQueueWorker, type RunningQueueWorker } from '../../../../src/jobs/backends/queueWorker.js';
import { JOB_MESSAGES } from '../../../../src/jobs/jobIdentity.js';
import type { JobRecord } from '../../../../src/storage/jobRepository.js';
import { startTestRedis, type TestRedis } from '../../../helpers/redisServer.js';

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
/** Bytes that look like an MP4 (binary head), so assertNotPlaylist lets them through. */
const MEDIA_BYTES = Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d, 0, 0, 2, 0, 1, 2, 3, 4]);

/** Telegram as a worker sees it; remembers random_ids like Telegram does. */
class Telegram {
  sends: bigint[] = [];
  private used = new Set<bigint>();
  readonly files: TelegramFiles = {
    download: async (_media, destination) => writeFile(destination, MEDIA_BYTES),
    sendFile: async () => {
      throw new Error('no files in this test');
    },
    sendStored: async () => {
      throw new Error('no re-use in this test');
    },
  };
  readonly messenger = {
    sendText: async (_chat: unknown, _text: string, opts: { randomId: bigint }) => {
      if (this.used.has(opts.randomId)) return { messageId: null, duplicate: true };
      this.used.add(opts.randomId);
      this.sends.push(opts.randomId);
      return { messageId: this.sends.length, duplicate: false };
    },
    editText: async () => undefined,
  };
}

/** A pool whose processing answers with a text, waits for its signal when `hold` is set, or fails when `fail` is. */
function pool(hold: { on: boolean; fail?: JobError }): MediaPool {
  return {
    fetchLink: async () => {
      throw new Error('no links in this test');
    },
    process: (_task, signal) =>
      new Promise<ProcessOutcome>((resolve, reject) => {
        if (hold.fail) return reject(hold.fail);
        if (!hold.on) return resolve({ kind: 'text', text: 'Duration: 4 s' });
        signal.addEventListener('abort', () => reject(new JobError('CANCELLED', 'The process task was cancelled.')), { once: true });
      }),
    hashFile: async () => 'x',
    close: async () => undefined,
  };
}

function record(id: string, state: JobRecord['state'] = 'queued', attempts = 0): JobRecord {
  return {
    ...{ id, userId: '7', state, progress: 0, attempts, maxAttempts: 3, failure: null, resume: null, originKey: `cbq:${id}` },
    chat: { kind: 'user', id: '7', accessHash: '99' },
    sourceMessageId: 42,
    source: { kind: 'telegram', media: { kind: 'video', location: { type: 'document', id: 'd1', accessHash: '1', fileReference: 'AQID', dcId: 2 }, sizeBytes: 20, mimeType: 'video/mp4', fileName: 'clip.mp4' } },
    ...{ inputKey: 'tg:document:d1', request: { action: 'info' }, lang: 'en', statusMessageId: 43, inputPath: null, outcome: null, uploadFileId: null },
    ...{ result: null, notBefore: null, createdAt: 0, updatedAt: 0 },
  } as JobRecord;
}

describe('bullmq backend on a real Redis', function () {
  this.timeout(30_000);
  let redis: TestRedis;
  let dir: string;
  let backend: JobBackend;
  let worker: RunningQueueWorker;
  let telegram: Telegram;
  const hold: { on: boolean; fail?: JobError } = { on: false };
  let queueName = '';

  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => redis?.stop());

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'courier-qw-'));
    queueName = `q${Date.now()}`;
    hold.on = false;
    delete hold.fail;
    telegram = new Telegram();
    backend = createBullmqBackend({ queue: createBullmqQueue({ redisUrl: redis.url, queueName, pollMs: 200 }, log), config: { jobs: { maxFileBytes: 1e9, maxDurationSeconds: 3600 } }, log, slots: 4, sleep: (ms, signal) => sleep(ms, undefined, { signal }), retryDelaysMs: { first: 100, max: 400 } });
    await backend.start();
    worker = startQueueWorker({
      settings: { redisUrl: redis.url, queueName, concurrency: 2, lockDurationMs: 5000, stalledIntervalMs: 2000, tempDir: dir, progressIntervalMs: 0 },
      botPort: telegram.messenger,
      files: telegram.files,
      pool: pool(hold),
      config: {
        jobs: { poolSize: 2, perUserInFlight: 2, perUserQueued: 5, maxFileBytes: 1e9, maxDurationSeconds: 3600, minFreeDiskBytes: 0, jobTimeoutSeconds: 60, progressIntervalMs: 100 },
        links: { allowLoopback: false, allowedPorts: [], denyCidrs: [], timeoutMs: 1000, deadlineSeconds: 10, minBytesPerSecond: 0, maxRedirects: 0, maxBytes: 1e9 },
      },
      log,
    });
  });

  afterEach(async () => {
    await worker.stop(true);
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function runOf(job: JobRecord, controller = new AbortController()) {
    const stages: ActiveStage[] = [];
    const run: BackendRun = { job, signal: controller.signal, deadline: Date.now() + 60_000, reach: (stage) => (stages.push(stage), job), progress: () => undefined };
    return { run, stages, controller };
  }

  it('carries a job to a worker and its result and stages back', async () => {
    const { run, stages } = runOf(record('jobA'));
    const result = await backend.run(run);
    expect(result).to.deep.equal({ kind: 'text', text: 'Duration: 4 s' });
    expect(stages).to.include('downloading');
    expect(telegram.sends).to.deep.equal([JOB_MESSAGES.result('jobA')]);
    expect(worker.finished()).to.equal(1);
  });

  it('re-attaches by job id: a restarted service reads the end of a finished job, nothing is sent twice', async () => {
    await backend.run(runOf(record('jobB')).run);
    await backend.close();
    backend = createBullmqBackend({ queue: createBullmqQueue({ redisUrl: redis.url, queueName, pollMs: 200 }, log), config: { jobs: { maxFileBytes: 1e9, maxDurationSeconds: 3600 } }, log, slots: 4, sleep: (ms, signal) => sleep(ms, undefined, { signal }) });
    await backend.start();
    // The row still says "uploading, attempt 1": the service died before recording the end.
    const again = await backend.run(runOf(record('jobB', 'uploading', 1)).run);
    expect(again).to.deep.equal({ kind: 'text', text: 'Duration: 4 s' });
    expect(telegram.sends).to.have.length(1);
    expect(worker.finished()).to.equal(1);
  });

  it("a worker's JobError reaches the service with its reason", async () => {
    hold.fail = new JobError('CORRUPT_MEDIA', 'moov atom not found', { retryable: false });
    const error = await backend.run(runOf(record('jobE')).run).then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(JobError);
    expect(error).to.include({ reason: 'CORRUPT_MEDIA', retryable: false });
    expect(telegram.sends).to.deep.equal([]);
  });

  it('Cancel stops the job on the worker running it', async () => {
    hold.on = true;
    const { run, stages, controller } = runOf(record('jobC'));
    const running = backend.run(run);
    while (!stages.includes('processing')) await sleep(20);
    controller.abort(new JobError('CANCELLED', 'cancelled by its user'));
    await running.catch(() => undefined);
    const deadline = Date.now() + 5000;
    while (worker.finished() < 1 && Date.now() < deadline) await sleep(20);
    expect(worker.finished(), 'the worker ended the job').to.equal(1);
    expect(telegram.sends).to.deep.equal([]);
  });

  it('a job handed over while Redis is down runs once it is back', async () => {
    await redis.kill();
    const running = backend.run(runOf(record('jobD')).run);
    await sleep(700);
    await redis.start();
    expect(await running).to.deep.equal({ kind: 'text', text: 'Duration: 4 s' });
    expect(telegram.sends).to.have.length(1);
  });
});
