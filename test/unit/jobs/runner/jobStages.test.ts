import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobError } from '../../../../src/domain/jobError.js';
import type { MediaPool, TelegramFiles } from '../../../../src/domain/mediaPorts.js';
import { downloadInput, processInput, uploadResult, type StageContext } from '../../../../src/jobs/runner/jobStages.js';
import type { JobMessenger } from '../../../../src/jobs/runner/runnerTypes.js';
import type { JobRecord } from '../../../../src/storage/jobRepository.js';

const MiB = 1024 * 1024;

/**
 * A disk that fills while the job waits: the free-disk function is injected, and every port
 * records whether it was reached (none should be, once the disk is too full).
 */
describe('job stages check free disk before each stage', () => {
  let dir: string;
  let free: number;
  let reached: string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'courier-stages-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    reached = [];
  });

  const ctx = (): StageContext => ({
    botPort: { sendText: async () => void reached.push('sendText') } as unknown as JobMessenger,
    files: {
      download: async () => void reached.push('download'),
      sendFile: async () => (reached.push('sendFile'), { stored: null }),
    } as unknown as TelegramFiles,
    pool: {
      process: async () => (reached.push('process'), { kind: 'text', text: 'info' }),
      fetchLink: async () => (reached.push('fetchLink'), { path: join(dir, 'x'), bytes: 1, contentType: null, suggestedName: null }),
    } as unknown as MediaPool,
    config: {
      jobs: { minFreeDiskBytes: 100 * MiB, maxDurationSeconds: 600, maxFileBytes: 2 ** 31 },
      links: { maxBytes: 2 ** 31, allowLoopback: false, timeoutMs: 1000, maxRedirects: 1 },
      paths: { temp: dir },
    } as unknown as StageContext['config'],
    now: () => 0,
    signal: new AbortController().signal,
    deadline: 60_000,
    freeDiskBytes: async () => free,
    progress: () => undefined,
    uploads: { confirmedParts: () => [], setFileId: () => undefined, addPart: () => undefined, sentParts: () => [], partSent: () => undefined },
  });

  const job = (over: Partial<JobRecord>): JobRecord =>
    ({
      id: 'job-1',
      chat: { kind: 'user', id: '1' },
      sourceMessageId: 7,
      source: { kind: 'telegram', media: { kind: 'video', fileName: 'clip.mp4', sizeBytes: 50 * MiB, mimeType: 'video/mp4', location: { type: 'document', id: '1' } } },
      request: { action: 'compress', option: '480p' },
      inputPath: null,
      outcome: null,
      uploadFileId: null,
      ...over,
    }) as unknown as JobRecord;

  async function failure(work: Promise<unknown>): Promise<JobError> {
    const error = await work.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(JobError);
    return error as JobError;
  }

  it('a download that would leave less than jobs.minFreeDiskBytes is DISK_FULL before a byte is fetched', async () => {
    free = 120 * MiB; // 50 MiB download + 100 MiB floor do not fit
    const error = await failure(downloadInput(ctx(), job({}), dir));
    expect(error.reason).to.equal('DISK_FULL');
    expect(error.retryable).to.equal(true);
    expect(error.message).to.contain('download stage').and.contain('jobs.minFreeDiskBytes');
    expect(reached).to.deep.equal([]);

    free = 200 * MiB;
    await downloadInput(ctx(), job({}), dir);
    expect(reached).to.deep.equal(['download']);
  });

  it('a link download needs the floor free too', async () => {
    free = 10 * MiB;
    const error = await failure(downloadInput(ctx(), job({ source: { kind: 'link', url: 'https://example.com/a.mp4' } } as Partial<JobRecord>), dir));
    expect(error.reason).to.equal('DISK_FULL');
    expect(reached).to.deep.equal([]);
  });

  it('processing that writes a result needs room for about the input again; Info does not', async () => {
    const input = join(dir, 'input-abc.mp4');
    await writeFile(input, Buffer.alloc(MiB));
    free = 100 * MiB + MiB / 2;
    const error = await failure(processInput(ctx(), job({ inputPath: input }), dir));
    expect(error.reason).to.equal('DISK_FULL');
    expect(error.message).to.contain('process stage');
    expect(reached).to.deep.equal([]);

    await processInput(ctx(), job({ inputPath: input, request: { action: 'info' } }), dir);
    expect(reached).to.deep.equal(['process']);
  });

  it('hands the job’s language to the pool, so the Info answer is in the user’s words', async () => {
    free = 10_000 * MiB;
    const input = join(dir, 'info-input.mp4');
    await writeFile(input, Buffer.alloc(1024));
    const tasks: unknown[] = [];
    const c = { ...ctx(), pool: { process: async (task: unknown) => (tasks.push(task), { kind: 'text', text: 'info' }) } as unknown as MediaPool };
    await processInput(c, job({ request: { action: 'info' }, inputPath: input, lang: 'ru' }), dir);
    expect(tasks).to.have.length(1);
    expect(tasks[0]).to.include({ lang: 'ru' });
  });

  it('the upload stage is refused while the disk is below the floor', async () => {
    free = 99 * MiB;
    const error = await failure(uploadResult(ctx(), job({ outcome: { kind: 'text', text: 'Duration: 0:03' } })));
    expect(error.reason).to.equal('DISK_FULL');
    expect(error.message).to.contain('upload stage');
    expect(reached).to.deep.equal([]);
  });
});
