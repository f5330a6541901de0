/**
 * The bullmq backend's rules, against a fake queue: one BullMQ job per attempt (re-attach by id),
 * stages only forward, failures as JobErrors, Cancel reaching the queue but a stopping runner
 * not, and an unreachable Redis waited out.
 */
import { expect } from 'chai';
import { JobError } from '../../../../src/domain/jobError.js';
import { createBullmqBackend, type RemoteQueue } from '../../../../src/jobs/backends/bullmqBackend.js';
import { RunnerStopping, type ActiveStage, type BackendRun } from '../../../../src/jobs/backends/jobBackend.js';
import type { RemoteEnd, RemoteJobData, RemoteProgress } from '../../../../src/jobs/backends/remoteProtocol.js';
import type { JobRecord } from '../../../../src/storage/jobRepository.js';

class FakeQueue implements RemoteQueue {
  added: { id: string; data: RemoteJobData }[] = [];
  cancelled: string[] = [];
  addFailures = 0;
  private waiting = new Map<string, { onProgress(p: RemoteProgress): void; settle(end: RemoteEnd): void }>();

  async start() {}
  async close() {}
  async add(id: string, data: RemoteJobData) {
    if (this.addFailures > 0) {
      this.addFailures -= 1;
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    }
    this.added.push({ id, data });
  }
  wait(id: string, onProgress: (p: RemoteProgress) => void, signal: AbortSignal) {
    return new Promise<RemoteEnd>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      this.waiting.set(id, { onProgress, settle: resolve });
    });
  }
  async cancel(id: string) {
    this.cancelled.push(id);
  }
  report(id: string, stage: ActiveStage, percent: number) {
    this.waiting.get(id)!.onProgress({ stage, percent });
  }
  end(id: string, end: RemoteEnd) {
    this.waiting.get(id)!.settle(end);
  }
  async until(id: string) {
    while (!this.waiting.has(id)) await new Promise((resolve) => setImmediate(resolve));
  }
}

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

function record(state: JobRecord['state'], attempts: number): JobRecord {
  return {
    id: 'job1',
    userId: '7',
    state,
    progress: 0,
    attempts,
    maxAttempts: 3,
    failure: null,
    resume: null,
    originKey: 'cbq:1',
    chat: { kind: 'user', id: '7', accessHash: '99' },
    sourceMessageId: 42,
    source: { kind: 'link', url: 'https://example.com/a.mp4' },
    inputKey: 'url:https://example.com/a.mp4',
    request: { action: 'compress', option: '480p' },
    lang: 'en',
    statusMessageId: 43,
    inputPath: null,
    outcome: null,
    uploadFileId: null,
    result: null,
    notBefore: null,
    createdAt: 0,
    updatedAt: 0,
  };
}

function setUp(job: JobRecord) {
  const queue = new FakeQueue();
  const sleeps: number[] = [];
  const backend = createBullmqBackend({
    queue,
    config: { jobs: { maxFileBytes: 1000, maxDurationSeconds: 60 } },
    log,
    slots: 4,
    sleep: async (ms) => void sleeps.push(ms),
    retryDelaysMs: { first: 10, max: 40 },
  });
  const reached: ActiveStage[] = [];
  const percents: number[] = [];
  const controller = new AbortController();
  const stageOrder: (JobRecord['state'])[] = ['queued', 'downloading', 'processing', 'uploading'];
  let current = job;
  const run: BackendRun = {
    job,
    signal: controller.signal,
    deadline: 123,
    reach: (stage) => {
      if (stageOrder.indexOf(stage) > stageOrder.indexOf(current.state)) current = { ...current, state: stage };
      reached.push(stage);
      return current;
    },
    progress: (p) => void percents.push(p),
  };
  return { queue, backend, run, reached, percents, controller, sleeps };
}

