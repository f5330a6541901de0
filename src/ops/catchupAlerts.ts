/**
 * What operators see of a catch-up: one log line with the figures (updates recovered, seconds
 * offline, pts skipped), a row in catchup_log, and a message to each admin when Courier was
 * offline longer than updates.offlineAlertSeconds or updates were lost for good (differenceTooLong).
 */
import type { BotPort } from '../domain/botPort.js';
import { replyRandomId } from '../domain/randomId.js';
import { logger, errorMessage } from '../log/logger.js';
import { texts, type Texts } from '../texts/index.js';

const log = logger('catchup');

export interface CatchupFigures {
  /** Which run: the one at start or a later gap. */
  reason: 'start' | 'gap';
  recovered: number;
  skippedPts: number;
  requests: number;
  /** Seconds the difference took to fetch and store. */
  seconds: number;
  /** Seconds Courier was not running before this start (0 for gap runs). */
  offlineSeconds: number;
  /** A stable id of this catch-up (its catchup_log row), so a re-sent alert is deduplicated. */
  id: number;
}

export function logCatchup(f: CatchupFigures): void {
  const text =
    `catch-up finished: ${f.recovered} update(s) recovered in ${f.seconds.toFixed(2)} s over ${f.requests} request(s)` +
    (f.reason === 'start' ? ` after ${Math.round(f.offlineSeconds)} s offline` : ' after a gap') +
    (f.skippedPts > 0 ? `; ${f.skippedPts} update(s) were too old to fetch and are lost` : '');
  const fields = { reason: f.reason, recovered: f.recovered, seconds: f.seconds, requests: f.requests, offlineSeconds: f.offlineSeconds, skippedPts: f.skippedPts };
  if (f.skippedPts > 0) log.warn(text, fields);
  else log.info(text, fields);
}

/**
 * The alert text, or null when the figures need none. Admins have no language setting, so alerts
 * are in English unless the caller passes other texts.
 */
export function alertText(f: CatchupFigures, offlineAlertSeconds: number, t: Texts = texts.en): string | null {
  const lines: string[] = [];
  if (f.reason === 'start' && f.offlineSeconds > offlineAlertSeconds) lines.push(t.adminCaughtUp(formatDuration(t, f.offlineSeconds), f.recovered));
  if (f.skippedPts > 0) lines.push(t.adminUpdatesLost(f.skippedPts));
  return lines.length > 0 ? lines.join('\n') : null;
}

export interface AlertTarget {
  id: string;
  accessHash: string | undefined;
}

/** Sends the catch-up alert, if the figures call for one, to every admin. */
export async function alertAdmins(port: BotPort, admins: readonly AlertTarget[], f: CatchupFigures, offlineAlertSeconds: number): Promise<void> {
  const text = alertText(f, offlineAlertSeconds);
  if (text) await alertAdminsText(port, admins, text, `alert:${f.id}`);
}

/**
 * Sends `text` to every admin; an admin Courier cannot reach is logged, not fatal. `key` names the
 * alert for good, so one re-sent after a crash is deduplicated by Telegram. Resolves to the number
 * of admins it reached.
 */
export async function alertAdminsText(port: BotPort, admins: readonly AlertTarget[], text: string, key: string): Promise<number> {
  let delivered = 0;
  for (const [index, admin] of admins.entries()) {
    try {
      const chat = { kind: 'user' as const, id: admin.id, ...(admin.accessHash !== undefined ? { accessHash: admin.accessHash } : {}) };
      await port.sendText(chat, text, { randomId: replyRandomId(key, index) });
      delivered += 1;
    } catch (error) {
      log.warn(`could not alert admin ${admin.id} (they must have written to the bot once): ${errorMessage(error)}`);
    }
  }
  return delivered;
}

export function formatDuration(t: Texts, seconds: number): string {
  const s = Math.round(seconds);
  if (s < 120) return t.durationSeconds(s);
  if (s < 7200) return t.durationMinutes(Math.round(s / 60));
  return t.durationHours(s / 3600);
}
