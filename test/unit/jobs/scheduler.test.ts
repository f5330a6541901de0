import { expect } from 'chai';
import { FairScheduler, type ScheduledJob } from '../../../src/jobs/scheduler.js';
import { seededRandom } from '../../helpers/seededRandom.js';

function ids(jobs: ScheduledJob[]): string[] {
  return jobs.map((j) => j.jobId);
}


describe('fair job scheduler', () => {
  it("a light user's job starts before the heavy users' later jobs", () => {
    const s = new FairScheduler({ poolSize: 4 });
    for (let i = 1; i <= 5; i++) s.enqueue({ jobId: `A${i}`, userId: 'heavyA' });
    for (let i = 1; i <= 5; i++) s.enqueue({ jobId: `B${i}`, userId: 'heavyB' });
    expect(ids(s.nextJobs(0))).to.deep.equal(['A1', 'B1', 'A2', 'B2']);

    s.enqueue({ jobId: 'C1', userId: 'light' });
    expect(s.nextJobs(1), 'the pool is full').to.deep.equal([]);
    s.finished('A1');
    expect(ids(s.nextJobs(2)), 'the freed slot goes to the light user, not to A3').to.deep.equal(['C1']);
    s.finished('B1');
    s.finished('A2');
    expect(ids(s.nextJobs(3))).to.deep.equal(['A3', 'B3']);
  });

  it('respects the per-user in-flight limit even when the pool has room', () => {
    const s = new FairScheduler({ poolSize: 8, perUserInFlight: 2 });
    for (let i = 1; i <= 4; i++) s.enqueue({ jobId: `A${i}`, userId: 'a' });
    expect(ids(s.nextJobs(0))).to.deep.equal(['A1', 'A2']);
    expect(s.nextJobs(0)).to.deep.equal([]);
    s.finished('A2');
    expect(ids(s.nextJobs(0))).to.deep.equal(['A3']);
    expect(s.userLoad('a')).to.deep.equal({ queued: 1, inFlight: 2 });
  });

  it('refuses a sixth waiting job with QUEUE_FULL and accepts again once one starts', () => {
    const s = new FairScheduler({ poolSize: 1, perUserInFlight: 1 });
    for (let i = 1; i <= 5; i++) expect(s.enqueue({ jobId: `J${i}`, userId: 'u' })).to.deep.equal({ accepted: true, position: i - 1 });
    const refused = s.enqueue({ jobId: 'J6', userId: 'u' });
    expect(refused).to.include({ accepted: false, reason: 'QUEUE_FULL' });
    expect(s.enqueue({ jobId: 'other', userId: 'v' }).accepted, 'limits are per user').to.equal(true);
    s.nextJobs(0);
    expect(s.enqueue({ jobId: 'J6', userId: 'u' }).accepted).to.equal(true);
  });

  it('holds a retried job until its notBefore time and says when to wake up', () => {
    const s = new FairScheduler({ poolSize: 2 });
    s.enqueue({ jobId: 'R', userId: 'u', notBefore: 5000 });
    expect(s.nextJobs(1000)).to.deep.equal([]);
    expect(s.nextWakeAt(1000)).to.equal(5000);
    expect(ids(s.nextJobs(5000))).to.deep.equal(['R']);
  });

  it('a queued job can be removed (cancelled) and finished ignores unknown ids', () => {
    const s = new FairScheduler({ poolSize: 1 });
    s.enqueue({ jobId: 'X', userId: 'u' });
    s.enqueue({ jobId: 'Y', userId: 'u' });
    expect(s.removeQueued('X')).to.equal(true);
    expect(s.removeQueued('X')).to.equal(false);
    s.finished('nope');
    expect(ids(s.nextJobs(0))).to.deep.equal(['Y']);
  });

  it('rebuilds from persisted rows: active rows hold their slots, queued rows wait in creation order', () => {
    const s = FairScheduler.fromRows(
      [
        { jobId: 'q2', userId: 'u', state: 'queued', createdAt: 20 },
        { jobId: 'run', userId: 'u', state: 'processing', createdAt: 5 },
        { jobId: 'q1', userId: 'u', state: 'queued', createdAt: 10 },
        { jobId: 'old', userId: 'u', state: 'done', createdAt: 1 },
        { jobId: 'v1', userId: 'v', state: 'uploading', createdAt: 3 },
      ],
      { poolSize: 3 },
    );
    expect(s.stats()).to.deep.equal({ running: 2, queued: 2, users: 2 });
    expect(ids(s.nextJobs(0)), 'one free slot').to.deep.equal(['q1']);
    s.finished('run');
    s.finished('v1');
    expect(ids(s.nextJobs(0))).to.deep.equal(['q2']);
  });

  it('over a seeded random workload: limits hold, each user is FIFO, nobody is overtaken twice, everything runs', () => {
    const random = seededRandom(20240611);
    const limits = { poolSize: 5, perUserInFlight: 2, perUserQueued: 5 };
    const s = new FairScheduler(limits);
    const users = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    const weight = [8, 8, 4, 1, 1, 1, 0.5]; // two heavy, one medium, several light users
    const queued = new Map<string, string[]>(users.map((u) => [u, []]));
    const running = new Map<string, string>(); // jobId -> userId
    const inFlight = new Map<string, number>(users.map((u) => [u, 0]));
    // overtakes[v][u] = starts of u while v waited with a startable job since v's last start
    const overtakes = new Map<string, Map<string, number>>(users.map((u) => [u, new Map()]));
    let accepted = 0;
    let completed = 0;
    let nextId = 0;

    const eligible = (u: string) => (queued.get(u)?.length ?? 0) > 0 && (inFlight.get(u) ?? 0) < limits.perUserInFlight;

    for (let tick = 0; tick < 3000; tick++) {
      // New jobs, heavier users submit more often.
      if (tick < 2500) {
        for (const [i, u] of users.entries()) {
          if (random() < 0.05 * (weight[i] ?? 0)) {
            const jobId = `j${nextId++}`;
            const result = s.enqueue({ jobId, userId: u });
            if (result.accepted) {
              queued.get(u)?.push(jobId);
              accepted++;
            } else {
              expect(queued.get(u)?.length).to.equal(limits.perUserQueued);
            }
          }
        }
      }
      // Some running jobs finish.
      for (const [jobId, u] of [...running]) {
        if (random() < 0.3) {
          running.delete(jobId);
          inFlight.set(u, (inFlight.get(u) ?? 0) - 1);
          s.finished(jobId);
          completed++;
        }
      }
      for (const job of s.nextJobs(tick)) {
        const u = job.userId;
        expect(eligible(u), `${u} was allowed to start`).to.equal(true);
        expect(queued.get(u)?.shift(), 'FIFO within a user').to.equal(job.jobId);
        for (const v of users) {
          if (v === u) continue;
          if (eligible(v)) {
            const counts = overtakes.get(v) as Map<string, number>;
            const n = (counts.get(u) ?? 0) + 1;
            counts.set(u, n);
            expect(n, `${u} overtook waiting ${v} twice`).to.be.at.most(1);
          }
        }
        overtakes.set(u, new Map());
        running.set(job.jobId, u);
        inFlight.set(u, (inFlight.get(u) ?? 0) + 1);
        expect(running.size).to.be.at.most(limits.poolSize);
        expect(inFlight.get(u)).to.be.at.most(limits.perUserInFlight);
      }
      // A user who stops being startable (at the in-flight limit or empty) starts a fresh count.
      for (const v of users) if (!eligible(v)) overtakes.set(v, new Map());
    }
    expect(accepted).to.be.greaterThan(500);
    expect(completed + running.size).to.equal(accepted);
    expect(s.stats().queued).to.equal(0);
  });
});
