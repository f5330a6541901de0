/**
 * Results over Telegram's per-file limit, sent in parts (issue 11, "Results over 2 GB").
 *
 * - The limit is Telegram's own (TelegramFiles.maxUploadBytes: help.getAppConfig's
 *   upload_max_fileparts_default × 512 KiB), asked before processing, so the pool cuts a video by
 *   time at keyframes (src/media/split/video.ts) and anything else becomes numbered byte ranges of
 *   the one result file (src/transfer/resultParts.ts), fixed in the outcome that is stored with
 *   the move to uploading: a restart sends the same parts, even if the limit changed meanwhile.
 * - Each part is its own message, a reply to the user's message captioned "Part i of N" (byte
 *   parts add how to join them), with a random_id derived from the job and the part, so a part
 *   re-sent after a crash is a duplicate Telegram drops.
 * - Parts already sent are recorded (UploadJournal.partSent: job_result_parts in SQLite, with the
 *   upload journal cleared in the same transaction) and skipped after a restart; the part that was
 *   uploading continues from its confirmed upload parts, like a single file.
 * - The user hears the number of parts up front when it is known before the job runs (Send as
 *   file of a Telegram document over the limit), from the start of the download for a link that
 *   announces its size, and from processing on otherwise: a line under the status (expectedParts).
 * - A result in parts is not stored for re-use: it is several messages, and re-use sends one.
 */
import { textsFor } from '../../texts/index.js';
import type { JobRecord, StoredResult } from '../../storage/jobRepository.js';
import type { ProcessOutcome, ResultFile, TelegramFiles, TransferProgress } from '../../domain/mediaPorts.js';
import { joinCommands, partsNeeded, planByteParts } from '../../transfer/resultParts.js';
import { MAX_UPLOAD_BYTES } from '../../transfer/uploadPlan.js';
import { JOB_MESSAGES } from '../jobIdentity.js';
import type { StageContext, StageJob } from './jobStages.js';

/** Telegram's per-file limit now; 2000 MiB for a TelegramFiles that cannot say (test fakes). */
export async function uploadLimitOf(files: TelegramFiles): Promise<number> {
  return (await files.maxUploadBytes?.()) ?? MAX_UPLOAD_BYTES;
}

/** The outcome with numbered byte parts when its file is over `maxBytes` and processing did not cut it already. */
export function withByteParts(outcome: ProcessOutcome, maxBytes: number): ProcessOutcome {
  if (outcome.kind !== 'file' || outcome.parts || outcome.file.sizeBytes <= maxBytes) return outcome;
  const { file } = outcome;
  const parts: ResultFile[] = planByteParts(file.sizeBytes, maxBytes, file.fileName).map((range) => ({
    path: file.path,
    fileName: range.name,
    mimeType: 'application/octet-stream',
    sendAs: 'document',
    sizeBytes: range.end - range.start,
    byteRange: { start: range.start, end: range.end },
  }));
  return { ...outcome, parts };
}

/**
 * How many parts the job's result comes in, when that is known and more than one: from the
 * stored outcome, or before processing for "Send as file" of a Telegram file over the limit (its
 * size is known from the start) or of a link that announced its size (once its download began).
 */
export function expectedParts(job: Pick<JobRecord, 'outcome' | 'request' | 'source' | 'expectedBytes'>, maxBytes: number): number | null {
  if (job.outcome?.kind === 'file') return job.outcome.parts?.length ?? null;
  if (job.outcome !== null || job.request.action !== 'sendAsFile') return null;
  const size = job.source.kind === 'telegram' ? job.source.media.sizeBytes : (job.expectedBytes ?? null);
  if (size === null) return null;
  const count = partsNeeded(size, maxBytes);
  return count > 1 ? count : null;
}

/** Telegram's caption limit for bots and non-Premium users. */
const CAPTION_LIMIT = 1024;

function captionOf(lang: string | undefined, whole: ResultFile, part: ResultFile, index: number, count: number): string {
  const texts = textsFor(lang);
  const head = texts.resultPart(index + 1, count);
  if (!part.byteRange) return head;
  const { unix, windows } = joinCommands(whole.fileName, count);
  const withHint = `${head}\n${texts.resultJoinHint(unix, windows)}`;
  // Hundreds of parts make the Windows line too long for a caption; the user still gets the numbering.
  return withHint.length <= CAPTION_LIMIT ? withHint : head;
}

/** Sends the parts not sent yet, in order; the job's percent covers all of them. */
export async function uploadResultParts(
  ctx: StageContext,
  job: StageJob,
  outcome: { file: ResultFile; parts: ResultFile[] },
  writeProgress: (progress: TransferProgress) => void,
  /** How each part goes out (jobStages.ts deliveredAs: a video as a document when the user asked for files). */
  deliver: (part: ResultFile) => ResultFile = (part) => part,
): Promise<StoredResult | null> {
  const { parts } = outcome;
  const sent = new Set(ctx.uploads.sentParts(job.id));
  const totalBytes = parts.reduce((sum, part) => sum + part.sizeBytes, 0);
  let doneBytes = parts.reduce((sum, part, i) => sum + (sent.has(i) ? part.sizeBytes : 0), 0);
  // Only the part that was uploading when Courier stopped has a file id to resume.
  let fileId = job.uploadFileId;
  for (const [index, part] of parts.entries()) {
    if (sent.has(index)) continue;
    ctx.signal.throwIfAborted();
    const before = doneBytes;
    const resumeFrom = fileId === null ? {} : { fileId, confirmedParts: ctx.uploads.confirmedParts(job.id, fileId) };
    const message = await ctx.files.sendFile(job.chat, deliver(part), {
      replyTo: job.sourceMessageId,
      randomId: JOB_MESSAGES.resultPart(job.id, index),
      caption: captionOf(job.lang, outcome.file, part, index, parts.length),
      signal: ctx.signal,
      onProgress: (p) => writeProgress({ doneBytes: before + p.doneBytes, totalBytes }),
      resume: {
        ...resumeFrom,
        onPartConfirmed: (event) => {
          if (event.fileId !== fileId) {
            ctx.uploads.setFileId(job.id, event.fileId);
            fileId = event.fileId;
          }
          ctx.uploads.addPart(job.id, event.fileId, event.part);
        },
      },
    });
    ctx.uploads.partSent(job.id, index, message.messageId);
    fileId = null;
    doneBytes += part.sizeBytes;
  }
  return null;
}
