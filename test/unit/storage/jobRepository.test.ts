import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaRef } from '../../../src/domain/media.js';
import { transition } from '../../../src/jobs/stateMachine.js';
import { type Job } from '../../../src/domain/job.js';
import { openDatabase, type Database } from '../../../src/storage/index.js';
import {
  addConfirmedPart,
  confirmedParts,
  createJob,
  findOffer,
  findReusable,
  getJob,
  JobRowError,
  jobsInStates,
  saveOffer,
  saveTransition,
  setStatusMessage,
  setUploadFileId,
  type NewJob,
} from '../../../src/storage/jobRepository.js';

const media: MediaRef = {
  kind: 'video',
  location: { type: 'document', id: '5001', accessHash: '-77', fileReference: 'AQID', dcId: 2 },
  sizeBytes: 1234,
  mimeType: 'video/mp4',
  fileName: 'clip.mp4',
  durationSeconds: 12,
};

function newJob(id: string, originKey: string, option?: string): NewJob {
  return {
    id,
    originKey,
    userId: '42',
    chat: { kind: 'user', id: '42', accessHash: '9' },
    sourceMessageId: 7,
    source: { kind: 'telegram', media },
    inputKey: 'tg:document:5001',
    request: option === undefined ? { action: 'info' } : { action: 'compress', option },
    lang: 'en',
    maxAttempts: 3,
  };
}

function step(job: Job, type: 'start' | 'downloaded' | 'processed' | 'uploaded'): Job {
  const next = transition(job, { type });
  if ('kind' in next) throw new Error(next.message);
  return next;
}

