/**
 * /usage: what the user has used of today's quotas (jobs and bytes), what is left, and when the
 * limits reset (00:00 UTC, shown as the time left). An admin, or a bot without limits, is told
 * there is no limit, with what they used all the same. The rules of counting are
 * src/jobs/quotas.ts; this only reads.
 */
import type { Database } from '../storage/index.js';
import { usageOn } from '../storage/bot/quotaRepository.js';
import { usageView, utcDayOf, type QuotaLimits, type UsageView } from '../jobs/quotas.js';
import type { Texts } from '../texts/index.js';
import type { Router } from './router.js';

export interface UsageDeps {
  db: Database;
  /** Absent: no limits. */
  limits?: QuotaLimits | undefined;
  /** User ids (decimal) the limits do not apply to. */
  admins: readonly string[];
  now(): number;
}

export function useUsage(router: Router, deps: UsageDeps): void {
  router.command('usage', async (ctx) => {
    const userId = ctx.incoming.senderId;
    const now = deps.now();
    const limits = deps.limits ?? { jobsPerDay: 0, bytesPerDay: 0 };
    const view = usageView(usageOn(deps.db, userId, utcDayOf(now)), limits, deps.admins.includes(userId), now);
    await ctx.reply(usageText(ctx.t, view));
  });
}

/** The /usage answer: a title, one line per limit, then when they reset (or why none applies). */
export function usageText(t: Texts, view: UsageView): string {
  const { jobs, bytes } = view;
  const lines = [
    t.usageTitle,
    jobs.max === null ? t.usageJobsNoLimit(jobs.used) : t.usageJobs(jobs.used, jobs.max, jobs.left ?? 0),
    bytes.max === null ? t.usageBytesNoLimit(t.size(bytes.used)) : t.usageBytes(t.size(bytes.used), t.size(bytes.max), t.size(bytes.left ?? 0)),
  ];
  if (view.exempt) lines.push(t.usageAdmin);
  else if (jobs.max === null && bytes.max === null) lines.push(t.usageNoLimits);
  else lines.push(t.usageResets(t.quotaResetsIn(view.resetsIn.hours, view.resetsIn.minutes)));
  return lines.join('\n');
}
