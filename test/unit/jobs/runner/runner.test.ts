import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatRef } from '../../../../src/domain/chat.js';
import type { MediaRef } from '../../../../src/domain/media.js';
import type { SentMessage } from '../../../../src/domain/botPort.js';
import { decodeJobCallback } from '../../../../src/jobs/jobCallbacks.js';
import type {
  FetchLinkResult,
  FetchLinkTask,
  MediaPool,
  ProcessOutcome,
  ProcessTask,
  ResultFile,
  SentFile,
  StoredMedia,
  TelegramFiles,
  TransferProgress,
  UploadResume,
} from '../../../../src/domain/mediaPorts.js';
import { createJobRunner } from '../../../../src/jobs/runner/runner.js';
import type { JobRunner, RunnerConfig, SubmitInput } from '../../../../src/jobs/runner/runnerTypes.js';
import { JobError } from '../../../../src/domain/jobError.js';
import { transition, type JobEvent } from '../../../../src/jobs/stateMachine.js';
import { type Job } from '../../../../src/domain/job.js';
import { openDatabase, type Database } from '../../../../src/storage/index.js';
import { recordJobProgress } from '../../../../src/storage/jobProgress.js';
import { addConfirmedPart, createJob, getJob, jobsInStates, saveTransition, setUploadFileId, type JobRecord } from '../../../../src/storage/jobRepository.js';
import { FakePort } from '../../../helpers/fakeBotPort.js';
import { until } from '../../../helpers/until.js';

// --- fakes -----------------------------------------------------------------------------------

/**
 * One stage of a fake port. Open by default; when held, a call waits until release() or until its
 * signal aborts (then it rejects with the abort reason, like the real ports do).
 */
class Step {
  held = false;
  calls = 0;
  aborted = 0;
  private readonly releases: (() => void)[] = [];
  private readonly watchers: { count: number; resolve: () => void }[] = [];

