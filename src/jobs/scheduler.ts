/**
 * Fair job scheduler: decides which queued jobs start next. Pure — no clock (the caller passes
 * `now`), no storage (the caller persists jobs and rebuilds the scheduler with `fromRows` after a
 * restart), no workers (the caller starts what `nextJobs` returns and reports `finished`).
 *
 * Invariants:
 * - at most `poolSize` jobs run in total and at most `perUserInFlight` per user;
 * - a user may have at most `perUserQueued` jobs waiting; more are refused with QUEUE_FULL;
 * - a user's jobs start in the order they were enqueued;
 * - between users, the next free slot goes to the eligible user who was served least recently
 *   (a user never served goes first). So while user V waits with a startable job, any other user
 *   starts at most one job before V does: nobody starves, and a light user is not stuck behind
 *   the long queues of heavy users.
 */

import type { JobState } from '../domain/job.js';

export interface SchedulerLimits {
  /** Total jobs running at once (the worker pool's size). */
  poolSize: number;
  /** Jobs one user may have running at once. */
  perUserInFlight: number;
  /** Jobs one user may have waiting; beyond this `enqueue` refuses. */
  perUserQueued: number;
}

export const DEFAULT_LIMITS: Omit<SchedulerLimits, 'poolSize'> = { perUserInFlight: 2, perUserQueued: 5 };

export interface ScheduledJob {
  jobId: string;
  userId: string;
  /** Not started before this time (ms); used for a retry's back-off. 0 = at once. */
  notBefore: number;
}

export type EnqueueResult =
  | { accepted: true; /** Jobs of this user waiting ahead of this one. */ position: number }
  | { accepted: false; reason: 'QUEUE_FULL'; message: string };

/** The fields of a persisted job row the scheduler needs to rebuild itself. */
export interface SchedulerRow {
  jobId: string;
  userId: string;
  state: JobState;
  /** When the job was accepted (ms); orders the rebuilt queues. */
  createdAt: number;
  notBefore?: number;
}

interface UserQueue {
  queued: ScheduledJob[];
  inFlight: Set<string>;
}

/** A user's place in the rotation; kept while the user is idle so going idle gains no extra turn. */
interface Turn {
  /** Sequence number of this user's last start; 0 = never served, so first in line. */
  lastServed: number;
  /** Tie-break between users never served: who arrived first. */
  arrival: number;
}

export class FairScheduler {
  private readonly limits: SchedulerLimits;
  private readonly users = new Map<string, UserQueue>();
  private readonly turns = new Map<string, Turn>();
  private readonly owner = new Map<string, string>();
  private running = 0;
  private serveSeq = 0;
  private arrivalSeq = 0;

