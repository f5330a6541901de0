/**
 * The update engine's knobs, its misuse error and a small bounded memory it uses to spot repeats.
 * Kept apart so engine.ts holds only the state machine; engine.ts re-exports what callers need.
 */

// https://core.telegram.org/method/updates.getChannelDifference: "max 100000; ordinary
// (non-bot) users are supposed to pass 10-100".
export const BOT_CHANNEL_DIFFERENCE_LIMIT = 100_000;
export const USER_CHANNEL_DIFFERENCE_LIMIT = 100;

export interface UpdateEngineOptions<U = unknown> {
  /** How long a possible gap may stay open before getting the difference (default 500 ms). */
  gapTimeoutMs?: number;
  /** How long an entry may stay quiet before getting its difference anyway (default 15 min). */
  idleDifferenceMs?: number;
  /** `limit` for getChannelDifference (default 100; bots may use BOT_CHANNEL_DIFFERENCE_LIMIT). */
  channelDifferenceLimit?: number;
  /** Passed on as getDifference's pts_total_limit; unset by default (Courier wants everything). */
  ptsTotalLimit?: number;
  /** Passed on as getDifference's pts_limit: how many events one slice may carry (fewer round trips when far behind). */
  ptsLimit?: number;
  /**
   * A stable identity for an update without pts (e.g. `cb:<query id>`), or null. Updates with a
   * key are dispatched once even when both a container and a difference bring them.
   */
  plainUpdateKey?: (update: U) => string | null;
}

/** How many container seqs and plain-update keys are remembered for spotting repeats. */
export const REMEMBERED = 4096;

/** The engine was asked to do something its state does not allow: a bug in the caller. */
export class UpdateEngineMisuseError extends Error {
  override readonly name = 'UpdateEngineMisuseError';
}

/** The users and chats that came with an update, for resolving peers. */
export type Page = { readonly users: readonly unknown[]; readonly chats: readonly unknown[] };

/** Adds to a bounded memory, forgetting the oldest entries first. */
export function remember<T>(seen: Set<T>, value: T): void {
  seen.delete(value);
  seen.add(value);
  if (seen.size > REMEMBERED) seen.delete(seen.values().next().value as T);
}