  async pass(signal: AbortSignal): Promise<void> {
    this.calls += 1;
    for (const w of this.watchers.filter((x) => this.calls >= x.count)) w.resolve();
    if (!this.held) return;
    await new Promise<void>((resolve, reject) => {
      this.releases.push(resolve);
      signal.addEventListener(
        'abort',
        () => {
          this.aborted += 1;
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Resolves once the stage has been entered `count` times in all. */
  reached(count = 1): Promise<void> {
    if (this.calls >= count) return Promise.resolve();
    return new Promise((resolve) => this.watchers.push({ count, resolve }));
  }

  release(): void {
    this.held = false;
    for (const r of this.releases.splice(0)) r();
  }
}

/** Bytes that look like an MP4 (binary head), so assertNotPlaylist lets them through. */
const MEDIA_BYTES = Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d, 0, 0, 2, 0, 1, 2, 3, 4]);

/**
 * Telegram's side of files. Like Telegram, it remembers every random_id it has sent a message
 * for and answers a second send with the same id as a duplicate (RANDOM_ID_DUPLICATE, which the
 * real port reports as {duplicate: true, messageId: null}): the user does not get it again.
 */
class FakeFiles implements TelegramFiles {
  readonly download$ = new Step();
  /** Before the message is sent: the upload is still going on. */
  readonly upload$ = new Step();
  /** After the user got the message, before Courier hears so: a crash here loses only the answer. */
  readonly delivered$ = new Step();
  downloads: { media: MediaRef; destination: string }[] = [];
  uploads: { chat: ChatRef; file: ResultFile; replyTo?: number; randomId: bigint; fileId?: string; confirmedParts?: readonly number[] }[] = [];
  storedSends: { stored: StoredMedia; replyTo?: number }[] = [];
  /** The messages the user got. */
  delivered: { randomId: bigint; fileName: string; replyTo?: number }[] = [];
  /** Parts the fake "confirms" before it waits at upload$. */
  confirmBeforeWait: { fileId: string; parts: number[] } = { fileId: 'file-1', parts: [0, 1] };
  downloadContent: Buffer = MEDIA_BYTES;
  private readonly usedRandomIds = new Set<bigint>();
  private nextMessage = 5000;

  async download(media: MediaRef, destination: string, options: { signal: AbortSignal; onProgress?(p: TransferProgress): void }): Promise<void> {
    this.downloads.push({ media, destination });
    options.onProgress?.({ doneBytes: 1, totalBytes: 4 });
    await this.download$.pass(options.signal);
    await writeFile(destination, this.downloadContent);
  }

  async sendFile(chat: ChatRef, file: ResultFile, options: { replyTo?: number; randomId: bigint; signal: AbortSignal; resume: UploadResume }): Promise<SentFile> {
    this.uploads.push({ chat, file, replyTo: options.replyTo, randomId: options.randomId, fileId: options.resume.fileId, confirmedParts: options.resume.confirmedParts });
    const { fileId, parts } = this.confirmBeforeWait;
    for (const part of parts) {
      if (!(options.resume.confirmedParts ?? []).includes(part)) await options.resume.onPartConfirmed({ fileId, part, totalParts: 4 });
    }
    await this.upload$.pass(options.signal);
    const sent = this.deliver(options.randomId, file.fileName, options.replyTo);
    if (sent.duplicate) return { ...sent, stored: null };
    await this.delivered$.pass(options.signal);
    return { ...sent, stored: { type: 'document', id: `doc-${file.fileName}`, accessHash: '5', fileReference: 'AA==' } };
  }

  async sendStored(chat: ChatRef, stored: StoredMedia, file: { fileName: string }, options: { replyTo?: number; randomId: bigint }): Promise<SentMessage> {
    this.storedSends.push({ stored, replyTo: options.replyTo });
    return this.deliver(options.randomId, file.fileName, options.replyTo);
  }

  private deliver(randomId: bigint, fileName: string, replyTo: number | undefined): SentMessage {
    if (this.usedRandomIds.has(randomId)) return { messageId: null, duplicate: true };
    this.usedRandomIds.add(randomId);
    this.delivered.push({ randomId, fileName, ...(replyTo === undefined ? {} : { replyTo }) });
    this.nextMessage += 1;
    return { messageId: this.nextMessage, duplicate: false };
  }
}

class FakePool implements MediaPool {
  readonly process$ = new Step();
  readonly fetch$ = new Step();
  processed: ProcessTask[] = [];
  fetched: FetchLinkTask[] = [];
  failWith: Error | null = null;

  async fetchLink(task: FetchLinkTask, signal: AbortSignal): Promise<FetchLinkResult> {
    this.fetched.push(task);
    await this.fetch$.pass(signal);
    const path = join(task.jobDir, 'input-link');
    await writeFile(path, MEDIA_BYTES);
    return { path, bytes: MEDIA_BYTES.length, contentType: 'video/mp4', suggestedName: null };
  }

  async process(task: ProcessTask, signal: AbortSignal): Promise<ProcessOutcome> {
    this.processed.push(task);
    await this.process$.pass(signal);
    if (this.failWith) throw this.failWith;
    if (task.request.action === 'info') return { kind: 'text', text: `Info of ${task.inputName}` };
    const path = join(task.jobDir, 'output.mp4');
    await writeFile(path, MEDIA_BYTES);
    return { kind: 'file', file: { path, fileName: 'clip-720p.mp4', mimeType: 'video/mp4', sendAs: 'video', sizeBytes: MEDIA_BYTES.length, durationSeconds: 3 } };
  }

  async hashFile(): Promise<string> {
    return '00';
  }

  async close(): Promise<void> {}
}

/** The bot port, whose edits can be held to catch the runner in the middle of a status edit. */
class HoldingPort extends FakePort {
  private hold: ((text: string) => boolean) | null = null;
  private readonly waiting: (() => void)[] = [];

  holdEdits(which: (text: string) => boolean): void {
    this.hold = which;
  }

  heldEdits(): number {
    return this.waiting.length;
  }

  releaseEdits(): void {
    this.hold = null;
    for (const go of this.waiting.splice(0)) go();
  }

  override async editText(...args: Parameters<FakePort['editText']>): Promise<void> {
    if (this.hold?.(args[2])) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return super.editText(...args);
  }
}

/** Timers that fire only when the test advances the fake clock. */
class FakeTime {
  now = 1_700_000_000_000;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  startTimer = (ms: number, fn: () => void): (() => void) => {
    const timer = { at: this.now + ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  };
  advance(ms: number): void {
    this.now += ms;
    const due = this.timers.filter((t) => t.live && t.at <= this.now);
    this.timers = this.timers.filter((t) => t.live && t.at > this.now);
    for (const t of due) t.fn();
  }
}

// --- fixture ---------------------------------------------------------------------------------

const chat: ChatRef = { kind: 'user', id: '42', accessHash: '7' };

function media(id: string, extra: Partial<MediaRef> = {}): MediaRef {
  return {
    kind: 'video',
    location: { type: 'document', id, accessHash: '1', fileReference: 'AQID', dcId: 2 },
    sizeBytes: 500,
    mimeType: 'video/mp4',
    fileName: '../../clip.mp4',
    durationSeconds: 30,
    ...extra,
  };
}

function submission(n: number, extra: Partial<SubmitInput> = {}): SubmitInput {
  return {
    originKey: `cbq:${n}`,
    userId: '42',
    chat,
    sourceMessageId: 100 + n,
    source: { kind: 'telegram', media: media(`doc${n}`) },
    request: { action: 'compress', option: '720p' },
    lang: 'en',
    ...extra,
  };
}


describe('job runner', () => {
  let dir: string;
  let temp: string;
  let db: Database;
  let port: HoldingPort;
  let files: FakeFiles;
  let pool: FakePool;
  let time: FakeTime;
  let freeDisk: number;
  let config: RunnerConfig;
  let runner: JobRunner;
  const runners: JobRunner[] = [];

  function newRunner(): JobRunner {
    const created = createJobRunner({
      db,
      botPort: port,
      files,
      pool,
      clock: { now: () => time.now },
      freeDiskBytes: async () => freeDisk,
      config,
      log: { info() {}, warn() {}, error() {} },
      startTimer: time.startTimer,
      refreshTimer: false,
    });
    runners.push(created);
    return created;
  }

  const state = (jobId: string) => getJob(db, jobId)?.state;
  const jobDir = (jobId: string) => join(temp, 'jobs', jobId);
  const lastEdit = () => port.edits.at(-1);

  async function accepted(input: SubmitInput): Promise<string> {
    const result = await runner.submit(input);
    if (result.kind !== 'accepted') throw new Error(`expected the job to be accepted, got ${JSON.stringify(result)}`);
    return result.jobId;
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'courier-runner-'));
    temp = join(dir, 'tmp');
    db = openDatabase(join(dir, 'courier.db'));
    port = new HoldingPort();
    files = new FakeFiles();
    pool = new FakePool();
    time = new FakeTime();
    freeDisk = 10_000;
    config = {
      jobs: {
        poolSize: 2,
        perUserInFlight: 2,
        perUserQueued: 5,
        maxFileBytes: 1000,
        maxDurationSeconds: 60,
        minFreeDiskBytes: 1000,
        jobTimeoutSeconds: 600,
        progressIntervalMs: 3000,
      },
      links: { allowLoopback: false, allowedPorts: [8080], denyCidrs: ['203.0.113.0/24'], timeoutMs: 1000, deadlineSeconds: 90, minBytesPerSecond: 2048, maxRedirects: 2, maxBytes: 5000 },
      paths: { temp },
    };
    runner = newRunner();
    await runner.start();
  });

  afterEach(async () => {
    port.releaseEdits();
    files.download$.release();
    files.upload$.release();
    files.delivered$.release();
    pool.process$.release();
    for (const r of runners.splice(0)) await r.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a video through every stage: one status message, edited, and the result as a reply', async () => {
    pool.process$.held = true;
    const jobId = await accepted(submission(1));

    expect(port.sent).to.have.length(1);
    expect(port.sent[0]?.opts.replyTo).to.equal(101);
    expect(port.sent[0]?.text).to.equal('Queued: starting soon.');
    expect(decodeJobCallback(port.sent[0]?.opts.buttons?.[0]?.[0] && 'data' in port.sent[0].opts.buttons[0][0] ? port.sent[0].opts.buttons[0][0].data : '')).to.deep.equal({ op: 'cancel', jobId });

    await pool.process$.reached();
    expect(state(jobId)).to.equal('processing');
    // The user's name "../../clip.mp4" never became a path: the input is a generated name in the job dir.
    expect(files.downloads[0]?.destination).to.match(new RegExp(`/jobs/${jobId}/input-[0-9a-f]{16}\\.mp4$`));
    expect(pool.processed[0]?.input).to.equal(files.downloads[0]?.destination);

    recordJobProgress(db, jobId, 40); // as a worker would
    time.advance(3000);
    await runner.refreshStatuses();
    expect(lastEdit()?.text).to.equal('Processing… 40%');
    expect(lastEdit()?.buttons?.[0]?.[0]?.text).to.equal('Cancel');

    pool.process$.release();
    await runner.idle();
    expect(state(jobId)).to.equal('done');
    expect(files.uploads).to.have.length(1);
    expect(files.uploads[0]).to.include({ replyTo: 101 });
    expect(files.uploads[0]?.file.fileName).to.equal('clip-720p.mp4');
    expect(lastEdit()).to.deep.include({ text: 'Done.', buttons: [] });
    expect(existsSync(jobDir(jobId))).to.equal(false);
    expect(port.sent).to.have.length(1); // still one status message
  });

  it('answers Info with a text reply', async () => {
    const jobId = await accepted(submission(1, { request: { action: 'info' } }));
    await runner.idle();
    expect(state(jobId)).to.equal('done');
    expect(port.sent.map((s) => [s.text, s.opts.replyTo])).to.deep.equal([
      ['Queued: starting soon.', 101],
      ['Info of ../../clip.mp4', 101],
    ]);
  });

  it('shows the percent a main-thread download wrote to the jobs table', async () => {
    files.download$.held = true;
    const jobId = await accepted(submission(1));
    await files.download$.reached();
    expect(getJob(db, jobId)?.progress).to.equal(25); // the fake reported 1 of 4 bytes
    time.advance(3000);
    await runner.refreshStatuses();
    expect(lastEdit()).to.deep.include({ messageId: port.sent.length + 1000, text: 'Downloading… 25%' });
  });

  it('re-uses an Info answer as text', async () => {
    await accepted(submission(1, { request: { action: 'info' } }));
    await runner.idle();
    const again = await runner.submit(submission(2, { source: { kind: 'telegram', media: media('doc1') }, request: { action: 'info' } }));
    expect(again).to.deep.equal({ kind: 'reused' });
    expect(port.sent.at(-1)).to.deep.include({ text: 'Info of ../../clip.mp4' });
    expect(port.sent.at(-1)?.opts.replyTo).to.equal(102);
    expect(pool.processed).to.have.length(1);
  });

  it('downloads links through the pool, capped at the smaller size limit', async () => {
    const jobId = await accepted(submission(1, { source: { kind: 'link', url: 'https://example.com/v/a%20b.mp4' } }));
    await runner.idle();
    expect(state(jobId)).to.equal('done');
    expect(pool.fetched[0]).to.include({ url: 'https://example.com/v/a%20b.mp4', maxBytes: 1000, jobDir: jobDir(jobId) });
    // The link rules travel with the task to the worker.
    expect(pool.fetched[0]).to.deep.include({ allowedPorts: [8080], denyCidrs: ['203.0.113.0/24'], timeoutMs: 1000, deadlineSeconds: 90, minBytesPerSecond: 2048 });
    expect(pool.processed[0]?.inputName).to.equal('a b.mp4');
  });

  it('creates one job when the same update is submitted twice', async () => {
    files.download$.held = true;
    const first = await runner.submit(submission(1));
    const second = await runner.submit(submission(1));
    expect(first).to.deep.include({ kind: 'accepted', created: true });
    expect(second).to.deep.include({ kind: 'accepted', created: false });
    expect(second.kind === 'accepted' && first.kind === 'accepted' && second.jobId === first.jobId).to.equal(true);
    expect(jobsInStates(db, ['queued', 'downloading'])).to.have.length(1);
    expect(port.sent).to.have.length(1);
  });

  it('re-uses a stored result for the same input and action without downloading or processing again', async () => {
    await accepted(submission(1));
    await runner.idle();
    const downloads = files.downloads.length;
    const processed = pool.processed.length;

    const again = await runner.submit(submission(2, { source: { kind: 'telegram', media: media('doc1') } }));
    expect(again).to.deep.equal({ kind: 'reused' });
    expect(files.storedSends).to.deep.equal([{ stored: { type: 'document', id: 'doc-clip-720p.mp4', accessHash: '5', fileReference: 'AA==' }, replyTo: 102 }]);
    expect(files.downloads).to.have.length(downloads);
    expect(pool.processed).to.have.length(processed);

    // Another option is another result: that one is made.
    const other = await runner.submit(submission(3, { source: { kind: 'telegram', media: media('doc1') }, request: { action: 'compress', option: '480p' } }));
    expect(other.kind).to.equal('accepted');
  });

  it('keeps per-user limits and lets a second user in while the first has a long queue', async () => {
    config.jobs.perUserInFlight = 1;
    config.jobs.perUserQueued = 2;
    await runner.stop();
    runner = newRunner();
    await runner.start();
    files.download$.held = true;

    const a1 = await accepted(submission(1));
    const a2 = await accepted(submission(2));
    const a3 = await accepted(submission(3));
    const refused = await runner.submit(submission(4));
    const b1 = await accepted(submission(5, { userId: '43' }));

    expect(refused).to.deep.include({ kind: 'refused', reason: 'QUEUE_FULL' });
    await files.download$.reached(2);
    expect([a1, a2, a3, b1].map(state)).to.deep.equal(['downloading', 'queued', 'queued', 'downloading']);
    expect(port.sent.find((s) => s.opts.replyTo === 103)?.text).to.equal('Queued: 1 of your jobs ahead of this one.');

    files.download$.release();
    await runner.idle();
    expect([a1, a2, a3, b1].map(state)).to.deep.equal(['done', 'done', 'done', 'done']);
  });

  for (const phase of ['downloading', 'processing', 'uploading'] as const) {
    it(`cancels a job while ${phase}: the port call is aborted, the job ends cancelled, its directory is gone`, async () => {
      const step = { downloading: files.download$, processing: pool.process$, uploading: files.upload$ }[phase];
      step.held = true;
      const jobId = await accepted(submission(1));
      await step.reached();
      expect(state(jobId)).to.equal(phase);
      expect(existsSync(jobDir(jobId))).to.equal(true);

      expect(await runner.cancel(jobId, '99')).to.deep.include({ ok: false });
      expect(step.aborted).to.equal(0);
      const answer = await runner.cancel(jobId, '42');

      expect(answer).to.deep.include({ ok: true });
      expect(step.aborted).to.equal(1);
      expect(state(jobId)).to.equal('cancelled');
      expect(existsSync(jobDir(jobId))).to.equal(false);
      expect(lastEdit()).to.deep.include({ text: 'Cancelled.', buttons: [] });
      await runner.idle();
      expect(state(jobId)).to.equal('cancelled');
    });
  }

  it("speaks the language of the job's user: status, Cancel button and answers; a stranger is answered in theirs", async () => {
    files.download$.held = true;
    const jobId = await accepted(submission(1, { lang: 'ru' }));
    await files.download$.reached();
    expect(port.sent[0]?.text).to.equal('В очереди: скоро начну.');
    expect(port.sent[0]?.opts.buttons?.[0]?.[0]?.text).to.equal('Отмена');
    recordJobProgress(db, jobId, 40);
    time.advance(3000);
    await runner.refreshStatuses();
    expect(lastEdit()).to.deep.include({ text: 'Скачивание… 40%' });
    expect(await runner.cancel(jobId, '99', 'fa')).to.deep.equal({ ok: false, text: 'فقط کسی که این کار را شروع کرده می‌تواند آن را تغییر دهد.' });
    expect(await runner.cancel('gone', '42', 'fa')).to.deep.equal({ ok: false, text: 'این کار دیگر وجود ندارد.' });
    expect(await runner.cancel(jobId, '42', 'en')).to.deep.equal({ ok: true, text: 'Отменено.' });
    expect(lastEdit()).to.deep.include({ text: 'Отменено.', buttons: [] });
  });

  it('cancels a queued job before it starts', async () => {
    config.jobs.perUserInFlight = 1;
    await runner.stop();
    runner = newRunner();
    await runner.start();
    files.download$.held = true;
    await accepted(submission(1));
    const second = await accepted(submission(2));
    expect((await runner.cancel(second, '42')).ok).to.equal(true);
    expect(state(second)).to.equal('cancelled');
    files.download$.release();
    await runner.idle();
    expect(files.downloads).to.have.length(1);
  });

  it('tells the user why a job failed, offers Retry, and the retry works', async () => {
    pool.failWith = new Error('worker crashed');
    const jobId = await accepted(submission(1));
    await runner.idle();

    expect(getJob(db, jobId)).to.deep.include({ state: 'failed' });
    expect(getJob(db, jobId)?.failure?.reason).to.equal('INTERNAL');
    expect(lastEdit()?.text).to.equal('Failed. Something went wrong on my side.');
    const button = lastEdit()?.buttons?.[0]?.[0];
    expect(button?.text).to.equal('Retry');
    expect(existsSync(jobDir(jobId))).to.equal(false);

    pool.failWith = null;
    const retry = decodeJobCallback(button && 'data' in button ? button.data : '');
    expect(await runner.retry(retry.jobId, '42')).to.deep.include({ ok: true });
    await runner.idle();
    expect(getJob(db, jobId)).to.deep.include({ state: 'done', attempts: 2 });
    expect(files.uploads).to.have.length(1);
  });

  it('a Retry pressed while the failed job is still being torn down runs the job again (not a queued job no one starts)', async () => {
    pool.failWith = new Error('worker crashed');
    // The final "Failed" edit is still on its way when the user presses Retry under it.
    port.holdEdits((text) => text.startsWith('Failed.'));
    const jobId = await accepted(submission(1));
    await until(() => port.heldEdits() === 1, 'the final status edit is under way');
    expect(state(jobId)).to.equal('failed');

    pool.failWith = null;
    const pressed = runner.retry(jobId, '42');
    port.releaseEdits();
    expect(await pressed).to.deep.include({ ok: true });
    await runner.idle();
    expect(getJob(db, jobId)).to.deep.include({ state: 'done', attempts: 2 });
    expect(files.uploads).to.have.length(1);
    expect(lastEdit()).to.deep.include({ text: 'Done.', buttons: [] });
  });

  it('a second Retry pressed while the retried job runs is answered at once', async () => {
    pool.failWith = new Error('worker crashed');
    const jobId = await accepted(submission(1));
    await runner.idle();
    pool.failWith = null;
    files.download$.held = true;
    expect(await runner.retry(jobId, '42')).to.deep.include({ ok: true });
    await files.download$.reached(2);

    let answer: { ok: boolean } | undefined;
    void runner.retry(jobId, '42').then((a) => (answer = a));
    await until(() => answer !== undefined, 'the second press is answered while the job still downloads');
    expect(answer).to.deep.include({ ok: false });
  });

  it('refuses a playlist disguised as a video, in plain words and without Retry', async () => {
    files.downloadContent = Buffer.from('#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n');
    const jobId = await accepted(submission(1));
    await runner.idle();
    expect(getJob(db, jobId)?.failure?.reason).to.equal('UNSUPPORTED_MEDIA');
    expect(pool.processed).to.have.length(0);
    expect(lastEdit()).to.deep.include({ text: 'Failed. This file is not a media file I can work with.', buttons: [] });
    expect(await runner.retry(jobId, '42')).to.deep.include({ ok: false });
  });

  it('stops a job that runs past its wall-clock limit', async () => {
    pool.process$.held = true;
    const jobId = await accepted(submission(1, { lang: 'ru' }));
    await pool.process$.reached();
    time.advance(600_000);
    await runner.idle();
    expect(getJob(db, jobId)?.failure?.reason).to.equal('TIMEOUT');
    expect(pool.process$.aborted).to.equal(1);
    expect(lastEdit()?.text).to.equal('Не получилось. Задача выполнялась слишком долго и была остановлена.');
    expect(lastEdit()?.buttons?.[0]?.[0]?.text).to.equal('Повторить');
  });

  it('edits the status at most once per interval, and only when the text changed', async () => {
    pool.process$.held = true;
    const jobId = await accepted(submission(1));
    await pool.process$.reached();
    const editsAt = () => port.edits.length;

    time.advance(3000);
    await runner.refreshStatuses();
    expect(lastEdit()?.text).to.equal('Processing… 0%');
    const afterFirst = editsAt();

    recordJobProgress(db, jobId, 10);
    await runner.refreshStatuses();
    time.advance(2999);
    await runner.refreshStatuses();
    expect(editsAt()).to.equal(afterFirst);

    time.advance(1);
    await runner.refreshStatuses();
    expect(editsAt()).to.equal(afterFirst + 1);
    expect(lastEdit()?.text).to.equal('Processing… 10%');

    time.advance(10_000);
    await runner.refreshStatuses();
    expect(editsAt()).to.equal(afterFirst + 1);
  });

  describe('refusals', () => {
    const cases: [string, () => SubmitInput, string][] = [
      ['a file over the size limit', () => submission(1, { source: { kind: 'telegram', media: media('d', { sizeBytes: 1001 }) } }), 'FILE_TOO_BIG'],
      ['media over the duration limit', () => submission(1, { source: { kind: 'telegram', media: media('d', { durationSeconds: 61 }) } }), 'DURATION_TOO_LONG'],
      ['too little free disk', () => ((freeDisk = 999), submission(1)), 'DISK_FULL'],
    ];
    for (const [what, input, reason] of cases) {
      it(`refuses ${what} politely and queues nothing`, async () => {
        const result = await runner.submit(input());
        expect(result).to.deep.include({ kind: 'refused', reason });
        expect(port.sent).to.have.length(1);
        expect(port.sent[0]?.text).to.match(/^Sorry, I can't take this job\. /);
        expect(port.sent[0]?.opts.replyTo).to.equal(101);
        expect(jobsInStates(db, ['queued', 'downloading', 'processing', 'uploading', 'done', 'failed', 'cancelled'])).to.deep.equal([]);
        expect(files.downloads).to.have.length(0);
      });
    }
  });

  describe('after a restart', () => {
    /** Puts a job straight into `events`' state, as a crashed Courier would have left it. */
    function jobLeftIn(n: number, events: JobEvent['type'][], data: Parameters<typeof saveTransition>[3] = {}): JobRecord {
      let job: Job = createJob(db, { ...submission(n), id: `job${n}`, inputKey: `tg:document:doc${n}`, maxAttempts: 3 }, time.now).job;
      for (const type of events) {
        const next = transition(job, { type } as JobEvent);
        if ('kind' in next) throw new Error(next.message);
        job = next;
      }
      return saveTransition(db, job, time.now, data);
    }

    it('resumes jobs left downloading, processing and uploading, each from where it was', async () => {
      await runner.stop();
      config.jobs.poolSize = 3;
      config.jobs.perUserInFlight = 3;
      const dir2 = jobDir('job2');
      const dir3 = jobDir('job3');
      mkdirSync(dir2, { recursive: true });
      mkdirSync(dir3, { recursive: true });
      writeFileSync(join(dir2, 'input-x.mp4'), MEDIA_BYTES);
      writeFileSync(join(dir3, 'output.mp4'), MEDIA_BYTES);
      jobLeftIn(1, ['start']);
      jobLeftIn(2, ['start', 'downloaded'], { inputPath: join(dir2, 'input-x.mp4') });
      jobLeftIn(3, ['start', 'downloaded', 'processed'], {
        inputPath: join(dir3, 'input-x.mp4'),
        outcome: { kind: 'file', file: { path: join(dir3, 'output.mp4'), fileName: 'r.mp4', mimeType: 'video/mp4', sendAs: 'video', sizeBytes: 20 } },
      });
      setUploadFileId(db, 'job3', 'file-1', time.now);
      addConfirmedPart(db, 'job3', 'file-1', 0);
      files.confirmBeforeWait = { fileId: 'file-1', parts: [0, 1, 2, 3] };

      runner = newRunner();
      await runner.start();
      await runner.idle();

      expect(['job1', 'job2', 'job3'].map(state)).to.deep.equal(['done', 'done', 'done']);
      expect(files.downloads.map((d) => d.media.location.id)).to.deep.equal(['doc1']);
      expect(pool.processed.map((p) => p.input)).to.have.members([files.downloads[0]?.destination, join(dir2, 'input-x.mp4')]);
      const resumedUpload = files.uploads.find((u) => u.file.fileName === 'r.mp4');
      expect(resumedUpload).to.deep.include({ fileId: 'file-1', confirmedParts: [0] });
      expect(getJob(db, 'job1')?.attempts).to.equal(1); // resumed, not restarted
    });

    it('leaves a job interrupted by stop() in its stage and continues its upload at the next start', async () => {
      files.upload$.held = true;
      const jobId = await accepted(submission(1));
      await files.upload$.reached();
      await runner.stop();
      expect(state(jobId)).to.equal('uploading');
      expect(files.upload$.aborted).to.equal(1);
      expect(existsSync(jobDir(jobId))).to.equal(true);

      files.upload$.release();
      runner = newRunner();
      await runner.start();
      await runner.idle();
      expect(state(jobId)).to.equal('done');
      expect(files.uploads.at(-1)).to.deep.include({ fileId: 'file-1', confirmedParts: [0, 1] });
      expect(pool.processed).to.have.length(1); // processing was not redone
    });

    it('a result Telegram delivered just before a crash is sent again under the same random_id, and the user has it once', async () => {
      files.delivered$.held = true;
      const jobId = await accepted(submission(1));
      await files.delivered$.reached();
      expect(files.delivered).to.have.length(1);
      // Courier dies before it hears that the message went out: the job is still uploading.
      await runner.stop();
      expect(state(jobId)).to.equal('uploading');

      files.delivered$.release();
      runner = newRunner();
      await runner.start();
      await runner.idle();

      expect(state(jobId)).to.equal('done');
      expect(files.uploads).to.have.length(2);
      expect(files.uploads[1]?.randomId).to.equal(files.uploads[0]?.randomId);
      expect(files.delivered).to.deep.equal([{ randomId: files.uploads[0]?.randomId, fileName: 'clip-720p.mp4', replyTo: 101 }]);
      expect(lastEdit()).to.deep.include({ text: 'Done.', buttons: [] });
    });

    it('sweeps directories of no unfinished job and keeps the ones in use', async () => {
      await runner.stop();
      files.download$.held = true;
      jobLeftIn(1, ['start']);
      const done = jobLeftIn(2, ['start', 'downloaded', 'processed', 'uploaded']);
      for (const name of ['job1', done.id, 'orphan']) {
        mkdirSync(jobDir(name), { recursive: true });
        writeFileSync(join(jobDir(name), 'input-1'), MEDIA_BYTES);
      }

      runner = newRunner();
      await runner.start();
      expect(existsSync(jobDir('orphan'))).to.equal(false);
      expect(existsSync(jobDir(done.id))).to.equal(false);
      expect(existsSync(jobDir('job1'))).to.equal(true);
      await until(() => files.download$.calls === 1, 'the resumed download starts');
    });
  });
});