describe('jobRepository', () => {
  let dir: string;
  let db: Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-jobs-'));
    db = openDatabase(join(dir, 'courier.db'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a job once per origin key and returns the first one when the same update comes again', () => {
    const first = createJob(db, newJob('a1', 'cbq:1'), 1000);
    const again = createJob(db, newJob('b2', 'cbq:1'), 2000);
    expect(first.created).to.equal(true);
    expect(again.created).to.equal(false);
    expect(again.job.id).to.equal('a1');
    expect(again.job.createdAt).to.equal(1000);
    expect(jobsInStates(db, ['queued']).map((j) => j.id)).to.deep.equal(['a1']);
  });

  it('reads back what it stored, typed', () => {
    createJob(db, newJob('a1', 'cbq:1', '720p'), 1000);
    setStatusMessage(db, 'a1', 99, 1100);
    const job = getJob(db, 'a1');
    expect(job).to.include({ id: 'a1', userId: '42', state: 'queued', statusMessageId: 99, lang: 'en', sourceMessageId: 7, maxAttempts: 3 });
    expect(job?.request).to.deep.equal({ action: 'compress', option: '720p' });
    expect(job?.source).to.deep.equal({ kind: 'telegram', media });
    expect(job?.chat).to.deep.equal({ kind: 'user', id: '42', accessHash: '9' });
  });

  it('persists each transition together with the data the next stage needs', () => {
    const { job } = createJob(db, newJob('a1', 'cbq:1'), 1000);
    let saved = saveTransition(db, step(job, 'start'), 1100, { inputPath: null });
    expect(saved).to.include({ state: 'downloading', attempts: 1, updatedAt: 1100, inputPath: null });
    saved = saveTransition(db, step(saved, 'downloaded'), 1200, { inputPath: '/tmp/jobs/a1/input-x.mp4' });
    saved = saveTransition(db, step(saved, 'processed'), 1300, { outcome: { kind: 'text', text: 'Duration 12 s' } });
    expect(getJob(db, 'a1')).to.include({ state: 'uploading', inputPath: '/tmp/jobs/a1/input-x.mp4' });
    expect(getJob(db, 'a1')?.outcome).to.deep.equal({ kind: 'text', text: 'Duration 12 s' });
    saveTransition(db, step(saved, 'uploaded'), 1400, { result: { kind: 'text', text: 'Duration 12 s' } });
    expect(getJob(db, 'a1')).to.include({ state: 'done', progress: 100 });
  });

  it('keeps confirmed upload parts per file id, and drops them when the upload starts over', () => {
    createJob(db, newJob('a1', 'cbq:1'), 1000);
    setUploadFileId(db, 'a1', 'f1', 1100);
    for (const part of [2, 0, 1, 1]) addConfirmedPart(db, 'a1', 'f1', part);
    expect(getJob(db, 'a1')?.uploadFileId).to.equal('f1');
    expect(confirmedParts(db, 'a1', 'f1')).to.deep.equal([0, 1, 2]);
    // A new file id (Telegram forgot the old parts): the old ones are of no use any more.
    setUploadFileId(db, 'a1', 'f2', 1200);
    expect(confirmedParts(db, 'a1', 'f1')).to.deep.equal([]);
    addConfirmedPart(db, 'a1', 'f2', 0);
    const job = getJob(db, 'a1');
    if (!job) throw new Error('job missing');
    saveTransition(db, job, 1300, { uploadFileId: null });
    expect(confirmedParts(db, 'a1', 'f2')).to.deep.equal([]);
  });

  it('finds the stored result of a done job with the same input, action and option', () => {
    const stored = { type: 'document' as const, id: '77', accessHash: '1', fileReference: 'AA==' };
    const file = { fileName: 'clip.mp4', mimeType: 'video/mp4', sendAs: 'video' as const, sizeBytes: 500 };
    let job: Job = createJob(db, newJob('a1', 'cbq:1', '720p'), 1000).job;
    for (const type of ['start', 'downloaded', 'processed'] as const) job = saveTransition(db, step(job, type), 1100);
    expect(findReusable(db, 'tg:document:5001', 'compress', '720p')).to.equal(null);
    saveTransition(db, step(job, 'uploaded'), 1200, { result: { kind: 'file', stored, file } });
    expect(findReusable(db, 'tg:document:5001', 'compress', '720p')).to.deep.equal({ kind: 'file', stored, file });
    expect(findReusable(db, 'tg:document:5001', 'compress', '480p')).to.equal(null);
    expect(findReusable(db, 'tg:document:5002', 'compress', '720p')).to.equal(null);

    let info: Job = createJob(db, newJob('b1', 'cbq:2'), 1000).job;
    for (const type of ['start', 'downloaded', 'processed'] as const) info = saveTransition(db, step(info, type), 1100);
    saveTransition(db, step(info, 'uploaded'), 1200, { result: { kind: 'text', text: 'Duration 12 s' } });
    expect(findReusable(db, 'tg:document:5001', 'info', undefined)).to.deep.equal({ kind: 'text', text: 'Duration 12 s' });
    // Info's text is in its job's language (en here): a Russian request gets its own; a file serves any language.
    expect(findReusable(db, 'tg:document:5001', 'info', undefined, { lang: 'en' })).to.deep.equal({ kind: 'text', text: 'Duration 12 s' });
    expect(findReusable(db, 'tg:document:5001', 'info', undefined, { lang: 'ru' })).to.equal(null);
    expect(findReusable(db, 'tg:document:5001', 'compress', '720p', { lang: 'ru' })).to.deep.equal({ kind: 'file', stored, file });
  });

  it('stores media offers once per id', () => {
    const offer = { id: 'o1', userId: '42', chat: { kind: 'user' as const, id: '42' }, sourceMessageId: 5, source: { kind: 'link' as const, url: 'https://example.com/a.mp4' }, lang: 'fa', createdAt: 10 };
    saveOffer(db, offer);
    saveOffer(db, { ...offer, lang: 'ru', createdAt: 20 });
    expect(findOffer(db, 'o1')).to.deep.equal(offer);
    expect(findOffer(db, 'o2')).to.equal(undefined);
  });

  it('refuses a row whose JSON does not have the expected shape, naming the row', () => {
    createJob(db, newJob('a1', 'cbq:1'), 1000);
    db.prepare("UPDATE jobs SET source = '{\"kind\":\"ftp\"}' WHERE id = 'a1'").run();
    expect(() => getJob(db, 'a1')).to.throw(JobRowError, /a1.*source/);
  });
});
