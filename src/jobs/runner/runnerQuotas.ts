/**
 * The runner's side of the daily quotas (the rules are src/jobs/quotas.ts): the check before a
 * job is created or retried, the charge written with the job, refunds when a job ends, and a
 * link's size once it is downloaded. Admins are never refused; their jobs are charged all the
 * same, so /usage shows what they did.
 *
 * No method awaits: the check and the write that follows it run in one turn of the event loop,
 * so two presses at once cannot both take the last job of the day.
 */
import { statSync } from 'node:fs';
import type { Database } from '../../storage/index.js';
import { chargeJob, chargeOf, rechargeJob, refundJob, setChargedBytes, usageOn } from '../../storage/bot/quotaRepository.js';
import type { JobRecord } from '../../storage/jobRepository.js';
import type { JobSource } from '../../domain/media.js';
import { textsFor, type Texts } from '../../texts/index.js';
import { quotaRefusal, stillCounts, timeToReset, utcDayOf, type JobEnd, type QuotaLimits, type QuotaRefusal } from '../quotas.js';

export interface QuotaGateDeps {
  db: Database;
  /** Absent: no limits (jobs are still charged, for /usage). */
  limits?: QuotaLimits | undefined;
  /** User ids (decimal) that are never refused. */
  admins: readonly string[];
  now(): number;
}

/** A quota refusal as the user reads it: the full reason (a message) and a short press answer. */
export interface QuotaVerdict {
  refusal: QuotaRefusal;
  /** A reason for texts.refused(): which limit, what is used, when it resets. */
  reason: string;
  /** Short enough for a button's answer (Telegram shows at most 200 characters). */
  answer: string;
}

const NO_LIMITS: QuotaLimits = { jobsPerDay: 0, bytesPerDay: 0 };

/** The input's size when it is known before the job runs: a Telegram file's; a link's is not. */
export function knownInputBytes(source: JobSource): number | null {
  return source.kind === 'telegram' ? source.media.sizeBytes : null;
}

export function createQuotaGate(deps: QuotaGateDeps) {
  const { db } = deps;
  const limits = deps.limits ?? NO_LIMITS;

  function verdict(userId: string, lang: string, inputBytes: number | null): QuotaVerdict | null {
    if (deps.admins.includes(userId)) return null;
    if (limits.jobsPerDay === 0 && limits.bytesPerDay === 0) return null;
    const now = deps.now();
    const refusal = quotaRefusal(usageOn(db, userId, utcDayOf(now)), limits, inputBytes);
    if (!refusal) return null;
    const t = textsFor(lang);
    const left = timeToReset(now);
    const resetsIn = t.quotaResetsIn(left.hours, left.minutes);
    return { refusal, reason: reasonText(t, refusal, resetsIn), answer: t.quotaReachedShort(resetsIn) };
  }

  return {
    /** Whether a new job from `input` fits today's quota. */
    check(input: { userId: string; lang: string; source: JobSource }): QuotaVerdict | null {
      return verdict(input.userId, input.lang, knownInputBytes(input.source));
    },

    /** Charges a just-created job to the day it was accepted; call in the transaction that creates it. */
    charge(job: JobRecord): void {
      chargeJob(db, { jobId: job.id, userId: job.userId, day: utcDayOf(job.createdAt), bytes: knownInputBytes(job.source) ?? 0 });
    },

    /**
     * Before a retry: a refunded job is new work and must fit today's quota (its input as big as
     * last time); one that still counts was already paid for.
     */
    checkRetry(job: JobRecord, lang: string): QuotaVerdict | null {
      const charge = chargeOf(db, job.id);
      if (!charge || charge.counted) return null;
      return verdict(job.userId, lang, knownInputBytes(job.source) ?? charge.bytes);
    },

    /** The retry was accepted: a refunded job counts again, today. */
    retried(jobId: string): void {
      rechargeJob(db, jobId, utcDayOf(deps.now()));
    },

    /** A job ended: refunded unless it still counts (see quotas.ts). */
    ended(jobId: string, end: JobEnd): void {
      if (!stillCounts(end)) refundJob(db, jobId);
    },

    /** A link's input is on disk: its size is what the job counts. */
    linkDownloaded(jobId: string, inputPath: string): void {
      let size: number;
      try {
        size = statSync(inputPath).size;
      } catch {
        // Gone already (cancelled meanwhile): nothing to count; the next stage reports the loss.
        return;
      }
      setChargedBytes(db, jobId, size);
    },
  };
}

export type QuotaGate = ReturnType<typeof createQuotaGate>;

function reasonText(t: Texts, refusal: QuotaRefusal, resetsIn: string): string {
  if (refusal.limit === 'jobs') return t.quotaJobsUsed(refusal.used, refusal.max, resetsIn);
  if (refusal.adding !== null && refusal.used < refusal.max) {
    return t.quotaBytesTooMuch(t.size(refusal.adding), t.size(refusal.used), t.size(refusal.max), resetsIn);
  }
  return t.quotaBytesUsed(t.size(refusal.used), t.size(refusal.max), resetsIn);
}
