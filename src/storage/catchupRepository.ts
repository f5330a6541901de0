/**
 * The catch-up log (catchup_log of 002-updates): one row per catch-up run, for operators. A run is
 * opened when it starts (beginCatchup) and closed with its figures when everything it fetched is
 * stored (finishCatchup); a row left open means the process died during that catch-up.
 */
import type { Database, Statement } from 'better-sqlite3';

export interface CatchupRecord {
  id: number;
  startedAt: number;
  finishedAt: number | null;
  recovered: number;
  skippedPts: number;
  offlineSeconds: number;
}

interface RawCatchup {
  id: number;
  started_at: number;
  finished_at: number | null;
  recovered: number;
  skipped_pts: number;
  offline_seconds: number;
}

const CATCHUP = 'id, started_at, finished_at, recovered, skipped_pts, offline_seconds';

interface Statements {
  begin: Statement<[number, number]>;
  finish: Statement<[number, number, number, number]>;
  recent: Statement<[number], RawCatchup>;
}

const cache = new WeakMap<Database, Statements>();

function statements(db: Database): Statements {
  let s = cache.get(db);
  if (!s) {
    s = {
      begin: db.prepare('INSERT INTO catchup_log (started_at, offline_seconds) VALUES (?, ?)'),
      finish: db.prepare('UPDATE catchup_log SET finished_at = ?, recovered = ?, skipped_pts = ? WHERE id = ?'),
      recent: db.prepare(`SELECT ${CATCHUP} FROM catchup_log ORDER BY id DESC LIMIT ?`),
    };
    cache.set(db, s);
  }
  return s;
}

/** Opens a catch-up log entry; returns its id for finishCatchup. Offline seconds are stored whole. */
export function beginCatchup(db: Database, entry: { startedAt: number; offlineSeconds: number }): number {
  return Number(statements(db).begin.run(entry.startedAt, Math.max(0, Math.trunc(entry.offlineSeconds))).lastInsertRowid);
}

/** Closes a catch-up log entry. An entry left open means the process died during that catch-up. */
export function finishCatchup(db: Database, id: number, result: { finishedAt: number; recovered: number; skippedPts: number }): void {
  statements(db).finish.run(result.finishedAt, result.recovered, result.skippedPts, id);
}

/** The latest catch-up runs, newest first (for the admin panel and alerts). */
export function recentCatchups(db: Database, limit = 10): CatchupRecord[] {
  return statements(db)
    .recent.all(limit)
    .map((r) => ({
      id: r.id,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      recovered: r.recovered,
      skippedPts: r.skipped_pts,
      offlineSeconds: r.offline_seconds,
    }));
}
