/**
 * The figures of /stats that come from the database. Every query here reads an index range (the
 * indexes of migration 004-admin), never a whole big table: users and inbox rows run to millions on
 * a busy bot, and /stats must answer at once. The user total is kept by a trigger for that reason.
 * test/unit/storage/statsPlan.test.ts checks the plans with EXPLAIN QUERY PLAN.
 */
import type { Database } from 'better-sqlite3';

export interface StoredStats {
  users: { total: number; active24h: number; active7d: number; newToday: number };
  messagesToday: number;
  /** Jobs that ended since the start of the day, by action and outcome (done, failed, cancelled). */
  jobsToday: { action: string; outcome: string; count: number }[];
  /** Jobs waiting or running now, by state. */
  queue: { queued: number; running: number };
  /** Wall time from creation to done of today's finished jobs, or null when none finished. */
  jobTimeMs: { p50: number; p95: number } | null;
}

const DAY_MS = 86_400_000;

/** The SQL of every stats query (the plan test reads them). */
export const STATS_QUERIES = {
  total: 'SELECT total AS n FROM user_count WHERE id = 1',
  activeSince: 'SELECT COUNT(*) AS n FROM users WHERE last_seen >= ?',
  newSince: 'SELECT COUNT(*) AS n FROM users WHERE first_seen >= ?',
  handledSince: 'SELECT COUNT(*) AS n FROM inbox WHERE handled_at >= ?',
  jobsEndedSince:
    "SELECT action, state AS outcome, COUNT(*) AS count FROM jobs WHERE updated_at >= ? AND state IN ('done', 'failed', 'cancelled') GROUP BY action, state ORDER BY action, state",
  queue: "SELECT state, COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'downloading', 'processing', 'uploading') GROUP BY state",
  doneTimesSince: "SELECT updated_at - created_at AS ms FROM jobs WHERE updated_at >= ? AND state = 'done'",
} as const;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function readStats(db: Database, now: number, startOfDay: number): StoredStats {
  const one = (sql: string, ...args: number[]) => (db.prepare(sql).get(...args) as { n: number } | undefined)?.n ?? 0;
  const queueRows = db.prepare(STATS_QUERIES.queue).all() as { state: string; n: number }[];
  const times = (db.prepare(STATS_QUERIES.doneTimesSince).all(startOfDay) as { ms: number }[]).map((r) => r.ms).sort((a, b) => a - b);
  return {
    users: {
      total: one(STATS_QUERIES.total),
      active24h: one(STATS_QUERIES.activeSince, now - DAY_MS),
      active7d: one(STATS_QUERIES.activeSince, now - 7 * DAY_MS),
      newToday: one(STATS_QUERIES.newSince, startOfDay),
    },
    messagesToday: one(STATS_QUERIES.handledSince, startOfDay),
    jobsToday: db.prepare(STATS_QUERIES.jobsEndedSince).all(startOfDay) as StoredStats['jobsToday'],
    queue: {
      queued: queueRows.find((r) => r.state === 'queued')?.n ?? 0,
      running: queueRows.filter((r) => r.state !== 'queued').reduce((sum, r) => sum + r.n, 0),
    },
    jobTimeMs: times.length === 0 ? null : { p50: percentile(times, 0.5), p95: percentile(times, 0.95) },
  };
}

export interface JobLine {
  id: string;
  userId: string;
  action: string;
  state: string;
  updatedAt: number;
}

/** The jobs the admin panel lists: running and queued now, and those that failed since `since`. */
export function jobLines(db: Database, since: number, limit = 8): { active: JobLine[]; failed: JobLine[] } {
  const select = (where: string, ...args: number[]) =>
    db.prepare(`SELECT id, user_id AS userId, action, state, updated_at AS updatedAt FROM jobs WHERE ${where} ORDER BY updated_at DESC LIMIT ${limit}`).all(...args) as JobLine[];
  return {
    active: select("state IN ('queued', 'downloading', 'processing', 'uploading')"),
    failed: select("updated_at >= ? AND state = 'failed'", since),
  };
}

/** Ids of a user's jobs that have not ended (a ban cancels them). */
export function unfinishedJobsOf(db: Database, userId: string): string[] {
  return (db.prepare("SELECT id FROM jobs WHERE user_id = ? AND state IN ('queued', 'downloading', 'processing', 'uploading')").all(userId) as { id: string }[]).map((r) => r.id);
}
