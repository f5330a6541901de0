/**
 * src/ops/: what the operator sees of a running Courier: metrics and health on an HTTP endpoint,
 * alerts to the admins, scheduled backups, catch-up figures and the event-loop delay. This file
 * is the room's one entry for the composition root: `startOps` builds the parts and returns
 * the hooks app.ts threads through existing seams (the update handler, the Telegram link, the
 * job runner's onJobEnded), so no lower room imports src/ops.
 *
 * Invariants: the HTTP server starts right after the database opens (so /livez answers during a
 * slow connect, and /readyz says why it is not ready yet), and everything here stops before the
 * database closes; a failing probe or alert never stops the service, it is logged.
 */
import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { totalmem } from 'node:os';
import type { ChatRef } from '../domain/chat.js';
import type { Incoming } from '../domain/incoming.js';
import type { BotPort } from '../domain/botPort.js';
import type { TransferProgress } from '../domain/mediaPorts.js';
import { errorMessage, logger } from '../log/logger.js';
import type { Database } from '../storage/index.js';
import { countPending } from '../storage/inboxRepository.js';
import { createKvRepository } from '../storage/kvRepository.js';
import type { TelegramLink } from '../telegram/connectTelegram.js';
import { startAlertLoop, type AlertFigures, type AlertLoop, type AlertThresholds } from './alertLoop.js';
import type { AlertTarget } from './catchupAlerts.js';
import { lastBackupAt, startBackupSchedule, type BackupSchedule } from './backups.js';
import { watchEventLoopDelay } from './eventLoopDelay.js';
import { checkReadiness } from './health.js';
import { startOpsHttpServer, type OpsHttpServer } from './httpServer.js';
import { createCourierMetrics, isSqliteBusy, type CourierMetrics } from './metrics.js';
import { createReplyWindow } from './replyWindow.js';

const log = logger('ops');

export interface OpsConfig {
  ops: { httpPort: number; httpHost: string };
  alerts: AlertThresholds & { checkSeconds: number; memoryLimitBytes: number | null; repeatMinutes: number };
  backups: { everyHours: number; dir: string; keep: number };
  /** The directory of the database: its file system's free space is what the disk alert watches. */
  dataDir: string;
}

/** A handler of updates, as the inbox calls it (structurally src/inbox/drain.ts's UpdateHandler). */
export interface WatchedHandler {
  handle(incoming: Incoming, port: BotPort): Promise<void>;
}

export interface JobEndedEvent {
  action: string;
  outcome: string;
  seconds: number;
  failure?: { reason: string; message: string };
}

export interface Ops {
  readonly metrics: CourierMetrics;
  /** Times every handled update (reply seconds, updates handled, SQLITE_BUSY reaching it). */
  watchHandler<H extends WatchedHandler>(handler: H): H;
  /** Counts stored updates, catch-up recoveries and transferred bytes; reads the connection state. */
  watchLink(link: TelegramLink): TelegramLink;
  jobEnded(event: JobEndedEvent): void;
  /** Starts the alerts once Telegram is connected (they are sent through the bot). */
  startAlerts(port: BotPort, admins: () => readonly AlertTarget[]): void;
  /** Stops the alerts, backups and the endpoint; logs the event-loop delay line. */
  stop(): Promise<void>;
}

/** A container's memory limit (cgroup v2 memory.max, or v1's limit), or null when there is none. */
export function cgroupMemoryLimit(read: (file: string) => string = (f) => readFileSync(f, 'utf8')): number | null {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const value = Number(read(file).trim());
      // v1 says "no limit" with a huge number; anything beyond the machine is no limit either.
      if (Number.isFinite(value) && value > 0 && value < totalmem()) return value;
    } catch {
      // not there: try the next, or there is no limit
    }
  }
  return null;
}

export interface OpsDeps {
  db: Database;
  now: () => number;
}

