/**
 * Daily quota charges (table quota_charges, migration 007): one row per accepted media job, the
 * UTC day it is charged to, the input bytes it counts and whether it still counts. The policy
 * (what counts, when a job is refunded) is src/jobs/quotas.ts; this file only reads and writes.
 *
 * Every write is idempotent, so a step repeated after a crash changes nothing: a charge is
 * INSERT OR IGNORE (one per job), a refund and a re-charge set a flag, a link's size is set, not
 * added.
 */
import type { Database, Statement } from 'better-sqlite3';

/** What one user has used on one UTC day. */
export interface DayUsage {
  jobs: number;
  bytes: number;
}

export interface QuotaCharge {
  jobId: string;
  userId: string;
  /** 'YYYY-MM-DD', UTC. */
  day: string;
  bytes: number;
  counted: boolean;
}

interface Row {
  job_id: string;
  user_id: string;
  day: string;
  bytes: number;
  counted: number;
}

interface Statements {
  charge: Statement<[string, string, string, number]>;
  usage: Statement<[string, string], { jobs: number; bytes: number }>;
  byJob: Statement<[string], Row>;
  refund: Statement<[string]>;
  recharge: Statement<[string, string]>;
  setBytes: Statement<[number, string]>;
}

/** Served by the index quota_charges_by_user_day alone: one user's rows of one day (a plan test holds it). */
export const USAGE_QUERY = 'SELECT COUNT(*) AS jobs, COALESCE(SUM(bytes), 0) AS bytes FROM quota_charges WHERE user_id = ? AND day = ? AND counted = 1';

const cache = new WeakMap<Database, Statements>();

function statements(db: Database): Statements {
  let s = cache.get(db);
  if (!s) {
    s = {
      charge: db.prepare('INSERT OR IGNORE INTO quota_charges (job_id, user_id, day, bytes, counted) VALUES (?, ?, ?, ?, 1)'),
      usage: db.prepare(USAGE_QUERY),
      byJob: db.prepare('SELECT job_id, user_id, day, bytes, counted FROM quota_charges WHERE job_id = ?'),
      refund: db.prepare('UPDATE quota_charges SET counted = 0 WHERE job_id = ?'),
      recharge: db.prepare('UPDATE quota_charges SET counted = 1, day = ? WHERE job_id = ? AND counted = 0'),
      setBytes: db.prepare('UPDATE quota_charges SET bytes = ? WHERE job_id = ?'),
    };
    cache.set(db, s);
  }
  return s;
}

/** Charges a job to `day` (once: a second call for the same job changes nothing). */
export function chargeJob(db: Database, charge: { jobId: string; userId: string; day: string; bytes: number }): void {
  statements(db).charge.run(charge.jobId, charge.userId, charge.day, Math.max(0, Math.round(charge.bytes)));
}

/** The jobs and bytes that count for `userId` on `day`. */
export function usageOn(db: Database, userId: string, day: string): DayUsage {
  const row = statements(db).usage.get(userId, day);
  return { jobs: row?.jobs ?? 0, bytes: row?.bytes ?? 0 };
}

export function chargeOf(db: Database, jobId: string): QuotaCharge | undefined {
  const row = statements(db).byJob.get(jobId);
  return row && { jobId: row.job_id, userId: row.user_id, day: row.day, bytes: row.bytes, counted: row.counted === 1 };
}

/** The job no longer counts (it failed through Courier's fault, or was cancelled before it started). */
export function refundJob(db: Database, jobId: string): void {
  statements(db).refund.run(jobId);
}

/**
 * A refunded job counts again, now on `day` (a retry is new work, done today). Returns false when
 * it already counted (or has no charge): nothing changed.
 */
export function rechargeJob(db: Database, jobId: string, day: string): boolean {
  return statements(db).recharge.run(day, jobId).changes > 0;
}

/** A link's size, known once it is downloaded. */
export function setChargedBytes(db: Database, jobId: string, bytes: number): void {
  statements(db).setBytes.run(Math.max(0, Math.round(bytes)), jobId);
}