describe('bullmq backend (fake queue)', () => {
  it('adds one BullMQ job per attempt, follows its stages and returns its result', async () => {
    const { queue, backend, run, reached, percents } = setUp(record('queued', 0));
    expect(backend.slots).to.equal(4);
    const done = backend.run(run);
    await queue.until('job1.a1');
    expect(queue.added).to.have.length(1);
    expect(queue.added[0]!.data).to.include({ v: 1, jobId: 'job1', sourceMessageId: 42, deadline: 123, maxFileBytes: 1000 });
    expect(reached, 'a waiting job stays queued until a worker takes it').to.deep.equal([]);
    queue.report('job1.a1', 'downloading', 0);
    queue.report('job1.a1', 'downloading', 50);
    queue.report('job1.a1', 'uploading', 10);
    queue.end('job1.a1', { ok: true, value: { result: { kind: 'text', text: 'hi' } } });
    expect(await done).to.deep.equal({ kind: 'text', text: 'hi' });
    expect(reached).to.deep.equal(['downloading', 'uploading']);
    expect(percents).to.deep.equal([0, 50, 10]);
  });

  it('re-attaches to the same attempt after a restart and never moves a job back', async () => {
    const { queue, backend, run, reached, percents } = setUp(record('processing', 1));
    const done = backend.run(run);
    await queue.until('job1.a1');
    // Another worker restarted the stalled job from its download.
    queue.report('job1.a1', 'downloading', 80);
    queue.report('job1.a1', 'processing', 30);
    queue.end('job1.a1', { ok: true, value: { result: null } });
    expect(await done).to.equal(null);
    expect(reached).to.deep.equal([]);
    expect(percents).to.deep.equal([30]);
  });

  it("turns a worker's failure into the JobError the user is told about", async () => {
    const { queue, backend, run } = setUp(record('queued', 1));
    const done = backend.run(run);
    await queue.until('job1.a2');
    queue.end('job1.a2', { ok: false, error: { reason: 'CORRUPT_MEDIA', message: 'moov atom not found', retryable: false } });
    const error = await done.then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(JobError);
    expect(error).to.include({ reason: 'CORRUPT_MEDIA', retryable: false });
  });

  it('cancels the BullMQ job on Cancel or the time limit, not when the runner stops', async () => {
    const cancelled = setUp(record('queued', 0));
    const first = cancelled.backend.run(cancelled.run);
    await cancelled.queue.until('job1.a1');
    const reason = new JobError('CANCELLED', 'cancelled by its user');
    cancelled.controller.abort(reason);
    expect(await first.then(() => null, (e: unknown) => e)).to.equal(reason);
    expect(cancelled.queue.cancelled).to.deep.equal(['job1.a1']);

    const stopping = setUp(record('downloading', 1));
    const second = stopping.backend.run(stopping.run);
    await stopping.queue.until('job1.a1');
    stopping.controller.abort(new RunnerStopping('stopping'));
    expect(await second.then(() => null, (e: unknown) => e)).to.be.instanceOf(RunnerStopping);
    expect(stopping.queue.cancelled).to.deep.equal([]);
  });

  it('answers Cancel at once while an add waits for Redis', async () => {
    const { queue, backend, run, controller } = setUp(record('queued', 0));
    queue.add = () => new Promise(() => undefined);
    const done = backend.run(run);
    await new Promise((resolve) => setImmediate(resolve));
    const reason = new JobError('CANCELLED', 'cancelled by its user');
    controller.abort(reason);
    expect(await done.then(() => null, (e: unknown) => e)).to.equal(reason);
    expect(queue.cancelled).to.deep.equal(['job1.a1']);
  });

  it('keeps handing a job over while Redis is unreachable, backing off', async () => {
    const { queue, backend, run, sleeps } = setUp(record('queued', 0));
    queue.addFailures = 4;
    const done = backend.run(run);
    await queue.until('job1.a1');
    expect(sleeps).to.deep.equal([10, 20, 40, 40]);
    expect(queue.added).to.have.length(1);
    queue.end('job1.a1', { ok: true, value: { result: null } });
    await done;
  });
});
