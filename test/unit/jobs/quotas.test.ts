/**
 * The quota rules (src/jobs/quotas.ts) on an injected clock: the UTC day and its reset, what a
 * next job is refused for, which ends of a job still count, and what /usage shows.
 */
import { expect } from 'chai';
import { nextResetAt, quotaRefusal, stillCounts, timeToReset, usageView, utcDayOf } from '../../../src/jobs/quotas.js';

const at = (iso: string) => Date.parse(iso);

describe('daily quotas: the rules', () => {
  describe('the UTC day', () => {
    it('names the day in UTC, so 23:59 and 00:00 UTC are different days whatever the server zone', () => {
      expect(utcDayOf(at('2026-11-29T23:59:59.999Z'))).to.equal('2026-11-29');
      expect(utcDayOf(at('2026-11-30T00:00:00.000Z'))).to.equal('2026-11-30');
      // 02:30 in Tehran (UTC+3:30) is still the previous UTC day.
      expect(utcDayOf(at('2026-11-30T02:30:00+03:30'))).to.equal('2026-11-29');
    });

    it('resets at the next 00:00 UTC, and a moment exactly at midnight waits a whole day', () => {
      expect(nextResetAt(at('2026-11-29T18:48:00Z'))).to.equal(at('2026-11-30T00:00:00Z'));
      expect(nextResetAt(at('2026-11-30T00:00:00Z'))).to.equal(at('2026-12-01T00:00:00Z'));
      expect(nextResetAt(at('2026-12-31T23:00:00Z'))).to.equal(at('2027-01-01T00:00:00Z'));
    });

    it('shows the time left in hours and minutes, minutes rounded up, never 0 min', () => {
      expect(timeToReset(at('2026-11-29T18:48:00Z'))).to.deep.equal({ hours: 5, minutes: 12 });
      expect(timeToReset(at('2026-11-29T18:47:30Z'))).to.deep.equal({ hours: 5, minutes: 13 });
      expect(timeToReset(at('2026-11-29T23:59:59Z'))).to.deep.equal({ hours: 0, minutes: 1 });
      expect(timeToReset(at('2026-11-30T00:00:00Z'))).to.deep.equal({ hours: 24, minutes: 0 });
    });
  });

  describe('refusing the next job', () => {
    const limits = { jobsPerDay: 2, bytesPerDay: 1000 };

    it('lets jobs in below both limits, and refuses the one after the last job of the day', () => {
      expect(quotaRefusal({ jobs: 1, bytes: 100 }, limits, 100)).to.equal(null);
      expect(quotaRefusal({ jobs: 2, bytes: 100 }, limits, 100)).to.deep.equal({ limit: 'jobs', used: 2, max: 2 });
    });

    it('refuses a file that would go over the bytes limit, and lets one that exactly fills it in', () => {
      expect(quotaRefusal({ jobs: 0, bytes: 600 }, limits, 400)).to.equal(null);
      expect(quotaRefusal({ jobs: 0, bytes: 600 }, limits, 401)).to.deep.equal({ limit: 'bytes', used: 600, max: 1000, adding: 401 });
    });

    it('lets a link (size unknown) in until the bytes are used up', () => {
      expect(quotaRefusal({ jobs: 0, bytes: 999 }, limits, null)).to.equal(null);
      expect(quotaRefusal({ jobs: 0, bytes: 1200 }, limits, null)).to.deep.equal({ limit: 'bytes', used: 1200, max: 1000, adding: null });
    });

    it('names the jobs limit when both are reached', () => {
      expect(quotaRefusal({ jobs: 2, bytes: 5000 }, limits, 10)).to.include({ limit: 'jobs' });
    });

    it('0 is unlimited, for each limit on its own', () => {
      expect(quotaRefusal({ jobs: 500, bytes: 900 }, { jobsPerDay: 0, bytesPerDay: 1000 }, 100)).to.equal(null);
      expect(quotaRefusal({ jobs: 1, bytes: 10 ** 12 }, { jobsPerDay: 2, bytesPerDay: 0 }, 10 ** 9)).to.equal(null);
    });
  });

  describe('which ends still count', () => {
    it('a done job counts', () => {
      expect(stillCounts({ outcome: 'done' })).to.equal(true);
    });

    it("a failure through Courier's fault or the network's is refunded; one due to the user's input counts", () => {
      for (const reason of ['INTERNAL', 'DISK_FULL', 'TIMEOUT', 'LINK_UNREACHABLE'] as const) expect(stillCounts({ outcome: 'failed', reason }), reason).to.equal(false);
      for (const reason of ['UNSUPPORTED_MEDIA', 'CORRUPT_MEDIA', 'FILE_TOO_BIG', 'DURATION_TOO_LONG', 'LINK_REFUSED'] as const) {
        expect(stillCounts({ outcome: 'failed', reason }), reason).to.equal(true);
      }
    });

    it('a job cancelled while queued is refunded; one cancelled after it started counts', () => {
      expect(stillCounts({ outcome: 'cancelled', started: false })).to.equal(false);
      expect(stillCounts({ outcome: 'cancelled', started: true })).to.equal(true);
    });
  });

  describe('what /usage shows', () => {
    const now = at('2026-11-29T18:48:00Z');

    it('used and left of each limit, never less than nothing left, and the time to the reset', () => {
      expect(usageView({ jobs: 1, bytes: 1500 }, { jobsPerDay: 2, bytesPerDay: 1000 }, false, now)).to.deep.equal({
        exempt: false,
        jobs: { used: 1, max: 2, left: 1 },
        bytes: { used: 1500, max: 1000, left: 0 },
        resetsIn: { hours: 5, minutes: 12 },
      });
    });

    it('no limit for an admin, and none for a limit set to 0', () => {
      const admin = usageView({ jobs: 7, bytes: 10 }, { jobsPerDay: 2, bytesPerDay: 1000 }, true, now);
      expect(admin.jobs).to.deep.equal({ used: 7, max: null, left: null });
      expect(admin.bytes.max).to.equal(null);
      const onlyJobs = usageView({ jobs: 1, bytes: 10 }, { jobsPerDay: 2, bytesPerDay: 0 }, false, now);
      expect(onlyJobs.jobs.max).to.equal(2);
      expect(onlyJobs.bytes).to.deep.equal({ used: 10, max: null, left: null });
    });
  });
});
