/**
 * The alert loop: every alerts.checkSeconds it measures (disk, memory, reply times, SQLITE_BUSY,
 * Telegram's connection, the last backup), turns the figures into conditions (`conditionsFrom`,
 * pure), lets the state machine decide (alertMachine.ts), sends what it decided to every admin in
 * English (as the catch-up alerts do), and persists the machine's state in kv 'ops.alerts' after
 * sending: a crash in between sends the same messages again with the same random_ids, which
 * Telegram drops.
 */
import type { BotPort } from '../domain/botPort.js';
import { errorMessage, logger } from '../log/logger.js';
import type { Database } from '../storage/index.js';
import { createKvRepository } from '../storage/kvRepository.js';
import { texts, type Texts } from '../texts/index.js';
import { decideAlerts, parseAlertState, type AlertCondition, type AlertDecision } from './alertMachine.js';
import { alertAdminsText, formatDuration, type AlertTarget } from './catchupAlerts.js';

const log = logger('alerts');

export const ALERT_STATE_KEY = 'ops.alerts';

export interface AlertThresholds {
  minFreeDiskPercent: number;
  maxMemoryPercent: number;
  slowReplySeconds: number;
  slowReplyWindowMinutes: number;
  telegramDownSeconds: number;
}

/** One measurement. */
export interface AlertFigures {
  disk: { freeBytes: number; totalBytes: number } | null;
  memory: { rssBytes: number; limitBytes: number };
  replies: { p95Seconds: number; samples: number };
  /** SQLITE_BUSY errors that reached a caller within the reply window. */
  sqliteBusyRecent: number;
  /** Seconds Telegram has been unreachable (0 when connected). */
  telegramDownSeconds: number;
  backupFailure: string | null;
}

/** Fewer replies than this in the window say nothing about the 95th percentile. */
export const MIN_REPLY_SAMPLES = 5;

export function conditionsFrom(f: AlertFigures, th: AlertThresholds): AlertCondition[] {
  const diskPercent = f.disk && f.disk.totalBytes > 0 ? (f.disk.freeBytes / f.disk.totalBytes) * 100 : 100;
  const memoryPercent = f.memory.limitBytes > 0 ? (f.memory.rssBytes / f.memory.limitBytes) * 100 : 0;
  return [
    { name: 'diskLow', active: diskPercent < th.minFreeDiskPercent, figures: { percent: Math.floor(diskPercent), freeBytes: f.disk?.freeBytes ?? 0 } },
    { name: 'memoryHigh', active: memoryPercent > th.maxMemoryPercent, figures: { percent: Math.round(memoryPercent), limitBytes: f.memory.limitBytes } },
    {
      name: 'repliesSlow',
      active: f.replies.samples >= MIN_REPLY_SAMPLES && f.replies.p95Seconds > th.slowReplySeconds,
      figures: { seconds: Math.round(f.replies.p95Seconds), minutes: th.slowReplyWindowMinutes },
    },
    { name: 'sqliteBusy', active: f.sqliteBusyRecent > 0, figures: { count: f.sqliteBusyRecent } },
    { name: 'telegramDown', active: f.telegramDownSeconds > th.telegramDownSeconds, figures: { seconds: Math.round(f.telegramDownSeconds) } },
    { name: 'backupFailed', active: f.backupFailure !== null, figures: { reason: f.backupFailure ?? '' } },
  ];
}

/** The message for one decision. */
export function alertMessage(d: AlertDecision, t: Texts = texts.en): string {
  if (d.kind === 'recover') return t.alertRecovered(t.alertNames[d.name], formatDuration(t, d.lastedMs / 1000));
  const n = (key: string) => Number(d.figures[key] ?? 0);
  const s = (key: string) => String(d.figures[key] ?? '');
  const text = (() => {
    switch (d.name) {
      case 'diskLow':
        return t.alertDiskLow(n('percent'), t.size(n('freeBytes')));
      case 'memoryHigh':
        return t.alertMemoryHigh(n('percent'), t.size(n('limitBytes')));
      case 'repliesSlow':
        return t.alertRepliesSlow(n('seconds'), n('minutes'));
      case 'sqliteBusy':
        return t.alertSqliteBusy(n('count'));
      case 'telegramDown':
        return t.alertTelegramDown(formatDuration(t, n('seconds')));
      case 'backupFailed':
        return t.alertBackupFailed(s('reason'));
    }
  })();
  return d.kind === 'repeat' ? t.alertStill(text) : text;
}

export interface AlertLoopOptions {
  db: Database;
  port: BotPort;
  admins: () => readonly AlertTarget[];
  measure(): Promise<AlertFigures>;
  thresholds: AlertThresholds;
  everyMs: number;
  repeatMs: number;
  now: () => number;
}

export interface AlertLoop {
  /** One round now (tests; the timer calls it too). Rounds never overlap. */
  check(): Promise<AlertDecision[]>;
  stop(): Promise<void>;
}

export function startAlertLoop(options: AlertLoopOptions): AlertLoop {
  const kv = createKvRepository(options.db);
  let running: Promise<AlertDecision[]> | null = null;
  const round = async (): Promise<AlertDecision[]> => {
    const figures = await options.measure();
    const before = parseAlertState(kv.get(ALERT_STATE_KEY));
    const { state, decisions } = decideAlerts(before, conditionsFrom(figures, options.thresholds), options.now(), options.repeatMs);
    for (const decision of decisions) {
      const text = alertMessage(decision);
      if (decision.kind === 'recover') log.info(`alert ${decision.name} recovered: ${text}`);
      else log.warn(`alert ${decision.name}: ${text}`);
      const admins = options.admins();
      const delivered = await alertAdminsText(options.port, admins, text, decision.key);
      // Reaching no admin (Telegram away, no admin wrote to the bot yet) is not "told": the alert
      // keeps its previous state and is decided again next round.
      if (admins.length > 0 && delivered === 0) {
        if (before[decision.name]) state[decision.name] = before[decision.name];
        else delete state[decision.name];
      }
    }
    if (decisions.length > 0) kv.set(ALERT_STATE_KEY, JSON.stringify(state));
    return decisions;
  };
  const check = () => {
    running ??= round().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    check().catch((error: unknown) => log.warn(`checking the alert conditions failed: ${errorMessage(error)}`));
  }, options.everyMs);
  timer.unref();
  return {
    check,
    stop: async () => {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
