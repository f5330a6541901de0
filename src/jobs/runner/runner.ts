/**
 * The durable media-job runner: accepts jobs, runs them stage by stage under the fair scheduler's
 * limits, keeps each job's status message current, and picks unfinished jobs up again after a
 * restart.
 *
 * Invariants:
 * - every state change goes through the state machine (stateMachine.ts) and is written to SQLite
 *   BEFORE the next stage's I/O starts, together with what that stage needs (input path,
 *   processing outcome); so after kill -9 at any moment, `start()` finds each job in a stage it
 *   can resume (a download continues, processing reruns, an upload continues from its confirmed
 *   parts);
 * - the scheduler (scheduler.ts) decides what runs: at most jobs.poolSize at once (or the
 *   backend's slots), per-user limits, round robin between users;
 * - the work itself is the backend's (src/jobs/backends/): in this process (local) or on queue
 *   workers (bullmq). It reports each stage it reaches through `reach`, which persists the
 *   transition here; the runner alone ends a job (done, failed, cancelled) and edits its status;
 * - each running job has its own AbortController: Cancel, the wall-clock limit and `stop()`
 *   abort it with different reasons. Cancel and the limit end the job; `stop()` leaves it in its
 *   state for the next start;
 * - a job's directory (jobDirs.ts) is removed whenever the job reaches a terminal state, and
 *   directories of no unfinished job are swept at start;
 * - everything the runner sends carries a random_id derived from the job or its origin
 *   (jobIdentity.ts), so a resend after a crash is dropped by Telegram as a duplicate;
 * - a job is charged to its user's daily quota in the transaction that creates it, and refunded
 *   when it ends in a way that does not count (runnerQuotas.ts, rules in ../quotas.ts).
 */
import {
  createJob,
  findReusable,
  getJob,
  jobByOrigin,
  jobsInStates,
  saveTransition,
  type JobRecord,
  type TransitionData,
} from '../../storage/jobRepository.js';
import { removeJobDir, sweepJobDirs } from './jobDirs.js';
import { inputKeyOf, JOB_MESSAGES, newJobId } from '../jobIdentity.js';
import { recordJobProgress } from '../../storage/jobProgress.js';
import { createLocalBackend } from '../backends/localBackend.js';
import { RunnerStopping, type ActiveStage } from '../backends/jobBackend.js';
import { textsFor } from '../../texts/index.js';
import { queueRefusal, refusalOf, type Refusal } from './runnerRefusals.js';
import { sendStoredResult } from './runnerReuse.js';
import type { ButtonAnswer, JobRunner, JobRunnerDeps, StartTimer, SubmitInput, SubmitResult } from './runnerTypes.js';
import { FairScheduler } from '../scheduler.js';
import { ACTIVE_STATES } from '../../domain/job.js';
import { failEventFrom, isInvalidTransition, isTerminal, transition, DEFAULT_MAX_ATTEMPTS, type JobEvent } from '../stateMachine.js';
import { isJobError, JobError } from '../../domain/jobError.js';
import { StatusMessages } from './statusMessages.js';
import { expectedParts, uploadLimitOf } from './resultUpload.js';
import { MAX_UPLOAD_BYTES } from '../../transfer/uploadPlan.js';
import { createQuotaGate } from './runnerQuotas.js';
import { writeTransaction } from '../../storage/writeTransaction.js';

/** The abort reason of Cancel. */
class JobCancelled extends Error {
  override readonly name = 'JobCancelled';
}

export class RunnerNotStartedError extends Error {
  override readonly name = 'RunnerNotStartedError';
  constructor() {
    super('The job runner has not been started (or was stopped); call start() before submitting jobs.');
  }
}

const defaultTimer: StartTimer = (ms, fn) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/** The stages in order, and the event that enters each. */
const STAGE_ORDER: readonly string[] = ['queued', 'downloading', 'processing', 'uploading'];
const STAGE_ENTRY: Record<ActiveStage, JobEvent> = { downloading: { type: 'start' }, processing: { type: 'downloaded' }, uploading: { type: 'processed' } };

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

