/**
 * Media jobs as rows (tables jobs, media_offers, job_upload_parts of migration 003;
 * job_result_parts of 008-result-parts).
 *
 * The main thread writes state changes here; worker threads only write their job's percent
 * (jobProgress.ts). Invariants:
 * - createJob is exactly-once per origin_key: INSERT OR IGNORE, then the row that won is returned,
 *   so a button press handled again after a crash finds the job it created the first time;
 * - a transition and the data its next stage needs (input_path, outcome, result) are written in
 *   ONE statement, so a crash never leaves a job in a stage without what that stage reads;
 * - JSON columns are validated with zod on the way out: a row written by an older Courier, or
 *   edited by hand, fails loudly here instead of deep inside a job.
 */
import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import type { JobRequest, ProcessOutcome, ResultFile, StoredMedia } from '../domain/mediaPorts.js';
import { MEDIA_ACTIONS } from '../domain/mediaAction.js';
import { JOB_STATES, type Job, type JobState } from '../domain/job.js';
import { REASON_CODES } from '../domain/jobError.js';
import { writeTransaction } from './writeTransaction.js';
import { jobSourceSchema, type JobSource } from '../domain/media.js';

import { chatRefSchema, type ChatRef } from '../domain/chat.js';

/** What was sent to the user, kept so the same input + action can be answered again at once. */
export type StoredResult =
  | { kind: 'text'; text: string }
  | { kind: 'file'; stored: StoredMedia; file: Omit<ResultFile, 'path' | 'thumbPath'> };

