/**
 * The one status message of each job: sent once as a reply to the user's message when the job is
 * accepted, then edited with the phase and percent, and a last time when the job ends.
 *
 * Edits are throttled: at most one per `intervalMs` per job (Telegram rate-limits edits, and a
 * user gains nothing from more), and none when the text and buttons would not change. The final
 * edit (done / failed / cancelled) and the edit after a retry always go out. Edits of one job are
 * chained so they reach Telegram in order. A failed edit is logged and forgotten: the status
 * message is a courtesy, the job goes on.
 */
import type { Database } from '../../storage/index.js';
import { setStatusMessage, type JobRecord } from '../../storage/jobRepository.js';
import { encodeJobCallback } from '../jobCallbacks.js';
import { JOB_MESSAGES } from '../jobIdentity.js';
import { textsFor, type Texts } from '../../texts/index.js';
import { linkRefusalOf } from '../../transfer/linkGuard.js';
import type { JobButton as Button, JobMessenger, RunnerLogger } from './runnerTypes.js';

/** A result that comes in `count` parts because it is over Telegram's per-file limit (resultUpload.ts). */
export interface PartsNote {
  count: number;
  limitBytes: number;
}

/**
 * The status text of a job; `queuedAhead` is shown while it waits, and `parts`, while it runs,
 * as a second line saying the result comes in parts.
 */
export function statusText(texts: Texts, job: Pick<JobRecord, 'state' | 'progress' | 'failure'>, queuedAhead = 0, parts: PartsNote | null = null): string {
  const note = parts ? `\n${texts.resultInParts(parts.count, texts.size(parts.limitBytes))}` : '';
  switch (job.state) {
    case 'queued':
      return texts.queued(queuedAhead) + note;
    case 'downloading':
    case 'processing':
    case 'uploading':
      return texts.progress(texts.phases[job.state], Math.floor(job.progress)) + note;
    case 'done':
      return texts.done;
    case 'cancelled':
      return texts.cancelled;
    case 'failed': {
      const reason = texts.reasons[job.failure?.reason ?? 'INTERNAL'];
      // A refused link names the rule it broke and what it refused ("not a public internet
      // address: 127.0.0.1"), in the user's language: they can tell a typo from a private address.
      const refusal = job.failure?.reason === 'LINK_REFUSED' ? linkRefusalOf(job.failure.message) : null;
      if (!refusal) return texts.failed(reason);
      const rule = texts.linkRules[refusal.kind];
      return texts.failed(texts.withRule(reason, refusal.subject === null ? rule : texts.linkRuleAbout(rule, refusal.subject)));
    }
  }
}

/** Cancel while the job may still run; Retry when it failed and another attempt is allowed. */
export function statusButtons(texts: Texts, job: Pick<JobRecord, 'id' | 'state' | 'failure' | 'attempts' | 'maxAttempts'>): Button[][] {
  if (job.state === 'done' || job.state === 'cancelled') return [];
  if (job.state === 'failed') {
    const retryable = job.failure?.retryable === true && job.attempts < job.maxAttempts;
    return retryable ? [[{ text: texts.retryButton, data: encodeJobCallback({ op: 'retry', jobId: job.id }) }]] : [];
  }
  return [[{ text: texts.cancelButton, data: encodeJobCallback({ op: 'cancel', jobId: job.id }) }]];
}

interface Shown {
  key: string;
  at: number;
}

export class StatusMessages {
  private readonly shown = new Map<string, Shown>();
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: {
      db: Database;
      botPort: JobMessenger;
      now: () => number;
      intervalMs: number;
      log: RunnerLogger;
      /** Whether the job's result comes in parts (null: one file, or not known yet). */
      partsOf?: (job: JobRecord) => PartsNote | null;
    },
  ) {}

  /** Sends the status message (a reply to the user's message) unless the job already has one. */
  async send(job: JobRecord, queuedAhead: number): Promise<void> {
    if (job.statusMessageId !== null) return;
    const texts = textsFor(job.lang);
    const text = statusText(texts, job, queuedAhead, this.deps.partsOf?.(job) ?? null);
    const buttons = statusButtons(texts, job);
    try {
      const sent = await this.deps.botPort.sendText(job.chat, text, { replyTo: job.sourceMessageId, randomId: JOB_MESSAGES.status(job.id), buttons });
      // null: the random id was used before (a resend after a crash that lost the id); nothing to edit then.
      if (sent.messageId !== null) {
        setStatusMessage(this.deps.db, job.id, sent.messageId, this.deps.now());
        job.statusMessageId = sent.messageId;
      }
      this.shown.set(job.id, { key: keyOf(text, buttons), at: this.deps.now() });
    } catch (error) {
      this.deps.log.warn('could not send a job status message', { jobId: job.id, error: String(error) });
    }
  }

  /**
   * Shows the job's current state. Without `force`, skipped when the last edit is younger than
   * the interval or nothing changed; with it (ends, retries) only an unchanged text is skipped.
   */
  update(job: JobRecord, options: { force?: boolean } = {}): Promise<void> {
    const previous = this.chains.get(job.id) ?? Promise.resolve();
    const next = previous.then(() => this.edit(job, options.force ?? false));
    this.chains.set(job.id, next);
    void next.finally(() => {
      if (this.chains.get(job.id) === next) this.chains.delete(job.id);
    });
    return next;
  }

  /** Drops what is remembered about an ended job. */
  forget(jobId: string): void {
    this.shown.delete(jobId);
  }

  /** Resolves when every edit started so far has finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  private async edit(job: JobRecord, force: boolean): Promise<void> {
    if (job.statusMessageId === null) return;
    const texts = textsFor(job.lang);
    const text = statusText(texts, job, 0, this.deps.partsOf?.(job) ?? null);
    const buttons = statusButtons(texts, job);
    const key = keyOf(text, buttons);
    const last = this.shown.get(job.id);
    const now = this.deps.now();
    if (last?.key === key) return;
    if (!force && last !== undefined && now - last.at < this.deps.intervalMs) return;
    this.shown.set(job.id, { key, at: now });
    try {
      await this.deps.botPort.editText(job.chat, job.statusMessageId, text, { buttons });
    } catch (error) {
      this.deps.log.warn('could not edit a job status message', { jobId: job.id, error: String(error) });
    }
  }
}

function keyOf(text: string, buttons: Button[][]): string {
  return JSON.stringify([text, buttons]);
}