export async function startOps(config: OpsConfig, deps: OpsDeps): Promise<Ops> {
  const { db, now } = deps;
  const startedAt = now();
  const loopDelay = watchEventLoopDelay();
  const replies = createReplyWindow(config.alerts.slowReplyWindowMinutes * 60_000);
  const busyAt: number[] = [];
  let link: TelegramLink | null = null;
  let lastHandledAt = startedAt;
  let telegramDownSince: number | null = null;

  const disk = async () => {
    const s = await statfs(config.dataDir);
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  };
  const metrics = createCourierMetrics({
    inboxPending: () => countPending(db),
    outbox: () => {
      const stats = link?.outboxStats?.();
      return stats ? { queued: stats.waiting, floodWaits: stats.floodWaits } : null;
    },
    diskFreeBytes: async () => (await disk()).freeBytes,
    lastBackupAt: () => lastBackupAt(db),
  });
  const sawError = (error: unknown) => {
    if (!isSqliteBusy(error)) return;
    metrics.record.sqliteBusy();
    busyAt.push(now());
  };

  const kv = createKvRepository(db);
  let http: OpsHttpServer | null = null;
  if (config.ops.httpPort > 0) {
    http = await startOpsHttpServer(
      config.ops.httpHost,
      config.ops.httpPort,
      {
        metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
        readiness: () =>
          checkReadiness({
            writeProbe: () => {
              try {
                kv.set('ops.readyProbeAt', String(now()));
              } catch (error) {
                sawError(error);
                throw error;
              }
            },
            telegramConnected: () => (link ? (link.connected?.() ?? true) : null),
            inboxPending: () => countPending(db),
            lastHandledAt: () => lastHandledAt,
            now,
          }),
      },
      (error) => log.warn(`ops endpoint: ${errorMessage(error)}`),
    );
    log.info(`metrics and health on http://${config.ops.httpHost}:${http.port}/metrics, /livez, /readyz`);
  }

  const backups: BackupSchedule = startBackupSchedule({
    db,
    dir: config.backups.dir,
    keep: config.backups.keep,
    everyMs: config.backups.everyHours * 3_600_000,
    now,
    onBackup: (result) => {
      if ('file' in result) log.info(`database backed up to ${result.file} in ${result.seconds.toFixed(2)} s` + (result.deleted.length > 0 ? `; ${result.deleted.length} old backup(s) deleted` : ''));
      else log.error(`database backup failed: ${result.error}`);
    },
  });

  const memoryLimit = config.alerts.memoryLimitBytes ?? cgroupMemoryLimit() ?? totalmem();
  const measure = async (): Promise<AlertFigures> => {
    const at = now();
    const connected = link ? (link.connected?.() ?? true) : true;
    telegramDownSince = connected ? null : (telegramDownSince ?? at);
    const windowMs = config.alerts.slowReplyWindowMinutes * 60_000;
    while (busyAt.length > 0 && busyAt[0]! < at - windowMs) busyAt.shift();
    const p95 = replies.p95(at);
    return {
      disk: await disk().catch(() => null),
      memory: { rssBytes: process.memoryUsage.rss(), limitBytes: memoryLimit },
      replies: { p95Seconds: p95.seconds, samples: p95.samples },
      sqliteBusyRecent: busyAt.length,
      telegramDownSeconds: telegramDownSince === null ? 0 : (at - telegramDownSince) / 1000,
      backupFailure: backups.lastFailure(),
    };
  };
  let alerts: AlertLoop | null = null;

  const countBytes = (direction: 'download' | 'upload', onProgress?: (p: TransferProgress) => void) => {
    let seen: number | null = null;
    return (progress: TransferProgress) => {
      // Transfers report once before the first part (src/transfer/): that first figure is where a
      // resumed transfer starts, so only what moved in this call counts.
      if (seen !== null && progress.doneBytes > seen) metrics.record.transferred(direction, progress.doneBytes - seen);
      seen = Math.max(seen ?? 0, progress.doneBytes);
      onProgress?.(progress);
    };
  };

  return {
    metrics,
    watchHandler: (handler) =>
      Object.assign(Object.create(handler) as typeof handler, {
        handle: async (incoming: Incoming, port: BotPort) => {
          try {
            await handler.handle(incoming, port);
          } catch (error) {
            sawError(error);
            throw error;
          }
          const at = now();
          lastHandledAt = at;
          // From the message's date, but never from before this start: a backlog caught up after
          // downtime is the catch-up's story (its own figures and alert), not a slow reply.
          const seconds = (at - Math.max(incoming.date * 1000, startedAt)) / 1000;
          metrics.record.updateHandled(seconds);
          replies.add(at, seconds);
        },
      }),
    watchLink: (original) => {
      link = original;
      return {
        ...original,
        files: {
          // Everything else (the upload limit, future members) passes through untouched.
          ...original.files,
          download: (media, destination, options) => original.files.download(media, destination, { ...options, onProgress: countBytes('download', options.onProgress) }),
          sendFile: (chat: ChatRef, file, options) => original.files.sendFile(chat, file, { ...options, onProgress: countBytes('upload', options.onProgress) }),
          sendStored: (chat, stored, file, options) => original.files.sendStored(chat, stored, file, options),
        },
        startUpdates: (setup) =>
          original.startUpdates({
            ...setup,
            inbox: {
              ...setup.inbox,
              storeUpdates: (events, stateAfter) => {
                try {
                  const result = setup.inbox.storeUpdates(events, stateAfter);
                  metrics.record.updatesReceived(result.inserted);
                  return result;
                } catch (error) {
                  sawError(error);
                  throw error;
                }
              },
            },
            onCatchup: (report) => {
              metrics.record.catchupRecovered(report.recovered);
              setup.onCatchup(report);
            },
            onError: (error, what) => {
              sawError(error);
              setup.onError(error, what);
            },
          }),
        // The alerts send through this link: they stop before it goes.
        disconnect: async () => {
          await alerts?.stop();
          await original.disconnect();
        },
      };
    },
    jobEnded: (event) => {
      metrics.record.jobEnded(event.action, event.outcome, event.seconds);
      if (event.failure && /SQLITE_BUSY|database is locked/i.test(event.failure.message)) sawError(new Error(event.failure.message));
    },
    startAlerts: (port, admins) => {
      alerts ??= startAlertLoop({
        db,
        port,
        admins,
        measure,
        thresholds: config.alerts,
        everyMs: config.alerts.checkSeconds * 1000,
        repeatMs: config.alerts.repeatMinutes * 60_000,
        now,
      });
    },
    stop: async () => {
      await alerts?.stop();
      backups.stop();
      await http?.close();
      loopDelay.stop();
      log.info(loopDelay.summary());
    },
  };
}
