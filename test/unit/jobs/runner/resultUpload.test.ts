/**
 * A result over Telegram's per-file limit, sent in parts through the upload stage with the SQLite
 * journal the service uses: parts in order with "Part i of N" captions and their own random_ids,
 * a crash in the middle of part 2 resumed without sending part 1 again and with part 2's
 * confirmed upload parts, and the up-front count for the status.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaRef } from '../../../../src/domain/media.js';
import type { ProcessOutcome, ResultFile, TelegramFiles, UploadResume } from '../../../../src/domain/mediaPorts.js';
import { JOB_MESSAGES } from '../../../../src/jobs/jobIdentity.js';
import { uploadResult, type StageContext, type StageJob } from '../../../../src/jobs/runner/jobStages.js';
import { expectedParts, withByteParts } from '../../../../src/jobs/runner/resultUpload.js';
import { statusText } from '../../../../src/jobs/runner/statusMessages.js';
import type { JobMessenger } from '../../../../src/jobs/runner/runnerTypes.js';
import { openDatabase, type Database } from '../../../../src/storage/index.js';
import { recordExpectedBytes } from '../../../../src/storage/jobProgress.js';
import {
  addConfirmedPart,
  confirmedParts,
  createJob,
  getJob,
  markResultPartSent,
  saveTransition,
  sentResultParts,
  setUploadFileId,
} from '../../../../src/storage/jobRepository.js';
import { texts } from '../../../../src/texts/index.js';

const MiB = 1024 * 1024;
const media: MediaRef = {
  kind: 'document',
  location: { type: 'document', id: '77', accessHash: '1', fileReference: 'AQID', dcId: 2 },
  sizeBytes: 25 * MiB,
  mimeType: 'application/zip',
  fileName: 'backup.zip',
};
const whole: ResultFile = { path: '/tmp/job/input-x.zip', fileName: 'backup.zip', mimeType: 'application/octet-stream', sendAs: 'document', sizeBytes: 25 * MiB };

interface SentPart {
  name: string;
  range: ResultFile['byteRange'];
  caption: string | undefined;
  randomId: bigint;
  resumedFrom: { fileId?: string; confirmedParts?: readonly number[] };
}

describe('results over the per-file limit, sent in parts', () => {
  let dir: string;
  let db: Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-parts-'));
    db = openDatabase(join(dir, 'courier.db'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A job in 'uploading' with `outcome` stored, as the runner leaves it after processing. */
  function uploadingJob(outcome: ProcessOutcome): StageJob {
    const { job } = createJob(
      db,
      { id: 'j1', originKey: 'cbq:1', userId: '42', chat: { kind: 'user', id: '42', accessHash: '9' }, sourceMessageId: 7, source: { kind: 'telegram', media }, inputKey: 'tg:document:77', request: { action: 'sendAsFile' }, lang: 'ru', maxAttempts: 3 },
      0,
    );
    const uploading = saveTransition(db, { ...job, state: 'uploading' }, 1, { outcome, uploadFileId: null });
    return uploading;
  }

  /** A fake Telegram that confirms upload parts through the resume journal and can crash on a chosen part. */
  function files(sent: SentPart[], crashAt?: { name: string; afterUploadParts: number }): TelegramFiles {
    return {
      download: async () => undefined,
      sendStored: async () => ({ messageId: 1, duplicate: false }),
      sendFile: async (_chat, file, opts) => {
        const resume: UploadResume = opts.resume;
        sent.push({ name: file.fileName, range: file.byteRange, caption: opts.caption, randomId: opts.randomId, resumedFrom: { ...(resume.fileId ? { fileId: resume.fileId } : {}), ...(resume.confirmedParts ? { confirmedParts: resume.confirmedParts } : {}) } });
        const fileId = resume.fileId ?? `file-${sent.length}`;
        const total = Math.ceil(file.sizeBytes / (512 * 1024));
        for (let part = 0; part < total; part++) {
          if (resume.confirmedParts?.includes(part)) continue;
          if (crashAt?.name === file.fileName && part === crashAt.afterUploadParts) throw new Error('kill -9');
          await resume.onPartConfirmed({ fileId, part, totalParts: total });
        }
        return { messageId: 100 + sent.length, duplicate: false, stored: null };
      },
    };
  }

  function ctx(telegram: TelegramFiles): StageContext {
    return {
      botPort: {} as JobMessenger,
      files: telegram,
      pool: {} as StageContext['pool'],
      config: { jobs: { minFreeDiskBytes: 0 }, paths: { temp: dir } } as unknown as StageContext['config'],
      now: () => 5,
      signal: new AbortController().signal,
      deadline: 60_000,
      freeDiskBytes: async () => 1e12,
      progress: () => undefined,
      uploads: {
        confirmedParts: (jobId, fileId) => confirmedParts(db, jobId, fileId),
        setFileId: (jobId, fileId) => setUploadFileId(db, jobId, fileId, 5),
        addPart: (jobId, fileId, part) => addConfirmedPart(db, jobId, fileId, part),
        sentParts: (jobId) => sentResultParts(db, jobId),
        partSent: (jobId, part, messageId) => markResultPartSent(db, jobId, part, messageId, 5),
      },
    };
  }

  it('plans byte parts only for a file over the limit that processing did not cut', () => {
    const split = withByteParts({ kind: 'file', file: whole }, 10 * MiB);
    if (split.kind !== 'file') throw new Error('a file stays a file');
    expect(split.parts?.map((p) => [p.fileName, p.byteRange, p.path])).to.deep.equal([
      ['backup.zip.001', { start: 0, end: 8.5 * MiB }, whole.path],
      ['backup.zip.002', { start: 8.5 * MiB, end: 17 * MiB }, whole.path],
      ['backup.zip.003', { start: 17 * MiB, end: 25 * MiB }, whole.path],
    ]);
    expect(withByteParts({ kind: 'file', file: whole }, 25 * MiB)).to.deep.equal({ kind: 'file', file: whole });
    const video = { kind: 'file' as const, file: { ...whole, sendAs: 'video' as const }, parts: [whole, whole] };
    expect(withByteParts(video, 10 * MiB)).to.equal(video);
  });

  it('knows the count up front for Send as file of a Telegram file over the limit, and says it in the status', () => {
    const before = { outcome: null, request: { action: 'sendAsFile' as const }, source: { kind: 'telegram' as const, media } };
    expect(expectedParts(before, 10 * MiB)).to.equal(3);
    expect(expectedParts(before, 25 * MiB)).to.equal(null);
    expect(expectedParts({ ...before, request: { action: 'compress' } }, 10 * MiB)).to.equal(null);
    // A link: unknown until its server announced a size, which the downloading worker records.
    const link = { outcome: null, request: { action: 'sendAsFile' as const }, source: { kind: 'link' as const, url: 'https://example.org/big.bin' } };
    expect(expectedParts(link, 10 * MiB)).to.equal(null);
    uploadingJob({ kind: 'file', file: whole });
    recordExpectedBytes(db, 'j1', 21 * MiB);
    expect(expectedParts({ ...link, expectedBytes: getJob(db, 'j1')!.expectedBytes }, 10 * MiB)).to.equal(3);
    expect(statusText(texts.en, { state: 'queued', progress: 0, failure: null }, 0, { count: 3, limitBytes: 10 * MiB })).to.equal(
      "Queued: starting soon.\nThe result is larger than Telegram's 10 MB per file, so it comes in 3 parts.",
    );
  });

  it('sends every part in order with its caption and own random_id, then records them all', async () => {
    const outcome = withByteParts({ kind: 'file', file: whole }, 10 * MiB);
    const job = uploadingJob(outcome);
    const sent: SentPart[] = [];
    expect(await uploadResult(ctx(files(sent)), job)).to.equal(null);
    expect(sent.map((s) => s.name)).to.deep.equal(['backup.zip.001', 'backup.zip.002', 'backup.zip.003']);
    expect(sent[0]!.caption).to.equal('Часть 1 из 3\nЧтобы собрать части: cat backup.zip.0* > backup.zip (Linux, macOS) или copy /b backup.zip.001+backup.zip.002+backup.zip.003 backup.zip (Windows)');
    expect(sent.map((s) => s.randomId)).to.deep.equal([0, 1, 2].map((i) => JOB_MESSAGES.resultPart('j1', i)));
    expect(new Set(sent.map((s) => s.randomId)).size).to.equal(3);
    expect(sentResultParts(db, 'j1')).to.deep.equal([0, 1, 2]);
    expect(getJob(db, 'j1')!.uploadFileId).to.equal(null);
  });

  it('after a crash in part 2, sends neither part 1 again nor the upload parts part 2 had confirmed', async () => {
    const outcome = withByteParts({ kind: 'file', file: whole }, 10 * MiB);
    const firstRun: SentPart[] = [];
    const crashed = await uploadResult(ctx(files(firstRun, { name: 'backup.zip.002', afterUploadParts: 5 })), uploadingJob(outcome)).catch((e: unknown) => e);
    expect(crashed).to.be.instanceOf(Error).with.property('message', 'kill -9');
    expect(sentResultParts(db, 'j1')).to.deep.equal([0]);
    const stored = getJob(db, 'j1')!;
    expect(stored.uploadFileId).to.equal('file-2');

    const secondRun: SentPart[] = [];
    await uploadResult(ctx(files(secondRun)), stored);
    expect(secondRun.map((s) => s.name)).to.deep.equal(['backup.zip.002', 'backup.zip.003']);
    expect(secondRun[0]!.resumedFrom).to.deep.equal({ fileId: 'file-2', confirmedParts: [0, 1, 2, 3, 4] });
    expect(secondRun[0]!.randomId).to.equal(JOB_MESSAGES.resultPart('j1', 1));
    expect(secondRun[1]!.resumedFrom, 'the next part starts a fresh upload').to.deep.equal({});
    expect(sentResultParts(db, 'j1')).to.deep.equal([0, 1, 2]);
  });

  it('a new outcome (a retry that processed again) starts with no parts sent', () => {
    uploadingJob({ kind: 'file', file: whole });
    markResultPartSent(db, 'j1', 0, 5, 5);
    saveTransition(db, getJob(db, 'j1')!, 6, { outcome: null });
    expect(sentResultParts(db, 'j1')).to.deep.equal([]);
  });
});
