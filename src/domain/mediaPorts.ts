/**
 * The contract between the job runner (src/jobs/runner.ts) and the two places heavy work happens:
 * Telegram (downloads and uploads over MTProto, src/telegram/mediaFiles.ts) and the Piscina pool
 * (links, ffprobe/ffmpeg, hashing: src/jobs/pool.ts + workers/media.ts). Plain data only, so the
 * runner is tested against fakes and the pool's tasks cross the thread boundary by structured clone.
 */
import type { ChatRef } from './chat.js';
import type { MediaRef } from './media.js';
import type { SentMessage } from './botPort.js';
import type { MediaAction } from './mediaAction.js';


/** What the user asked for: an action and its option ("720p", "gif", "mp3", a thumbnail second...). */
export interface JobRequest {
  action: MediaAction;
  option?: string;
  /**
   * 'file': a video result is sent as a document rather than as a streamable video (the user's
   * /settings at the press). Absent: as a video.
   */
  videoAs?: 'file';
}

/** A file processing produced, ready to send with the right attributes. */
export interface ResultFile {
  /** Absolute path inside the job's directory. */
  path: string;
  /** The name the user sees (never a path). */
  fileName: string;
  mimeType: string;
  /** How Telegram should present it. */
  sendAs: 'video' | 'audio' | 'animation' | 'photo' | 'document';
  sizeBytes: number;
  durationSeconds?: number;
  width?: number;
  height?: number;
  supportsStreaming?: boolean;
  title?: string;
  performer?: string;
  /** A JPEG thumbnail (≤320 px side) inside the job directory, when one was made. */
  thumbPath?: string;
  /**
   * Send only bytes [start, end) of `path`: one numbered part of a result over Telegram's per-file
   * limit (src/transfer/resultParts.ts). The parts are ranges of one file, not copies on disk.
   */
  byteRange?: { start: number; end: number };
}

/**
 * The outcome of processing: a text answer (Info) or a file to send. A file over Telegram's
 * per-file limit comes with `parts`, sent in order instead of `file` (which then only names the
 * whole): a video cut by time into playable files, anything else as byte ranges of `file`.
 */
export type ProcessOutcome = { kind: 'text'; text: string } | { kind: 'file'; file: ResultFile; parts?: ResultFile[] };

export interface TransferProgress {
  doneBytes: number;
  totalBytes: number;
}

/** A file already on Telegram's servers, sendable again without uploading (re-use of results). */
export interface StoredMedia {
  type: 'document' | 'photo';
  id: string;
  accessHash: string;
  /** base64 of file_reference. */
  fileReference: string;
}

export interface SentFile extends SentMessage {
  /** The uploaded file as Telegram stored it; null when the send was a duplicate (nothing new). */
  stored: StoredMedia | null;
}

/** Resumable upload: the file id of an earlier attempt and the parts Telegram confirmed. */
export interface UploadResume {
  fileId?: string;
  confirmedParts?: readonly number[];
  /** Persist each confirmed part before the next send depends on it (the runner writes it to SQLite). */
  onPartConfirmed(event: { fileId: string; part: number; totalParts: number }): void | Promise<void>;
}

/** Telegram's side of a job; the GramJS implementation lives in src/telegram/mediaFiles.ts. */
export interface TelegramFiles {
  /**
   * Downloads `media` to `destination` with upload.getFile in parallel parts. An existing partial
   * file at `destination` is continued from its last whole chunk (resume after a crash).
   */
  download(media: MediaRef, destination: string, options: { signal: AbortSignal; onProgress?(progress: TransferProgress): void }): Promise<void>;
  /** Uploads `file` (saveBigFilePart above 10 MB, resumable) and sends it as a reply with its attributes. */
  sendFile(
    chat: ChatRef,
    file: ResultFile,
    options: {
      replyTo?: number;
      randomId: bigint;
      caption?: string;
      signal: AbortSignal;
      resume: UploadResume;
      onProgress?(progress: TransferProgress): void;
    },
  ): Promise<SentFile>;
  /**
   * The largest file Telegram takes now: help.getAppConfig's upload_max_fileparts_default × 512 KiB
   * (cached). Absent in fakes: 2000 MiB.
   */
  maxUploadBytes?(): Promise<number>;
  /** Sends a file sent before (re-use) by its stored reference, with the same attributes. */
  sendStored(
    chat: ChatRef,
    stored: StoredMedia,
    file: Omit<ResultFile, 'path' | 'thumbPath'>,
    options: { replyTo?: number; randomId: bigint; caption?: string },
  ): Promise<SentMessage>;
}

/** Settings every pool task needs (from config; plain data). */
export interface PoolSettings {
  /** The database file the worker opens its own connection to, to record the job's progress. */
  databaseFile: string;
  ffmpegPath: string;
  ffprobePath: string;
}

export interface FetchLinkTask {
  jobId: string;
  url: string;
  /** The job's directory; the worker picks a safe file name inside it. */
  jobDir: string;
  maxBytes: number;
  /** links.allowLoopback: admit 127.0.0.0/8 and ::1 (tests only); the port rule still applies. */
  allowLoopback: boolean;
  /** links.allowedPorts: ports besides 80 and 443 a link may use. */
  allowedPorts: number[];
  /** links.denyCidrs: the operator's extra refused ranges. */
  denyCidrs: string[];
  /** Connect, idle and name-lookup timeout, ms (links.timeoutMs). */
  timeoutMs: number;
  /** The whole download, redirects included (links.deadlineSeconds). */
  deadlineSeconds: number;
  /** Least average rate after the first 30 s; 0 = none (links.minBytesPerSecond). */
  minBytesPerSecond: number;
  maxRedirects: number;
}

export interface FetchLinkResult {
  /** Absolute path of the downloaded file inside jobDir. */
  path: string;
  bytes: number;
  contentType: string | null;
  /** Raw suggested name (Content-Disposition / URL); for display only. */
  suggestedName: string | null;
}

export interface ProcessTask {
  jobId: string;
  /** The input file (already refused if it is a playlist). */
  input: string;
  jobDir: string;
  request: JobRequest;
  /** A display name of the input, used to name outputs ("clip.mp4" -> "clip.mp3"). */
  inputName: string;
  maxDurationSeconds: number;
  /** Wall-clock limit for ffmpeg/ffprobe, ms. */
  timeoutMs: number;
  /**
   * Telegram's per-file limit (upload_max_fileparts_default × 512 KiB): a video result above it
   * is cut by time into playable parts. Unset: 2000 MiB.
   */
  maxPartBytes?: number;
  /** The user's language code (the job's lang): the Info answer is written in it. English when absent. */
  lang?: string;
}

/** The Piscina pool as the runner sees it; every task can be cancelled with its signal. */
export interface MediaPool {
  fetchLink(task: FetchLinkTask, signal: AbortSignal): Promise<FetchLinkResult>;
  process(task: ProcessTask, signal: AbortSignal): Promise<ProcessOutcome>;
  /**
   * Hex SHA-256 of a file. Not used by the runner yet: re-use of link inputs is keyed by URL
   * (jobIdentity.ts inputKeyOf), since hashing needs the download re-use is meant to save.
   */
  hashFile(path: string, signal: AbortSignal): Promise<string>;
  close(): Promise<void>;
}
