/**
 * Courier's Prometheus metrics: one registry (never prom-client's global one, so tests can build
 * as many as they like) with Node's default process metrics and Courier's own series.
 *
 * Two kinds of figures, on purpose:
 * - read at scrape time from what already knows them (`MetricSources`): pending inbox rows from
 *   the database, the outbox queue and its FLOOD_WAIT count from the rate limiter, free disk,
 *   the last backup's time. Nothing has to remember to keep these up to date;
 * - counted as things happen, through the small `MetricsRecorder` the composition root hooks
 *   onto existing callbacks (updates stored, the handler finishing, catch-up reports, jobs
 *   ending, bytes moved). Lower rooms never import this file.
 *
 * Names follow Prometheus conventions (base units, `_total` for counters, `_seconds`, `_bytes`);
 * no label ever carries a user or chat id, so the number of series stays fixed.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Figures read when /metrics is scraped; a source that fails or answers null leaves its gauge out. */
export interface MetricSources {
  inboxPending(): number;
  /** The rate limiter's queue and its FLOOD_WAIT count since start (null before Telegram is connected). */
  outbox(): { queued: number; floodWaits: number } | null;
  diskFreeBytes(): Promise<number>;
  /** Milliseconds since the epoch, or null when no backup was made yet. */
  lastBackupAt(): number | null;
}

/** What the composition root reports as it happens. */
export interface MetricsRecorder {
  updatesReceived(count: number): void;
  /** One update handled; `replySeconds` from its arrival (or Courier's start, if later) to the end of its handler. */
  updateHandled(replySeconds: number): void;
  catchupRecovered(count: number): void;
  jobEnded(action: string, outcome: string, seconds: number): void;
  transferred(direction: 'download' | 'upload', bytes: number): void;
  sqliteBusy(): void;
}

export interface CourierMetrics {
  readonly registry: Registry;
  readonly record: MetricsRecorder;
  /** The exposition text (Prometheus text format 0.0.4). */
  render(): Promise<string>;
  readonly contentType: string;
}

/** Replies take from milliseconds (a text answer) to minutes (a catch-up backlog): up to 600 s. */
export const REPLY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** Jobs run from seconds to the job timeout (an hour by default). */
export const JOB_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600];

export function createCourierMetrics(sources: MetricSources, options: { defaultMetrics?: boolean } = {}): CourierMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const updatesReceived = new Counter({ name: 'courier_updates_received_total', help: 'Updates stored in the inbox.', registers });
  const updatesHandled = new Counter({ name: 'courier_updates_handled_total', help: 'Updates whose handler finished.', registers });
  const replySeconds = new Histogram({
    name: 'courier_reply_seconds',
    help: "Seconds from an update's arrival (or Courier's start, if later) until its handler finished.",
    buckets: REPLY_BUCKETS,
    registers,
  });
  const catchupRecovered = new Counter({ name: 'courier_catchup_recovered_total', help: 'Updates recovered by catch-up (getDifference) runs.', registers });
  const jobs = new Counter({ name: 'courier_jobs_total', help: 'Media jobs ended, by action and outcome (done, failed, cancelled).', labelNames: ['action', 'outcome'] as const, registers });
  const jobSeconds = new Histogram({ name: 'courier_job_seconds', help: 'Seconds from a job being accepted until it ended.', labelNames: ['action'] as const, buckets: JOB_BUCKETS, registers });
  const transfer = new Counter({ name: 'courier_transfer_bytes_total', help: 'Bytes of media moved to and from Telegram.', labelNames: ['direction'] as const, registers });
  const sqliteBusy = new Counter({ name: 'courier_sqlite_busy_total', help: 'SQLITE_BUSY errors that reached a caller (the busy timeout ran out).', registers });

  new Gauge({
    name: 'courier_inbox_pending',
    help: 'Inbox rows stored but not handled yet.',
    registers,
    collect() {
      this.set(sources.inboxPending());
    },
  });
  new Gauge({
    name: 'courier_outbox_queued',
    help: 'Sends waiting their turn under the rate limiter.',
    registers,
    collect() {
      this.set(sources.outbox()?.queued ?? 0);
    },
  });
  let floodWaitsShown = 0;
  new Counter({
    name: 'courier_flood_waits_total',
    help: 'FLOOD_WAIT answers Telegram gave to sends.',
    registers,
    collect() {
      // The limiter counts since start; a counter only goes up, so it follows that count.
      const seen = sources.outbox()?.floodWaits ?? 0;
      if (seen > floodWaitsShown) {
        this.inc(seen - floodWaitsShown);
        floodWaitsShown = seen;
      }
    },
  });
  new Gauge({
    name: 'courier_disk_free_bytes',
    help: 'Bytes free on the file system of the temp directory.',
    registers,
    async collect() {
      this.set(await sources.diskFreeBytes());
    },
  });
  new Gauge({
    name: 'courier_last_backup_timestamp_seconds',
    help: 'Unix time of the last successful database backup (0 = none yet).',
    registers,
    collect() {
      const at = sources.lastBackupAt();
      this.set(at === null ? 0 : at / 1000);
    },
  });

  const record: MetricsRecorder = {
    updatesReceived: (count) => {
      if (count > 0) updatesReceived.inc(count);
    },
    updateHandled: (seconds) => {
      updatesHandled.inc();
      replySeconds.observe(Math.max(0, seconds));
    },
    catchupRecovered: (count) => {
      if (count > 0) catchupRecovered.inc(count);
    },
    jobEnded: (action, outcome, seconds) => {
      jobs.inc({ action, outcome });
      jobSeconds.observe({ action }, Math.max(0, seconds));
    },
    transferred: (direction, bytes) => {
      if (bytes > 0) transfer.inc({ direction }, bytes);
    },
    sqliteBusy: () => sqliteBusy.inc(),
  };
  // Every labelled series exists from the first scrape, so rate() sees no gap when it first moves.
  for (const direction of ['download', 'upload']) transfer.inc({ direction }, 0);

  return { registry, record, render: () => registry.metrics(), contentType: registry.contentType };
}

/** True for an error SQLite raised because another connection held the lock past busy_timeout. */
export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) return true;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  return /SQLITE_BUSY|database is locked/i.test(message);
}
