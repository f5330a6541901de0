/**
 * The seam between the job runner and where a job's work happens.
 *
 * The runner (src/jobs/runner/runner.ts) owns everything the user sees and everything durable:
 * the state machine, the SQLite row, the scheduler's limits, the status message, Cancel and the
 * time limit. A backend only carries the work from the job's current stage to a sent result:
 * - `local` (localBackend.ts): in this process, Telegram transfers on the service's client and
 *   ffmpeg in the service's Piscina pool, as Courier always did;
 * - `bullmq` (bullmqBackend.ts): as a BullMQ job on Redis, done by `npm run worker` processes on
 *   any machine, which report stages and percent back through the queue.
 *
 * Both report through the same two calls, so the runner has one code path: `reach(stage)` moves
 * the job forward to a stage (persisted with the data that stage needs, before its I/O starts)
 * and `progress(percent)` records the current stage's percent. A backend never moves a job
 * backwards and never ends it: it returns the result to store, or throws (a JobError for a
 * failure the user is told about; the runner's abort reason when the signal fired).
 */
import type { JobRecord, StoredResult, TransitionData } from '../../storage/jobRepository.js';

/** The abort reason of the runner's `stop()`: the job is interrupted, not ended (it resumes at the next start). */
export class RunnerStopping extends Error {
  override readonly name = 'RunnerStopping';
}

export type ActiveStage = 'downloading' | 'processing' | 'uploading';

export interface BackendRun {
  /** The job as stored: 'queued' for a fresh attempt, or the stage a crash interrupted. */
  job: JobRecord;
  /** Aborted by Cancel, the time limit or the runner stopping (see signal.reason). */
  signal: AbortSignal;
  /** When the job's wall-clock limit runs out (ms since the epoch). */
  deadline: number;
  /**
   * Moves the job forward to `stage`, through any stages in between, and persists it with `data`
   * (applied with the last step); a stage already reached or passed is left alone. Returns the
   * job as now stored. Throws the abort reason when the job was cancelled meanwhile.
   */
  reach(stage: ActiveStage, data?: TransitionData): JobRecord;
  /** The current stage's percent (0..100). */
  progress(percent: number): void;
}

export interface JobBackend {
  readonly kind: 'local' | 'bullmq';
  /** Jobs the backend takes at once, the scheduler's total; absent: jobs.poolSize (the local pool's threads). */
  readonly slots?: number;
  /** Called once before the runner resumes jobs (connects, sweeps). */
  start(): Promise<void>;
  /**
   * Does the job's remaining work and sends the result to the user (with the job's fixed
   * random_id). Returns what to store for re-use; null when there is nothing new to store.
   */
  run(run: BackendRun): Promise<StoredResult | null>;
  /** Stops waiting (the runner is stopping); work elsewhere goes on and is picked up again at start. */
  close(): Promise<void>;
}