  constructor(limits: Partial<SchedulerLimits> & { poolSize: number }) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    for (const [key, value] of Object.entries(this.limits)) {
      if (!Number.isInteger(value) || value < (key === 'perUserQueued' ? 0 : 1)) {
        throw new RangeError(`Scheduler limit ${key} must be a positive integer, got ${String(value)}; fix the jobs.* settings.`);
      }
    }
  }

  /**
   * Rebuilds the scheduler after a restart: queued rows wait again (oldest first), rows in an
   * active stage count as running (the caller resumes them), ended rows are ignored.
   */
  static fromRows(rows: readonly SchedulerRow[], limits: Partial<SchedulerLimits> & { poolSize: number }): FairScheduler {
    const scheduler = new FairScheduler(limits);
    const sorted = [...rows].sort((a, b) => a.createdAt - b.createdAt || (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
    for (const row of sorted) {
      if (row.state === 'queued') {
        scheduler.userFor(row.userId).queued.push({ jobId: row.jobId, userId: row.userId, notBefore: row.notBefore ?? 0 });
        scheduler.owner.set(row.jobId, row.userId);
      } else if (row.state === 'downloading' || row.state === 'processing' || row.state === 'uploading') {
        scheduler.userFor(row.userId).inFlight.add(row.jobId);
        scheduler.owner.set(row.jobId, row.userId);
        scheduler.running += 1;
      }
    }
    return scheduler;
  }

  /** Accepts a job into its user's queue, or refuses it with QUEUE_FULL. */
  enqueue(job: { jobId: string; userId: string; notBefore?: number }): EnqueueResult {
    if (this.owner.has(job.jobId)) throw new Error(`Job ${job.jobId} is already scheduled; enqueue each job once.`);
    const user = this.userFor(job.userId);
    if (user.queued.length >= this.limits.perUserQueued) {
      return {
        accepted: false,
        reason: 'QUEUE_FULL',
        message: `User ${job.userId} already has ${user.queued.length} jobs waiting (limit ${this.limits.perUserQueued}); wait for one to finish.`,
      };
    }
    user.queued.push({ jobId: job.jobId, userId: job.userId, notBefore: job.notBefore ?? 0 });
    this.owner.set(job.jobId, job.userId);
    return { accepted: true, position: user.queued.length - 1 };
  }

  /** Picks the jobs to start now, marks them running, and returns them in start order. */
  nextJobs(now: number): ScheduledJob[] {
    const started: ScheduledJob[] = [];
    while (this.running < this.limits.poolSize) {
      const user = this.nextEligibleUser(now);
      if (!user) break;
      const job = user.queued.shift();
      if (!job) break;
      user.inFlight.add(job.jobId);
      this.turnOf(job.userId).lastServed = ++this.serveSeq;
      this.running += 1;
      started.push(job);
    }
    return started;
  }

  /** A running job ended (done, failed or cancelled); frees its slot. Unknown ids are ignored. */
  finished(jobId: string): void {
    const userId = this.owner.get(jobId);
    if (userId === undefined) return;
    const user = this.users.get(userId);
    if (user?.inFlight.delete(jobId)) {
      this.running -= 1;
      this.owner.delete(jobId);
      this.forgetIfIdle(userId, user);
    }
  }

  /** Removes a job that has not started yet (the user cancelled it). Returns whether it was queued. */
  removeQueued(jobId: string): boolean {
    const userId = this.owner.get(jobId);
    const user = userId === undefined ? undefined : this.users.get(userId);
    if (!user || userId === undefined) return false;
    const index = user.queued.findIndex((j) => j.jobId === jobId);
    if (index < 0) return false;
    user.queued.splice(index, 1);
    this.owner.delete(jobId);
    this.forgetIfIdle(userId, user);
    return true;
  }

  /** Counts for a user, e.g. to tell them where they stand. */
  userLoad(userId: string): { queued: number; inFlight: number } {
    const user = this.users.get(userId);
    return { queued: user?.queued.length ?? 0, inFlight: user?.inFlight.size ?? 0 };
  }

  stats(): { running: number; queued: number; users: number } {
    let queued = 0;
    for (const user of this.users.values()) queued += user.queued.length;
    return { running: this.running, queued, users: this.users.size };
  }

  /** The earliest `notBefore` among waiting jobs in the future, so the caller knows when to call again. */
  nextWakeAt(now: number): number | null {
    let earliest: number | null = null;
    for (const user of this.users.values()) {
      const head = user.queued[0];
      if (head && head.notBefore > now && (earliest === null || head.notBefore < earliest)) earliest = head.notBefore;
    }
    return earliest;
  }

  private nextEligibleUser(now: number): UserQueue | undefined {
    let best: { user: UserQueue; turn: Turn } | undefined;
    for (const [userId, user] of this.users) {
      const head = user.queued[0];
      if (!head || head.notBefore > now || user.inFlight.size >= this.limits.perUserInFlight) continue;
      const turn = this.turnOf(userId);
      if (!best || turn.lastServed < best.turn.lastServed || (turn.lastServed === best.turn.lastServed && turn.arrival < best.turn.arrival)) {
        best = { user, turn };
      }
    }
    return best?.user;
  }

  private userFor(userId: string): UserQueue {
    let user = this.users.get(userId);
    if (!user) {
      user = { queued: [], inFlight: new Set() };
      this.users.set(userId, user);
      this.turnOf(userId);
    }
    return user;
  }

  private turnOf(userId: string): Turn {
    let turn = this.turns.get(userId);
    if (!turn) {
      turn = { lastServed: 0, arrival: ++this.arrivalSeq };
      this.turns.set(userId, turn);
    }
    return turn;
  }

  /** Drops an idle user's queue record; their turn (`turns`) is kept, one small entry per user seen. */
  private forgetIfIdle(userId: string, user: UserQueue): void {
    if (user.queued.length === 0 && user.inFlight.size === 0) this.users.delete(userId);
  }
}
