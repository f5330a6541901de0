/**
 * The admins' alerts as a pure state machine: conditions in, decisions out, the clock passed in.
 * No sockets, no storage: the alert loop (alertLoop.ts) measures, calls `decideAlerts`, sends what
 * it says and persists the returned state.
 *
 * Per alert:
 * - quiet → active: the condition starts; one "fire" decision;
 * - active, still true: a "repeat" at most every `repeatMs` (hourly), so an alert nobody acted on
 *   is not forgotten, yet never floods the admins;
 * - active → quiet: the condition ended; one "recover" decision.
 *
 * Every decision carries a `key` naming that message for good: the alert, when its episode began
 * and which message of the episode it is. The sender derives the random_id from it, and the state
 * is persisted, so a message re-sent after a crash or restart is the same message and Telegram
 * drops the copy (RANDOM_ID_DUPLICATE); a restart in the middle of an episode neither fires it
 * again nor forgets to recover it.
 */

export const ALERT_NAMES = ['diskLow', 'memoryHigh', 'repliesSlow', 'sqliteBusy', 'telegramDown', 'backupFailed'] as const;
export type AlertName = (typeof ALERT_NAMES)[number];

/** What was measured for one alert: whether its condition holds, and the figures for the text. */
export interface AlertCondition {
  name: AlertName;
  active: boolean;
  /** The figures the message shows (a percent, seconds, a reason); ignored when not active. */
  figures?: Record<string, number | string>;
}

/** An active alert's episode. */
export interface AlertEpisode {
  /** When the condition started (ms). */
  since: number;
  lastSentAt: number;
  /** Messages sent in this episode (the fire counts as 1). */
  sent: number;
}

/** Active episodes by alert; absent = quiet. Plain JSON, persisted by the loop. */
export type AlertState = Partial<Record<AlertName, AlertEpisode>>;

export interface AlertDecision {
  kind: 'fire' | 'repeat' | 'recover';
  name: AlertName;
  /** Names this message for good; the random_id derives from it. */
  key: string;
  figures: Record<string, number | string>;
  /** Milliseconds since the episode began (for the recovery text). */
  lastedMs: number;
}

export const REPEAT_MS = 60 * 60_000;

export function decideAlerts(
  state: AlertState,
  conditions: readonly AlertCondition[],
  nowMs: number,
  repeatMs: number = REPEAT_MS,
): { state: AlertState; decisions: AlertDecision[] } {
  const next: AlertState = { ...state };
  const decisions: AlertDecision[] = [];
  for (const condition of conditions) {
    const episode = next[condition.name];
    const figures = condition.figures ?? {};
    if (condition.active && !episode) {
      next[condition.name] = { since: nowMs, lastSentAt: nowMs, sent: 1 };
      decisions.push({ kind: 'fire', name: condition.name, key: `ops:${condition.name}:${nowMs}:1`, figures, lastedMs: 0 });
    } else if (condition.active && episode && nowMs - episode.lastSentAt >= repeatMs) {
      const sent = episode.sent + 1;
      next[condition.name] = { ...episode, lastSentAt: nowMs, sent };
      decisions.push({ kind: 'repeat', name: condition.name, key: `ops:${condition.name}:${episode.since}:${sent}`, figures, lastedMs: nowMs - episode.since });
    } else if (!condition.active && episode) {
      delete next[condition.name];
      decisions.push({ kind: 'recover', name: condition.name, key: `ops:${condition.name}:${episode.since}:recovered`, figures, lastedMs: nowMs - episode.since });
    }
  }
  return { state: next, decisions };
}

/** Reads a persisted state back, dropping whatever is not a well-formed episode of a known alert. */
export function parseAlertState(json: string | undefined): AlertState {
  if (!json) return {};
  try {
    const raw = JSON.parse(json) as Record<string, unknown>;
    const state: AlertState = {};
    for (const name of ALERT_NAMES) {
      const e = raw[name] as Partial<AlertEpisode> | undefined;
      if (e && typeof e.since === 'number' && typeof e.lastSentAt === 'number' && typeof e.sent === 'number') state[name] = { since: e.since, lastSentAt: e.lastSentAt, sent: e.sent };
    }
    return state;
  } catch {
    return {};
  }
}