export interface JobRecord extends Job {
  originKey: string;
  chat: ChatRef;
  sourceMessageId: number;
  source: JobSource;
  inputKey: string;
  request: JobRequest;
  lang: string;
  statusMessageId: number | null;
  inputPath: string | null;
  outcome: ProcessOutcome | null;
  uploadFileId: string | null;
  result: StoredResult | null;
  notBefore: number | null;
  /** A link's announced size (Content-Length), once its download began; null otherwise. */
  expectedBytes?: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewJob {
  id: string;
  originKey: string;
  userId: string;
  chat: ChatRef;
  sourceMessageId: number;
  source: JobSource;
  inputKey: string;
  request: JobRequest;
  lang: string;
  maxAttempts: number;
}

/** Data written together with a transition (undefined = leave as is, null = clear). */
export interface TransitionData {
  inputPath?: string | null;
  outcome?: ProcessOutcome | null;
  uploadFileId?: string | null;
  result?: StoredResult | null;
  notBefore?: number | null;
}

export interface MediaOffer {
  id: string;
  userId: string;
  chat: ChatRef;
  sourceMessageId: number;
  source: JobSource;
  lang: string;
  createdAt: number;
}

/** A row whose stored JSON does not have the shape this Courier expects. */
export class JobRowError extends Error {
  override readonly name = 'JobRowError';
  constructor(table: string, id: string, detail: string) {
    super(`Row ${id} of table ${table} is not valid (${detail}); it was written by another Courier version or edited by hand — fix or delete the row.`);
  }
}

// --- schemas of the JSON columns ---------------------------------------------------------------



const failureSchema = z.object({ reason: z.enum(REASON_CODES), retryable: z.boolean(), message: z.string() });

const fileMetaShape = {
  fileName: z.string(),
  mimeType: z.string(),
  sendAs: z.enum(['video', 'audio', 'animation', 'photo', 'document']),
  sizeBytes: z.number().nonnegative(),
  durationSeconds: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  supportsStreaming: z.boolean().optional(),
  title: z.string().optional(),
  performer: z.string().optional(),
};

const resultFileSchema = z.object({
  ...fileMetaShape,
  path: z.string(),
  thumbPath: z.string().optional(),
  byteRange: z.object({ start: z.number().int().nonnegative(), end: z.number().int().positive() }).optional(),
});

const outcomeSchema: z.ZodType<ProcessOutcome> = z.union([
  z.object({ kind: z.literal('text'), text: z.string() }),
  z.object({ kind: z.literal('file'), file: resultFileSchema, parts: z.array(resultFileSchema).min(2).optional() }),
]);

const storedMediaSchema = z.object({ type: z.enum(['document', 'photo']), id: z.string(), accessHash: z.string(), fileReference: z.string() });

const resultSchema: z.ZodType<StoredResult> = z.union([
  z.object({ kind: z.literal('text'), text: z.string() }),
  z.object({ kind: z.literal('file'), stored: storedMediaSchema, file: z.object(fileMetaShape) }),
]);

const resumeSchema = z.enum(['continue-download', 'rerun-processing', 'resume-upload']).nullable();

interface RawJob {
  id: string;
  origin_key: string;
  user_id: string;
  chat: string;
  source_message_id: number;
  source: string;
  input_key: string;
  action: string;
  option: string | null;
  video_as: string | null;
  lang: string;
  state: string;
  percent: number;
  attempts: number;
  max_attempts: number;
  failure: string | null;
  resume: string | null;
  status_message_id: number | null;
  input_path: string | null;
  outcome: string | null;
  upload_file_id: string | null;
  result: string | null;
  not_before: number | null;
  expected_bytes: number | null;
  created_at: number;
  updated_at: number;
}

function parseJson<T>(table: string, id: string, column: string, text: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new JobRowError(table, id, `${column} is not JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new JobRowError(table, id, `${column}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return parsed.data;
}

function nullableJson<T>(id: string, column: string, text: string | null, schema: z.ZodType<T>): T | null {
  return text === null ? null : parseJson('jobs', id, column, text, schema);
}

function toJob(r: RawJob): JobRecord {
  const state = z.enum(JOB_STATES).safeParse(r.state);
  if (!state.success) throw new JobRowError('jobs', r.id, `unknown state ${JSON.stringify(r.state)}`);
  const action = z.enum(MEDIA_ACTIONS).safeParse(r.action);
  if (!action.success) throw new JobRowError('jobs', r.id, `unknown action ${JSON.stringify(r.action)}`);
  const resume = resumeSchema.safeParse(r.resume);
  if (!resume.success) throw new JobRowError('jobs', r.id, `unknown resume hint ${JSON.stringify(r.resume)}`);
  return {
    id: r.id,
    userId: r.user_id,
    state: state.data,
    progress: r.percent,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    failure: nullableJson(r.id, 'failure', r.failure, failureSchema),
    resume: resume.data,
    originKey: r.origin_key,
    chat: parseJson('jobs', r.id, 'chat', r.chat, chatRefSchema),
    sourceMessageId: r.source_message_id,
    source: parseJson('jobs', r.id, 'source', r.source, jobSourceSchema),
    inputKey: r.input_key,
    request: {
      action: action.data,
      ...(r.option === null ? {} : { option: r.option }),
      ...(r.video_as === 'file' ? { videoAs: 'file' as const } : {}),
    },
    lang: r.lang,
    statusMessageId: r.status_message_id,
    inputPath: r.input_path,
    outcome: nullableJson(r.id, 'outcome', r.outcome, outcomeSchema),
    uploadFileId: r.upload_file_id,
    result: nullableJson(r.id, 'result', r.result, resultSchema),
    notBefore: r.not_before,
    expectedBytes: r.expected_bytes,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

interface Statements {
  insert: Statement<unknown[]>;
  byId: Statement<[string], RawJob>;
  byOrigin: Statement<[string], RawJob>;
  setStatusMessage: Statement<[number, number, string]>;
  setUploadFileId: Statement<[string | null, number, string]>;
  addPart: Statement<[string, string, number]>;
  parts: Statement<[string, string], number>;
  clearParts: Statement<[string]>;
  clearOtherParts: Statement<[string, string]>;
  addResultPart: Statement<[string, number, number | null, number]>;
  resultParts: Statement<[string], number>;
  clearResultParts: Statement<[string]>;
  reusable: Statement<[string, string, string | null, string | null, string | null, string | null], string>;
  insertOffer: Statement<unknown[]>;
  offer: Statement<[string], { id: string; user_id: string; chat: string; source_message_id: number; source: string; lang: string; created_at: number }>;
}

const cache = new WeakMap<Database, Statements>();

function statements(db: Database): Statements {
  let s = cache.get(db);
  if (!s) {
    s = {
      insert: db.prepare(
        `INSERT OR IGNORE INTO jobs (id, origin_key, user_id, chat, source_message_id, source, input_key, action, option, video_as, lang,
           state, max_attempts, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)`,
      ),
      byId: db.prepare('SELECT * FROM jobs WHERE id = ?'),
      byOrigin: db.prepare('SELECT * FROM jobs WHERE origin_key = ?'),
      setStatusMessage: db.prepare('UPDATE jobs SET status_message_id = ?, updated_at = ? WHERE id = ?'),
      setUploadFileId: db.prepare('UPDATE jobs SET upload_file_id = ?, updated_at = ? WHERE id = ?'),
      addPart: db.prepare('INSERT OR IGNORE INTO job_upload_parts (job_id, file_id, part) VALUES (?, ?, ?)'),
      parts: db.prepare<[string, string], number>('SELECT part FROM job_upload_parts WHERE job_id = ? AND file_id = ? ORDER BY part').pluck(),
      clearParts: db.prepare('DELETE FROM job_upload_parts WHERE job_id = ?'),
      clearOtherParts: db.prepare('DELETE FROM job_upload_parts WHERE job_id = ? AND file_id != ?'),
      addResultPart: db.prepare('INSERT OR IGNORE INTO job_result_parts (job_id, part, message_id, sent_at) VALUES (?, ?, ?, ?)'),
      resultParts: db.prepare<[string], number>('SELECT part FROM job_result_parts WHERE job_id = ? ORDER BY part').pluck(),
      clearResultParts: db.prepare('DELETE FROM job_result_parts WHERE job_id = ?'),
      // `option IS ?` matches NULL with NULL (Info has no option); the newest result wins. A result
      // sent as a video is not re-used for a user who wants a document, nor the other way round. A
      // text result (Info) is written in its job's language, so it serves only a request in that one.
      reusable: db
        .prepare<[string, string, string | null, string | null, string | null, string | null], string>(
          `SELECT result FROM jobs WHERE input_key = ? AND action = ? AND option IS ? AND video_as IS ? AND state = 'done' AND result IS NOT NULL
             AND (? IS NULL OR lang = ? OR json_extract(result, '$.kind') <> 'text')
           ORDER BY updated_at DESC LIMIT 1`,
        )
        .pluck(),
      insertOffer: db.prepare(
        'INSERT OR IGNORE INTO media_offers (id, user_id, chat, source_message_id, source, lang, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      offer: db.prepare('SELECT * FROM media_offers WHERE id = ?'),
    };
    cache.set(db, s);
  }
  return s;
}

/**
 * Creates a queued job, or returns the job an earlier call created for the same origin_key
 * (`created: false`): handling an update twice never makes two jobs.
 */
export function createJob(db: Database, job: NewJob, now: number): { job: JobRecord; created: boolean } {
  const s = statements(db);
  const inserted = s.insert.run(
    job.id,
    job.originKey,
    job.userId,
    JSON.stringify(job.chat),
    job.sourceMessageId,
    JSON.stringify(job.source),
    job.inputKey,
    job.request.action,
    job.request.option ?? null,
    job.request.videoAs ?? null,
    job.lang,
    job.maxAttempts,
    now,
    now,
  ).changes;
  const row = s.byOrigin.get(job.originKey);
  if (!row) throw new Error(`Job for origin ${job.originKey} vanished right after it was inserted; is another process deleting jobs?`);
  return { job: toJob(row), created: inserted > 0 };
}

export function getJob(db: Database, id: string): JobRecord | undefined {
  const raw = statements(db).byId.get(id);
  return raw && toJob(raw);
}

export function jobByOrigin(db: Database, originKey: string): JobRecord | undefined {
  const raw = statements(db).byOrigin.get(originKey);
  return raw && toJob(raw);
}

/** Jobs in any of `states`, oldest first. */
export function jobsInStates(db: Database, states: readonly JobState[]): JobRecord[] {
  if (states.length === 0) return [];
  const marks = states.map(() => '?').join(', ');
  const rows = db.prepare(`SELECT * FROM jobs WHERE state IN (${marks}) ORDER BY created_at, id`).all(...states) as RawJob[];
  return rows.map(toJob);
}

/**
 * Persists a job the state machine returned, plus the data its next stage needs, in one
 * statement. Returns the stored record.
 */
export function saveTransition(db: Database, job: Job, now: number, data: TransitionData = {}): JobRecord {
  const sets = ['state = ?', 'percent = ?', 'attempts = ?', 'max_attempts = ?', 'failure = ?', 'resume = ?', 'updated_at = ?'];
  const values: unknown[] = [job.state, job.progress, job.attempts, job.maxAttempts, json(job.failure), job.resume, now];
  const optional: [keyof TransitionData, string, (v: unknown) => unknown][] = [
    ['inputPath', 'input_path', (v) => v],
    ['outcome', 'outcome', json],
    ['uploadFileId', 'upload_file_id', (v) => v],
    ['result', 'result', json],
    ['notBefore', 'not_before', (v) => v],
  ];
  for (const [key, column, encode] of optional) {
    if (data[key] === undefined) continue;
    sets.push(`${column} = ?`);
    values.push(encode(data[key]));
  }
  return writeTransaction(db, () => {
    const changed = db.prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE id = ?`).run(...values, job.id).changes;
    if (changed === 0) throw new Error(`Job ${job.id} is not in the database; it cannot change state.`);
    // A new upload (no file id) starts from no confirmed parts, and a new outcome from no parts sent.
    if (data.uploadFileId === null) statements(db).clearParts.run(job.id);
    if (data.outcome !== undefined) statements(db).clearResultParts.run(job.id);
    const raw = statements(db).byId.get(job.id);
    if (!raw) throw new Error(`Job ${job.id} vanished during its transition.`);
    return toJob(raw);
  });
}

export function setStatusMessage(db: Database, jobId: string, messageId: number, now: number): void {
  statements(db).setStatusMessage.run(messageId, now, jobId);
}

/** Records the file id an upload uses; a different id than before drops the old id's parts. */
export function setUploadFileId(db: Database, jobId: string, fileId: string, now: number): void {
  const s = statements(db);
  writeTransaction(db, () => {
    s.setUploadFileId.run(fileId, now, jobId);
    s.clearOtherParts.run(jobId, fileId);
  });
}

export function addConfirmedPart(db: Database, jobId: string, fileId: string, part: number): void {
  statements(db).addPart.run(jobId, fileId, part);
}

export function confirmedParts(db: Database, jobId: string, fileId: string): number[] {
  return statements(db).parts.all(jobId, fileId);
}

/**
 * Records that part `part` of a result sent in parts reached the user, and clears the upload
 * journal in the same transaction: the next part starts a fresh upload.
 */
export function markResultPartSent(db: Database, jobId: string, part: number, messageId: number | null, now: number): void {
  const s = statements(db);
  writeTransaction(db, () => {
    s.addResultPart.run(jobId, part, messageId, now);
    s.setUploadFileId.run(null, now, jobId);
    s.clearParts.run(jobId);
  });
}

/** The parts (0-based) of the job's result already sent, ascending. */
export function sentResultParts(db: Database, jobId: string): number[] {
  return statements(db).resultParts.all(jobId);
}

/**
 * The result a finished job with the same input, action, option and way of sending video sent, if
 * any. With `lang`, a text result counts only when its job had that language (files have no words).
 */
export function findReusable(
  db: Database,
  inputKey: string,
  action: string,
  option: string | undefined,
  wants: { videoAs?: 'file' | undefined; lang?: string | undefined } = {},
): StoredResult | null {
  const { videoAs, lang } = wants;
  const text = statements(db).reusable.get(inputKey, action, option ?? null, videoAs ?? null, lang ?? null, lang ?? null);
  return text === undefined ? null : parseJson('jobs', inputKey, 'result', text, resultSchema);
}

/** Stores an offer (the buttons under one media message); saving the same id again keeps the first. */
export function saveOffer(db: Database, offer: MediaOffer): void {
  statements(db).insertOffer.run(offer.id, offer.userId, JSON.stringify(offer.chat), offer.sourceMessageId, JSON.stringify(offer.source), offer.lang, offer.createdAt);
}

export function findOffer(db: Database, id: string): MediaOffer | undefined {
  const r = statements(db).offer.get(id);
  if (!r) return undefined;
  return {
    id: r.id,
    userId: r.user_id,
    chat: parseJson('media_offers', r.id, 'chat', r.chat, chatRefSchema),
    sourceMessageId: r.source_message_id,
    source: parseJson('media_offers', r.id, 'source', r.source, jobSourceSchema),
    lang: r.lang,
    createdAt: r.created_at,
  };
}
