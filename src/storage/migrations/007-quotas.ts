/**
 * Daily quotas (issue 11, src/jobs/quotas.ts): one row per accepted job, saying which user and
 * which UTC day it is charged to, how many input bytes it counts, and whether it still counts (a
 * job that failed through Courier's fault, or was cancelled before it started, is refunded).
 *
 * A row per job rather than a running total per user and day: a refund or a link's late size is
 * then an idempotent write to one row, never an arithmetic on a total that a crash could apply
 * twice. The index covers the quota query, so "what has this user used today" reads only that
 * user's rows of that day, never the jobs table.
 */
export const up = `
CREATE TABLE quota_charges (
  job_id  TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  day     TEXT NOT NULL,                               -- the UTC day charged, 'YYYY-MM-DD'
  bytes   INTEGER NOT NULL CHECK (bytes >= 0),         -- the input's size (a link's: once downloaded)
  counted INTEGER NOT NULL DEFAULT 1 CHECK (counted IN (0, 1))
) STRICT, WITHOUT ROWID;
CREATE INDEX quota_charges_by_user_day ON quota_charges (user_id, day, counted, bytes);
`;