export class MissingPoolError extends Error {
  override readonly name = 'MissingPoolError';
  constructor() {
    super('The local job backend needs the media pool; pass `pool` to createJobRunner (or another backend).');
  }
}

export function createJobRunner(deps: JobRunnerDeps): JobRunner {
  const { db, botPort, files, config, log } = deps;
  const now = () => deps.clock.now();
  const startTimer = deps.startTimer ?? defaultTimer;
  const backend = deps.backend ?? localBackend();
  function localBackend() {
    if (!deps.pool) throw new MissingPoolError();
    return createLocalBackend({ db, botPort, files, pool: deps.pool, config, now, freeDiskBytes: deps.freeDiskBytes });
  }
  // Telegram's per-file limit as last heard (help.getAppConfig, cached by `files`): the status
  // says when a result will come in parts.
  let uploadLimitBytes = MAX_UPLOAD_BYTES;
  async function refreshUploadLimit(): Promise<void> {
    uploadLimitBytes = await uploadLimitOf(files).catch(() => uploadLimitBytes);
  }
  const partsOf = (job: JobRecord) => {
    const count = expectedParts(job, uploadLimitBytes);
    return count === null ? null : { count, limitBytes: uploadLimitBytes };
  };
  const status = new StatusMessages({ db, botPort, now, intervalMs: config.jobs.progressIntervalMs, log, partsOf });
  const quota = createQuotaGate({ db, limits: config.quotas, admins: (config.admins ?? []).map(String), now });
  const running = new Map<string, Running>();
  let scheduler: FairScheduler | null = null;
  let stopRefresh: (() => void) | null = null;

  /** Applies an event and persists the result with `data`; an invalid event is a bug, so it throws. */
  function apply(job: JobRecord, event: JobEvent, data: TransitionData = {}): JobRecord {
    const next = transition(job, event);
    if (isInvalidTransition(next)) throw new Error(next.message);
    return saveTransition(db, next, now(), data);
  }

  function requireScheduler(): FairScheduler {
    if (!scheduler) throw new RunnerNotStartedError();
    return scheduler;
  }

  /** The last step of every ended job: final status edit, directory gone. */
  async function finish(job: JobRecord): Promise<void> {
    // Before the edit that shows Retry. A cancelled job is settled by cancel(), which knows whether it had started.
    if (job.state === 'failed') quota.ended(job.id, { outcome: 'failed', reason: job.failure?.reason ?? 'INTERNAL' });
    await status.update(job, { force: true });
    status.forget(job.id);
    await removeJobDir(config.paths.temp, job.id);
    log.info('job ended', { jobId: job.id, state: job.state, reason: job.failure?.reason });
    if (job.state === 'done' || job.state === 'failed' || job.state === 'cancelled') {
      const failure = job.failure ? { failure: { reason: job.failure.reason, message: job.failure.message } } : {};
      deps.onJobEnded?.({ action: job.request.action, outcome: job.state, seconds: Math.max(0, now() - job.createdAt) / 1000, ...failure });
    }
  }

  function pump(): void {
    if (!scheduler) return;
    for (const next of scheduler.nextJobs(now())) launch(next.jobId);
  }

  function launch(jobId: string): void {
    const controller = new AbortController();
    const done = runJob(jobId, controller)
      .catch((error: unknown) => log.error('job runner failed to record a job', { jobId, error: String(error) }))
      .finally(() => {
        running.delete(jobId);
        if (!(controller.signal.reason instanceof RunnerStopping)) {
          scheduler?.finished(jobId);
          pump();
        }
      });
    running.set(jobId, { controller, done });
  }

  /** The backend's `reach`: forward through the stages up to `stage`, each step persisted. */
  function reachStage(from: JobRecord, stage: ActiveStage, data: TransitionData, signal: AbortSignal): JobRecord {
    signal.throwIfAborted();
    let job = from;
    const target = STAGE_ORDER.indexOf(stage);
    for (let at = STAGE_ORDER.indexOf(job.state); at < target; at = STAGE_ORDER.indexOf(job.state)) {
      if (at < 0) throw new Error(`Job ${job.id} is ${job.state}; it cannot move on to ${stage}.`);
      const next = STAGE_ORDER[at + 1] as ActiveStage;
      // A fresh attempt starts from nothing: no input, no outcome, no half-done upload.
      const base: TransitionData = next === 'downloading' ? { inputPath: null, outcome: null, uploadFileId: null } : {};
      job = apply(job, STAGE_ENTRY[next], next === stage ? { ...base, ...data } : base);
      // A link's size is known now that it is downloaded: that is what it counts (a remote backend's
      // download stays on its worker, and its link counts as a job only).
      if (next === 'processing' && job.source.kind === 'link' && job.inputPath) quota.linkDownloaded(job.id, job.inputPath);
    }
    if (job !== from) void status.update(job);
    return job;
  }

  async function runJob(jobId: string, controller: AbortController): Promise<void> {
    const { signal } = controller;
    const limitMs = config.jobs.jobTimeoutSeconds * 1000;
    const cancelTimer = startTimer(limitMs, () =>
      controller.abort(new JobError('TIMEOUT', `Job ${jobId} ran longer than jobs.jobTimeoutSeconds (${config.jobs.jobTimeoutSeconds} s) and was stopped.`)),
    );
    try {
      let job = getJob(db, jobId);
      if (!job || isTerminal(job.state)) return;
      // Ongoing stages show as they are (a resumed job); a queued one waits for its backend to start it.
      if (job.state !== 'queued') void status.update(job);
      const result = await backend.run({
        job,
        signal,
        deadline: now() + limitMs,
        reach: (stage, data = {}) => (job = reachStage(job!, stage, data, signal)),
        progress: (percent) => recordJobProgress(db, jobId, percent, now()),
      });
      // No abort check here: the reply is out, so the job is done even if Cancel came just now.
      const current = getJob(db, jobId) ?? job;
      if (isTerminal(current.state)) job = current;
      else {
        const uploading = reachStage(current, 'uploading', {}, new AbortController().signal);
        job = apply(uploading, { type: 'uploaded' }, result === null ? {} : { result });
      }
      await finish(job);
    } catch (error) {
      if (signal.reason instanceof RunnerStopping) return;
      const current = getJob(db, jobId);
      if (!current) return;
      if (isTerminal(current.state)) {
        await finish(current);
        return;
      }
      const cause: unknown = signal.aborted && isJobError(signal.reason) ? signal.reason : error;
      const failed = apply(current, failEventFrom(cause));
      log.warn('job failed', { jobId, reason: failed.failure?.reason, message: failed.failure?.message });
      await finish(failed);
    } finally {
      cancelTimer();
    }
  }

  async function reply(input: SubmitInput, text: string, randomId: bigint): Promise<void> {
    await botPort.sendText(input.chat, text, { replyTo: input.sourceMessageId, randomId });
  }

  async function submit(input: SubmitInput): Promise<SubmitResult> {
    const sched = requireScheduler();
    const existing = jobByOrigin(db, input.originKey);
    if (existing) {
      // Handled again after a crash: the job exists; only the status message may be missing.
      if (existing.state === 'queued') await status.send(existing, 0);
      return { kind: 'accepted', jobId: existing.id, created: false };
    }
    const inputKey = inputKeyOf(input.source);
    const reusable = findReusable(db, inputKey, input.request.action, input.request.option, { videoAs: input.request.videoAs, lang: input.lang });
    if (reusable && (await sendStoredResult({ botPort, files, log }, input, reusable))) return { kind: 'reused' };

    const refusal: Refusal | null =
      (await refusalOf(input, { jobs: config.jobs, freeDiskBytes: () => deps.freeDiskBytes(config.paths.temp) })) ??
      queueRefusal(sched.userLoad(input.userId), config.jobs.perUserQueued);
    if (refusal) {
      const texts = textsFor(input.lang);
      const text = texts.refused(texts.reasons[refusal.reason]);
      await reply(input, text, JOB_MESSAGES.refusal(input.originKey));
      log.info('job refused', { userId: input.userId, reason: refusal.reason, detail: refusal.detail });
      return { kind: 'refused', reason: refusal.reason, text };
    }
    // From this check to the job's charge, no await: two presses at once cannot both take the last job.
    const overQuota = quota.check(input);
    if (overQuota) {
      const text = textsFor(input.lang).refused(overQuota.reason);
      await reply(input, text, JOB_MESSAGES.refusal(input.originKey));
      log.info('job refused', { userId: input.userId, reason: 'quota', limit: overQuota.refusal.limit, used: overQuota.refusal.used, max: overQuota.refusal.max });
      return { kind: 'refused', reason: overQuota.refusal.limit === 'jobs' ? 'QUOTA_JOBS' : 'QUOTA_BYTES', text, answer: overQuota.answer };
    }

    const { job, created } = writeTransaction(db, () => {
      const made = createJob(db, { ...input, id: (deps.newId ?? newJobId)(), inputKey, maxAttempts: DEFAULT_MAX_ATTEMPTS }, now());
      if (made.created) quota.charge(made.job);
      return made;
    });
    // The same update submitted twice at once: the first call owns the job.
    if (!created) return { kind: 'accepted', jobId: job.id, created: false };
    const enqueued = sched.enqueue({ jobId: job.id, userId: job.userId });
    // The queue was checked just above, with no await since: enqueue cannot refuse here.
    if (!enqueued.accepted) throw new Error(enqueued.message);
    await refreshUploadLimit();
    await status.send(job, enqueued.position);
    pump();
    return { kind: 'accepted', jobId: job.id, created };
  }

  /** Common checks of Cancel and Retry: the job exists and belongs to the presser. */
  function ownedJob(jobId: string, userId: string, lang: string | undefined): { job: JobRecord } | { answer: ButtonAnswer } {
    const job = getJob(db, jobId);
    if (!job) return { answer: { ok: false, text: textsFor(lang).noSuchJob } };
    if (job.userId !== userId) return { answer: { ok: false, text: textsFor(lang).notYourJob } };
    return { job };
  }

  async function cancel(jobId: string, userId: string, lang?: string): Promise<ButtonAnswer> {
    const owned = ownedJob(jobId, userId, lang);
    if ('answer' in owned) return owned.answer;
    const texts = textsFor(owned.job.lang);
    if (isTerminal(owned.job.state)) return { ok: false, text: texts.alreadyEnded };
    const cancelled = apply(owned.job, { type: 'cancel' });
    quota.ended(jobId, { outcome: 'cancelled', started: owned.job.state !== 'queued' });
    const run = running.get(jobId);
    if (run) {
      // The state is already 'cancelled' in the database; the run sees the abort and finishes it.
      run.controller.abort(new JobCancelled(`Job ${jobId} was cancelled by its user.`));
      await run.done;
    } else {
      scheduler?.removeQueued(jobId);
      await finish(cancelled);
    }
    return { ok: true, text: texts.cancelling };
  }

  async function retry(jobId: string, userId: string, lang?: string): Promise<ButtonAnswer> {
    // A job that has just failed is still being torn down (final status edit, directory removal)
    // and holds its scheduler slot until its run ends: the Retry button can be pressed as soon as
    // the edit shows it. Let the old run end first, so the slot is released before the job is
    // enqueued again, and the old run cannot remove the new run's directory. Only then: a stale
    // press while the job runs is refused at once, not after the whole job.
    const run = running.get(jobId);
    const seen = getJob(db, jobId);
    if (run && seen && isTerminal(seen.state)) await run.done;
    const sched = requireScheduler();
    const owned = ownedJob(jobId, userId, lang);
    if ('answer' in owned) return owned.answer;
    const texts = textsFor(owned.job.lang);
    if (queueRefusal(sched.userLoad(userId), config.jobs.perUserQueued)) return { ok: false, text: texts.reasons.QUEUE_FULL };
    const next = transition(owned.job, { type: 'retry' });
    if (isInvalidTransition(next)) return { ok: false, text: owned.job.state === 'failed' ? texts.cannotRetry : texts.alreadyEnded };
    const overQuota = quota.checkRetry(owned.job, owned.job.lang);
    if (overQuota) return { ok: false, text: overQuota.answer };
    // From here to the save, no await: a second press sees 'queued' and is refused. Enqueued
    // before it is saved, so the database never holds a queued job the scheduler does not know.
    const enqueued = sched.enqueue({ jobId, userId });
    if (!enqueued.accepted) return { ok: false, text: texts.reasons.QUEUE_FULL };
    let queued: JobRecord;
    try {
      queued = writeTransaction(db, () => {
        const saved = saveTransition(db, next, now(), { notBefore: null });
        quota.retried(jobId);
        return saved;
      });
    } catch (error) {
      sched.removeQueued(jobId);
      throw error;
    }
    await status.update(queued, { force: true });
    pump();
    return { ok: true, text: texts.retrying };
  }

  async function refreshStatuses(): Promise<void> {
    const updates: Promise<void>[] = [];
    for (const jobId of running.keys()) {
      const job = getJob(db, jobId);
      if (job && ACTIVE_STATES.includes(job.state)) updates.push(status.update(job));
    }
    await Promise.all(updates);
  }

  function scheduleRefresh(): void {
    stopRefresh = startTimer(config.jobs.progressIntervalMs, () => {
      void refreshStatuses().finally(() => {
        if (stopRefresh) scheduleRefresh();
      });
    });
  }

  async function start(): Promise<void> {
    if (scheduler) return;
    const unfinished = jobsInStates(db, ['queued', ...ACTIVE_STATES]).map((job) => apply(job, { type: 'resumeAfterCrash' }));
    // Not awaited: a slow answer must not hold up the start; statuses pick the value up later.
    void refreshUploadLimit();
    await backend.start();
    scheduler = FairScheduler.fromRows(
      unfinished.map((job) => ({ jobId: job.id, userId: job.userId, state: job.state, createdAt: job.createdAt, notBefore: job.notBefore ?? 0 })),
      // Only the scheduler's own limits: it checks every key it is given.
      { poolSize: backend.slots ?? config.jobs.poolSize, perUserInFlight: config.jobs.perUserInFlight, perUserQueued: config.jobs.perUserQueued },
    );
    const swept = await sweepJobDirs(config.paths.temp, new Set(unfinished.map((job) => job.id)));
    if (swept.length > 0) log.info('swept leftover job directories', { count: swept.length });
    const resumed = unfinished.filter((job) => job.state !== 'queued');
    for (const job of resumed) launch(job.id);
    if (unfinished.length > 0) log.info('resuming unfinished jobs', { running: resumed.length, queued: unfinished.length - resumed.length });
    pump();
    if (deps.refreshTimer ?? true) scheduleRefresh();
  }

  async function stop(): Promise<void> {
    stopRefresh?.();
    stopRefresh = null;
    scheduler = null;
    const runs = [...running.values()];
    for (const run of runs) run.controller.abort(new RunnerStopping('Courier is stopping; the job resumes at the next start.'));
    await Promise.all(runs.map((run) => run.done));
    await status.settled();
    await backend.close();
  }

  async function idle(): Promise<void> {
    while (running.size > 0) await Promise.all([...running.values()].map((run) => run.done));
    await status.settled();
  }

  return { start, stop, submit, cancel, retry, refreshStatuses, idle };
}
