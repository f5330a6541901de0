/**
 * The catch-up runs as operators see them: every run that filled the inbox from a difference gets
 * a catchup_log row. The run at start is opened before the first difference is fetched (with the
 * heartbeat's offline seconds), so a crash during it leaves an open row behind; later runs (gaps,
 * reconnects, the idle rule) are opened and closed when their report arrives. A start that found
 * nothing missed still closes its row, with zeros.
 *
 * The figures returned are those of src/ops/catchupAlerts.ts (CatchupFigures), which logs them
 * and alerts the admins; the composition root passes them on.
 */
import type { Database } from '../storage/index.js';
import { beginCatchup, finishCatchup } from '../storage/catchupRepository.js';

/** A finished catch-up, as the update loop reports it (its CatchupReport). */
export interface CatchupReportData {
  reason: 'start' | 'gap';
  startedAt: number;
  finishedAt: number;
  recovered: number;
  skippedPts: number;
  requests: number;
}

/** A recorded run's figures (ops' CatchupFigures). */
export interface CatchupRun {
  /** Its catchup_log row: stable, so an alert about it is deduplicated. */
  id: number;
  reason: 'start' | 'gap';
  recovered: number;
  skippedPts: number;
  requests: number;
  seconds: number;
  /** Seconds offline before this start; 0 for later runs. */
  offlineSeconds: number;
}

export interface CatchupLog {
  /** The row of the run at start, opened when the log was created. */
  readonly startRunId: number;
  /** Closes the run `report` describes (the start's, or a new row for a later run) and returns its figures. */
  record(report: CatchupReportData): CatchupRun;
  /** Nothing was missed at start: closes the start's row with zeros. */
  nothingMissed(): CatchupRun;
}

export function createCatchupLog(options: { db: Database; now: () => number; offlineSeconds: number }): CatchupLog {
  const { db, now, offlineSeconds } = options;
  const startRunId = beginCatchup(db, { startedAt: now(), offlineSeconds });
  const record = (report: CatchupReportData): CatchupRun => {
    const atStart = report.reason === 'start';
    const id = atStart ? startRunId : beginCatchup(db, { startedAt: report.startedAt, offlineSeconds: 0 });
    finishCatchup(db, id, { finishedAt: report.finishedAt, recovered: report.recovered, skippedPts: report.skippedPts });
    return {
      id,
      reason: report.reason,
      recovered: report.recovered,
      skippedPts: report.skippedPts,
      requests: report.requests,
      seconds: (report.finishedAt - report.startedAt) / 1000,
      offlineSeconds: atStart ? offlineSeconds : 0,
    };
  };
  return {
    startRunId,
    record,
    nothingMissed: () => {
      const at = now();
      return record({ reason: 'start', startedAt: at, finishedAt: at, recovered: 0, skippedPts: 0, requests: 0 });
    },
  };
}
