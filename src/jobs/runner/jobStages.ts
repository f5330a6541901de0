/**
 * The I/O of each stage of a job: download (Telegram or link) into the job's directory, process
 * in the pool, upload the outcome as a reply. The backend that calls them (the local one in the
 * service, or a queue worker on another machine: src/jobs/backends/) persists or reports the
 * transition after each stage returns; these functions only do the work and report progress.
 *
 * They touch no database: a transfer's percent goes to `ctx.progress` (the jobs table in the
 * service, the queue's job progress in a worker), and an upload's confirmed parts to
 * `ctx.uploads` (SQLite in the service, memory in a worker, whose successor restarts anyway).
 *
 * Progress of the transfers that run on the main thread is written to the jobs table like the
 * workers write theirs (recordJobProgress), once per whole percent, so the status updater has one
 * place to read it from.
 *
 * Free disk is checked before every stage, not only when the job is submitted: jobs queue, and
 * other jobs' downloads and results fill the disk meanwhile. A stage starts only while
 * jobs.minFreeDiskBytes stays free after what it is about to write (the rest of the download;
 * about the input's size for processing); otherwise the job fails with DISK_FULL, which may be
 * retried once space is freed.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { assertNotPlaylist, resolveInJobDir, safeJobFileName } from '../../media/playlistSniff.js';
import type { JobRecord, StoredResult } from '../../storage/jobRepository.js';
import { inputDisplayName, JOB_MESSAGES, stableFilePart } from '../jobIdentity.js';
import type { JobRequest, MediaPool, ProcessOutcome, ResultFile, TelegramFiles, TransferProgress } from '../../domain/mediaPorts.js';
import type { JobMessenger, RunnerConfig } from './runnerTypes.js';
import { JobError } from '../../domain/jobError.js';
import { freeDiskBytes } from './jobDirs.js';
import { uploadLimitOf, uploadResultParts, withByteParts } from './resultUpload.js';

/** Where an upload's progress is kept so a later attempt sends only the parts still missing. */
export interface UploadJournal {
  confirmedParts(jobId: string, fileId: string): number[];
  setFileId(jobId: string, fileId: string): void;
  addPart(jobId: string, fileId: string, part: number): void;
  /** Parts (0-based) of a result sent in parts that reached the user (resultUpload.ts). */
  sentParts(jobId: string): number[];
  /** Records a sent part and forgets the upload's file id and parts: the next part starts afresh. */
  partSent(jobId: string, part: number, messageId: number | null): void;
}

/**
 * The part of a job record the stages read (a queue worker builds it from the job's data). `lang`
 * (the user's language code) words the Info answer and the captions of a result sent in parts; a
 * remote job from an older service has none.
 */
export type StageJob = Pick<JobRecord, 'id' | 'source' | 'request' | 'chat' | 'sourceMessageId' | 'inputPath' | 'outcome' | 'uploadFileId'> & { lang?: string };

export interface StageContext {
  botPort: JobMessenger;
  files: TelegramFiles;
  pool: MediaPool;
  config: RunnerConfig;
  now(): number;
  signal: AbortSignal;
  /** When the job's wall-clock limit runs out (ms since the epoch). */
  deadline: number;
  /** Free bytes on the file system holding `dir`; default: statfs (jobDirs.ts). */
  freeDiskBytes?: (dir: string) => Promise<number>;
  /** The current stage's percent of job `jobId`. */
  progress(jobId: string, percent: number): void;
  uploads: UploadJournal;
}

export type Stage = 'download' | 'process' | 'upload';

/** Throws DISK_FULL unless `needBytes` can be written to `dir` with jobs.minFreeDiskBytes left over. */
export async function assertDiskRoom(ctx: StageContext, stage: Stage, dir: string, needBytes = 0): Promise<void> {
  const free = await (ctx.freeDiskBytes ?? freeDiskBytes)(dir);
  const { minFreeDiskBytes } = ctx.config.jobs;
  if (free - needBytes >= minFreeDiskBytes) return;
  throw new JobError(
    'DISK_FULL',
    `Only ${free} bytes are free in ${dir} before the ${stage} stage, which needs ${needBytes} bytes and jobs.minFreeDiskBytes (${minFreeDiskBytes}) left over. ` +
      'Free space in paths.temp (or lower jobs.minFreeDiskBytes); the job can be retried then.',
  );
}

async function sizeOrZero(path: string): Promise<number> {
  return stat(path).then(
    (info) => info.size,
    () => 0,
  );
}

/** Reports a transfer's percent, once per whole percent. */
function progressWriter(ctx: StageContext, jobId: string): (progress: TransferProgress) => void {
  let last = -1;
  return ({ doneBytes, totalBytes }) => {
    const percent = totalBytes > 0 ? Math.floor((doneBytes / totalBytes) * 100) : 0;
    if (percent === last) return;
    last = percent;
    ctx.progress(jobId, percent);
  };
}

