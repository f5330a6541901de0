/**
 * The `local` backend: the job's work in this process, as Courier always did it. Telegram
 * transfers run on the service's own client (TelegramFiles), links and ffmpeg in the service's
 * Piscina pool (MediaPool). Progress goes to the jobs table, an upload's confirmed parts too, so
 * after a crash the download continues from its chunk journal and the upload from its parts.
 */
import type { Database } from '../../storage/index.js';
import { recordJobProgress } from '../../storage/jobProgress.js';
import { addConfirmedPart, confirmedParts, markResultPartSent, sentResultParts, setUploadFileId } from '../../storage/jobRepository.js';
import type { MediaPool, TelegramFiles } from '../../domain/mediaPorts.js';
import { makeJobDir } from '../runner/jobDirs.js';
import { downloadInput, processInput, uploadResult, type StageContext } from '../runner/jobStages.js';
import type { JobMessenger, RunnerConfig } from '../runner/runnerTypes.js';
import type { JobBackend } from './jobBackend.js';

export interface LocalBackendDeps {
  db: Database;
  botPort: JobMessenger;
  files: TelegramFiles;
  pool: MediaPool;
  config: RunnerConfig;
  now(): number;
  /** Free bytes on the file system holding a directory (the stages check it before each one). */
  freeDiskBytes?: (dir: string) => Promise<number>;
}

export function createLocalBackend(deps: LocalBackendDeps): JobBackend {
  const { db, now } = deps;
  return {
    kind: 'local',
    start: async () => undefined,
    close: async () => undefined,
    async run({ job: stored, signal, deadline, reach }) {
      const ctx: StageContext = {
        botPort: deps.botPort,
        files: deps.files,
        pool: deps.pool,
        config: deps.config,
        now,
        signal,
        deadline,
        ...(deps.freeDiskBytes ? { freeDiskBytes: deps.freeDiskBytes } : {}),
        progress: (jobId, percent) => recordJobProgress(db, jobId, percent, now()),
        uploads: {
          confirmedParts: (jobId, fileId) => confirmedParts(db, jobId, fileId),
          setFileId: (jobId, fileId) => setUploadFileId(db, jobId, fileId, now()),
          addPart: (jobId, fileId, part) => addConfirmedPart(db, jobId, fileId, part),
          sentParts: (jobId) => sentResultParts(db, jobId),
          partSent: (jobId, part, messageId) => markResultPartSent(db, jobId, part, messageId, now()),
        },
      };
      const dir = await makeJobDir(deps.config.paths.temp, stored.id);
      // After every await: Cancel or the time limit may have ended the job in the meantime.
      signal.throwIfAborted();
      // A fresh attempt starts from nothing: no input, no outcome, no half-done upload.
      let job = stored.state === 'queued' ? reach('downloading', { inputPath: null, outcome: null, uploadFileId: null }) : stored;
      if (job.state === 'downloading') {
        const inputPath = await downloadInput(ctx, job, dir);
        job = reach('processing', { inputPath });
      }
      if (job.state === 'processing') {
        const outcome = await processInput(ctx, job, dir);
        job = reach('uploading', { outcome });
      }
      // No abort check after this: once the reply is out, the job is done even if Cancel came just now.
      return uploadResult(ctx, job);
    },
  };
}
