import { expect } from 'chai';
import { InvalidTransition, failEventFrom, isInvalidTransition, newJob, transition, type JobEvent } from '../../../src/jobs/stateMachine.js';
import { JobError } from '../../../src/domain/jobError.js';
import { type Job } from '../../../src/domain/job.js';

function apply(job: Job, ...events: JobEvent[]): Job {
  let current = job;
  for (const event of events) {
    const next = transition(current, event);
    if (isInvalidTransition(next)) throw new Error(next.message);
    current = next;
  }
  return current;
}

describe('job state machine', () => {
  it('walks a job from queued through every stage to done', () => {
    const job = newJob('j1', 'u1');
    const started = apply(job, { type: 'start' });
    expect(started).to.include({ state: 'downloading', attempts: 1, progress: 0 });
    const half = apply(started, { type: 'progress', percent: 50 });
    expect(half.progress).to.equal(50);
    const processing = apply(half, { type: 'downloaded' });
    expect(processing).to.include({ state: 'processing', progress: 0 });
    const done = apply(processing, { type: 'processed' }, { type: 'uploaded' });
    expect(done).to.include({ state: 'done', progress: 100 });
    expect(job.state, 'the input job is not mutated').to.equal('queued');
  });

  it('refuses events out of order with an InvalidTransition that names the state', () => {
    const queued = newJob('j1', 'u1');
    const result = transition(queued, { type: 'processed' });
    expect(result).to.be.instanceOf(InvalidTransition);
    expect((result as InvalidTransition).from).to.equal('queued');
    expect((result as InvalidTransition).message).to.contain('"processed"').and.contain('queued');
    expect(isInvalidTransition(transition(queued, { type: 'progress', percent: 10 }))).to.equal(true);
    const done = apply(queued, { type: 'start' }, { type: 'downloaded' }, { type: 'processed' }, { type: 'uploaded' });
    expect(isInvalidTransition(transition(done, { type: 'start' }))).to.equal(true);
    expect(isInvalidTransition(transition(done, { type: 'cancel' }))).to.equal(true);
    expect(isInvalidTransition(transition(done, { type: 'fail', reason: 'INTERNAL', retryable: true }))).to.equal(true);
  });

  it('clamps progress to 0..100 and refuses a non-number', () => {
    const downloading = apply(newJob('j', 'u'), { type: 'start' });
    expect(apply(downloading, { type: 'progress', percent: 140 }).progress).to.equal(100);
    expect(apply(downloading, { type: 'progress', percent: -3 }).progress).to.equal(0);
    expect(isInvalidTransition(transition(downloading, { type: 'progress', percent: Number.NaN }))).to.equal(true);
  });

  it('cancels from any stage that has not ended, recording CANCELLED', () => {
    for (const events of [[], [{ type: 'start' }], [{ type: 'start' }, { type: 'downloaded' }]] as JobEvent[][]) {
      const job = apply(newJob('j', 'u'), ...events, { type: 'cancel' });
      expect(job.state).to.equal('cancelled');
      expect(job.failure?.reason).to.equal('CANCELLED');
    }
  });

  it('fails with the reason code, and a retry is bounded by maxAttempts and retryability', () => {
    let job = newJob('j', 'u', 2);
    job = apply(job, { type: 'start' }, { type: 'fail', reason: 'TIMEOUT', retryable: true, message: 'ffmpeg ran 3600 s' });
    expect(job.state).to.equal('failed');
    expect(job.failure).to.deep.equal({ reason: 'TIMEOUT', retryable: true, message: 'ffmpeg ran 3600 s' });
    job = apply(job, { type: 'retry' });
    expect(job).to.include({ state: 'queued', failure: null });
    job = apply(job, { type: 'start' }, { type: 'fail', reason: 'TIMEOUT', retryable: true });
    expect(job.attempts).to.equal(2);
    const third = transition(job, { type: 'retry' });
    expect(isInvalidTransition(third)).to.equal(true);
    expect((third as InvalidTransition).message).to.contain('all 2 attempts');

    const corrupt = apply(newJob('k', 'u'), { type: 'start' }, { type: 'fail', reason: 'CORRUPT_MEDIA', retryable: false });
    expect((transition(corrupt, { type: 'retry' }) as InvalidTransition).message).to.contain('CORRUPT_MEDIA');
  });

  it('after a crash, each active stage gets the hint for how to resume and ended jobs are untouched', () => {
    const downloading = apply(newJob('a', 'u'), { type: 'start' }, { type: 'progress', percent: 40 });
    const resumedDownload = apply(downloading, { type: 'resumeAfterCrash' });
    expect(resumedDownload).to.include({ state: 'downloading', resume: 'continue-download', progress: 40 });

    const processing = apply(newJob('b', 'u'), { type: 'start' }, { type: 'downloaded' }, { type: 'progress', percent: 70 });
    expect(apply(processing, { type: 'resumeAfterCrash' })).to.include({ state: 'processing', resume: 'rerun-processing', progress: 0 });

    const uploading = apply(newJob('c', 'u'), { type: 'start' }, { type: 'downloaded' }, { type: 'processed' }, { type: 'progress', percent: 30 });
    expect(apply(uploading, { type: 'resumeAfterCrash' })).to.include({ state: 'uploading', resume: 'resume-upload', progress: 30 });

    const queued = newJob('d', 'u');
    expect(apply(queued, { type: 'resumeAfterCrash' })).to.deep.equal(queued);
    const cancelled = apply(newJob('e', 'u'), { type: 'cancel' });
    expect(apply(cancelled, { type: 'resumeAfterCrash' })).to.deep.equal(cancelled);

    // The hint is consumed when the stage completes.
    expect(apply(resumedDownload, { type: 'downloaded' }).resume).to.equal(null);
  });

  it('JobError carries a reason and a default retryability; failEventFrom maps unknown errors to INTERNAL', () => {
    const refused = new JobError('LINK_REFUSED', 'The link points to a private address (10.0.0.1).');
    expect(refused).to.be.instanceOf(Error);
    expect(refused).to.include({ name: 'JobError', reason: 'LINK_REFUSED', retryable: false });
    expect(new JobError('TIMEOUT', 't').retryable).to.equal(true);
    expect(new JobError('TIMEOUT', 't', { retryable: false }).retryable).to.equal(false);
    expect(failEventFrom(refused)).to.deep.equal({ type: 'fail', reason: 'LINK_REFUSED', retryable: false, message: refused.message });
    expect(failEventFrom(new Error('boom'))).to.include({ reason: 'INTERNAL', message: 'boom' });
  });
});
