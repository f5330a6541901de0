/**
 * Liveness and readiness, as an orchestrator (or a person with curl) asks them:
 * - /livez: the process answers at all (the event loop turns); nothing else is checked, so a
 *   restart is never triggered by Telegram being away;
 * - /readyz: Courier can do its work now: the database takes a write, Telegram is connected,
 *   and the update handling is not stuck (updates waiting while nothing was handled for
 *   `stuckAfterMs`). Each failing check adds a reason a person can act on; 503 lists them.
 */

export interface ReadinessProbes {
  /** Writes something small; throws when the database does not take it (full disk, read-only, locked). */
  writeProbe(): void;
  /** Whether the GramJS client is connected (null: not connected yet, still starting). */
  telegramConnected(): boolean | null;
  /** Inbox rows waiting to be handled. */
  inboxPending(): number;
  /** When an update was last handled, or when handling started (ms). */
  lastHandledAt(): number;
  now(): number;
}

export interface Readiness {
  ready: boolean;
  reasons: string[];
}

export const STUCK_AFTER_MS = 5 * 60_000;

export function checkReadiness(probes: ReadinessProbes, stuckAfterMs: number = STUCK_AFTER_MS): Readiness {
  const reasons: string[] = [];
  try {
    probes.writeProbe();
  } catch (error) {
    reasons.push(`database not writable: ${error instanceof Error ? error.message : String(error)}`);
  }
  const connected = probes.telegramConnected();
  if (connected === null) reasons.push('Telegram: still connecting');
  else if (!connected) reasons.push('Telegram: not connected (GramJS is reconnecting; check the network or telegram.proxy)');
  try {
    const pending = probes.inboxPending();
    const idleMs = probes.now() - probes.lastHandledAt();
    if (pending > 0 && idleMs > stuckAfterMs) {
      reasons.push(`update handling stuck: ${pending} update(s) pending and none handled for ${Math.round(idleMs / 1000)} s`);
    }
  } catch (error) {
    reasons.push(`inbox not readable: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { ready: reasons.length === 0, reasons };
}
