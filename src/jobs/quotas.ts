/**
 * Daily quotas (issue 11): how many media jobs, and how many bytes of input, one user may have
 * done per day. Pure: the clock is the caller's, storage is src/storage/bot/quotaRepository.ts,
 * and the runner (runner/runnerQuotas.ts) and /usage (src/bot/usage.ts) apply it.
 *
 * The rules, and why:
 * - The day is the UTC day, the same for every user: one reset moment (00:00 UTC) that /usage and
 *   every refusal state plainly, with no time zone to guess from a Telegram account (which has
 *   none). The cost: for a user in Tehran the day turns at 03:30 local time.
 * - A job counts from the moment it is accepted (queued), on the day it was accepted; what it
 *   does after midnight still belongs to that day.
 * - Bytes are the input's size: a Telegram file's size is known before anything is fetched, so a
 *   file that would go over the limit is refused up front. A link's size is known only once it is
 *   downloaded (the server's Content-Length, or what arrived), so a link is refused only when the
 *   day's bytes are already used up, and one link may carry the day over its limit.
 * - A job that failed through Courier's fault or the network's (INTERNAL, DISK_FULL, TIMEOUT,
 *   LINK_UNREACHABLE) is refunded: the user got nothing, and it was not their doing. A failure due
 *   to the input the user chose (too big, too long, not media, damaged, a refused link) counts:
 *   the work was done to find out, and the same input again would fail the same way.
 * - A cancelled job counts only if it had started (downloading or later): it used the resources
 *   the quota protects, and otherwise Cancel near the end would be a way around the quota. A job
 *   cancelled while still queued cost nothing and is refunded.
 * - Retry of a refunded job is new work: it is checked against today's quota and counts today.
 * - Sending a stored result again (re-use) is not a job and costs nothing: it never counts.
 * - Admins (config `admins`) are never refused; their jobs are still recorded, so /usage shows them.
 * - Refusing loses nothing: no job row is made, and the offer's buttons work again tomorrow.
 */
import type { ReasonCode } from '../domain/jobError.js';

const DAY_MS = 86_400_000;

/** 0 means unlimited (the default). */
export interface QuotaLimits {
  jobsPerDay: number;
  bytesPerDay: number;
}

export interface Usage {
  jobs: number;
  bytes: number;
}

/** The UTC day of `ms` as 'YYYY-MM-DD' (how charges are stored: readable in the database). */
export function utcDayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The next 00:00 UTC after `ms` (ms since the epoch). */
export function nextResetAt(ms: number): number {
  return (Math.floor(ms / DAY_MS) + 1) * DAY_MS;
}

/**
 * The time until the next reset as whole hours and minutes, minutes rounded up (so it never
 * shows "0 min" while time is left; 23:59:30 shows 1 min).
 */
export function timeToReset(ms: number): { hours: number; minutes: number } {
  const totalMinutes = Math.max(1, Math.ceil((nextResetAt(ms) - ms) / 60_000));
  return { hours: Math.floor(totalMinutes / 60), minutes: totalMinutes % 60 };
}

export function isUnlimited(limits: QuotaLimits): boolean {
  return limits.jobsPerDay === 0 && limits.bytesPerDay === 0;
}

export type QuotaRefusal =
  | { limit: 'jobs'; used: number; max: number }
  /** `adding`: the input's size when known (a Telegram file), null for a link. */
  | { limit: 'bytes'; used: number; max: number; adding: number | null };

/**
 * Whether one more job with `inputBytes` of input (null: unknown, a link) fits the day's quota.
 * The jobs limit is checked first: when both are reached, the one a user can count is named.
 */
export function quotaRefusal(usage: Usage, limits: QuotaLimits, inputBytes: number | null): QuotaRefusal | null {
  if (limits.jobsPerDay > 0 && usage.jobs >= limits.jobsPerDay) return { limit: 'jobs', used: usage.jobs, max: limits.jobsPerDay };
  if (limits.bytesPerDay > 0) {
    if (usage.bytes >= limits.bytesPerDay) return { limit: 'bytes', used: usage.bytes, max: limits.bytesPerDay, adding: inputBytes };
    if (inputBytes !== null && usage.bytes + inputBytes > limits.bytesPerDay) return { limit: 'bytes', used: usage.bytes, max: limits.bytesPerDay, adding: inputBytes };
  }
  return null;
}

/** Failures due to the input the user chose: they count (see the rules above). */
const USERS_INPUT: ReadonlySet<ReasonCode> = new Set(['FILE_TOO_BIG', 'DURATION_TOO_LONG', 'UNSUPPORTED_MEDIA', 'CORRUPT_MEDIA', 'LINK_REFUSED']);

/** How a job ended, as far as its quota charge cares. */
export type JobEnd =
  | { outcome: 'done' }
  | { outcome: 'failed'; reason: ReasonCode }
  /** `started`: it had left the queue (downloading or later) when it was cancelled. */
  | { outcome: 'cancelled'; started: boolean };

/** Whether a job that ended so still counts against its day's quota. */
export function stillCounts(end: JobEnd): boolean {
  if (end.outcome === 'done') return true;
  if (end.outcome === 'cancelled') return end.started;
  return USERS_INPUT.has(end.reason);
}

/** What /usage shows for one limit: null `max` means no limit. */
export interface UsageLine {
  used: number;
  max: number | null;
  left: number | null;
}

export interface UsageView {
  /** No limit applies to this user: an admin. */
  exempt: boolean;
  jobs: UsageLine;
  bytes: UsageLine;
  /** Time to the next 00:00 UTC. */
  resetsIn: { hours: number; minutes: number };
}

/** The numbers /usage shows for a user with `usage` today. */
export function usageView(usage: Usage, limits: QuotaLimits, exempt: boolean, now: number): UsageView {
  const line = (used: number, max: number): UsageLine =>
    exempt || max === 0 ? { used, max: null, left: null } : { used, max, left: Math.max(0, max - used) };
  return { exempt, jobs: line(usage.jobs, limits.jobsPerDay), bytes: line(usage.bytes, limits.bytesPerDay), resetsIn: timeToReset(now) };
}