/** Downloads the job's input into `dir`; returns its path. A partial Telegram download is continued. */
export async function downloadInput(ctx: StageContext, job: StageJob, dir: string): Promise<string> {
  const { source } = job;
  if (source.kind === 'telegram') {
    // A name fixed per job: after a crash the download continues the same file.
    const destination = resolveInJobDir(dir, safeJobFileName(source.media.fileName, { random: () => stableFilePart(job.id) }));
    await assertDiskRoom(ctx, 'download', dir, Math.max(0, source.media.sizeBytes - (await sizeOrZero(destination))));
    await ctx.files.download(source.media, destination, { signal: ctx.signal, onProgress: progressWriter(ctx, job.id) });
    return destination;
  }
  // A link's size is unknown until its headers arrive; the worker stops at maxBytes.
  await assertDiskRoom(ctx, 'download', dir);
  const { links, jobs } = ctx.config;
  const fetched = await ctx.pool.fetchLink(
    {
      jobId: job.id,
      url: source.url,
      jobDir: dir,
      maxBytes: Math.min(links.maxBytes, jobs.maxFileBytes),
      allowLoopback: links.allowLoopback,
      allowedPorts: [...links.allowedPorts],
      denyCidrs: [...links.denyCidrs],
      timeoutMs: links.timeoutMs,
      deadlineSeconds: links.deadlineSeconds,
      minBytesPerSecond: links.minBytesPerSecond,
      maxRedirects: links.maxRedirects,
    },
    ctx.signal,
  );
  // The worker chose the name; make sure it is a plain file inside the job directory.
  if (resolveInJobDir(dir, basename(fetched.path)) !== fetched.path) {
    throw new JobError('INTERNAL', `The link download was written to ${fetched.path}, outside the job directory ${dir}; refusing to use it.`, { retryable: false });
  }
  return fetched.path;
}

/** Refuses playlists, then runs the action in the pool. */
export async function processInput(ctx: StageContext, job: StageJob, dir: string): Promise<ProcessOutcome> {
  if (job.inputPath === null) throw new JobError('INTERNAL', `Job ${job.id} reached processing without a downloaded input; retry it.`);
  const writes = job.request.action !== 'info' && job.request.action !== 'sendAsFile' && job.request.action !== 'rename';
  await assertDiskRoom(ctx, 'process', dir, writes ? await sizeOrZero(job.inputPath) : 0);
  await assertNotPlaylist(job.inputPath);
  // Telegram's per-file limit: a video over it is cut by time in the pool, anything else into
  // byte ranges here; either way the plan is stored with the outcome (resultUpload.ts).
  const maxPartBytes = await uploadLimitOf(ctx.files);
  ctx.signal.throwIfAborted();
  const outcome = await ctx.pool.process(
    {
      jobId: job.id,
      input: job.inputPath,
      jobDir: dir,
      request: job.request,
      inputName: inputDisplayName(job.source),
      maxDurationSeconds: ctx.config.jobs.maxDurationSeconds,
      timeoutMs: Math.max(1000, ctx.deadline - ctx.now()),
      maxPartBytes,
      ...(job.lang !== undefined ? { lang: job.lang } : {}),
    },
    ctx.signal,
  );
  return withByteParts(outcome, maxPartBytes);
}

/**
 * Sends the outcome as a reply to the user's message. Files resume an earlier upload: the file id
 * and the parts Telegram confirmed are read from the database, and each newly confirmed part is
 * written there before the upload goes on. Returns what to store for re-use (null when Telegram
 * reported the send as a duplicate and gave nothing new to store).
 */
export async function uploadResult(ctx: StageContext, job: StageJob): Promise<StoredResult | null> {
  const outcome = job.outcome;
  if (outcome === null) throw new JobError('INTERNAL', `Job ${job.id} reached uploading without a processing outcome; retry it.`);
  // Uploading writes nothing here, but the job's files stay until it ends; keep the floor free.
  await assertDiskRoom(ctx, 'upload', outcome.kind === 'file' ? dirname(outcome.file.path) : ctx.config.paths.temp);
  const randomId = JOB_MESSAGES.result(job.id);
  if (outcome.kind === 'text') {
    await ctx.botPort.sendText(job.chat, outcome.text, { replyTo: job.sourceMessageId, randomId });
    return { kind: 'text', text: outcome.text };
  }
  if (outcome.parts) {
    const parts = { file: outcome.file, parts: outcome.parts };
    return uploadResultParts(ctx, job, parts, progressWriter(ctx, job.id), (part) => deliveredAs(part, job.request));
  }
  let fileId = job.uploadFileId;
  const file = deliveredAs(outcome.file, job.request);
  const sent = await ctx.files.sendFile(job.chat, file, {
    replyTo: job.sourceMessageId,
    randomId,
    signal: ctx.signal,
    onProgress: progressWriter(ctx, job.id),
    resume: {
      ...(fileId === null ? {} : { fileId, confirmedParts: ctx.uploads.confirmedParts(job.id, fileId) }),
      onPartConfirmed: (event) => {
        if (event.fileId !== fileId) {
          ctx.uploads.setFileId(job.id, event.fileId);
          fileId = event.fileId;
        }
        ctx.uploads.addPart(job.id, event.fileId, event.part);
      },
    },
  });
  if (sent.stored === null) return null;
  const { path: _path, thumbPath: _thumb, ...meta } = file;
  return { kind: 'file', stored: sent.stored, file: meta };
}

/**
 * A video result as the user asked for it at the press (JobRequest.videoAs): 'file' sends it as a
 * document, which Telegram keeps as it is instead of showing a player. Decided here, at sending,
 * rather than in processing: the bytes are the same, and the outcome stored for a resumed upload
 * stays the one processing made. Other results (audio, GIFs, pictures) are left alone.
 */
export function deliveredAs(file: ResultFile, request: JobRequest): ResultFile {
  if (request.videoAs !== 'file' || file.sendAs !== 'video') return file;
  const { supportsStreaming: _streaming, ...rest } = file;
  return { ...rest, sendAs: 'document' };
}
