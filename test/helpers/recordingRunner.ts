/**
 * A job runner for bot-flow unit tests: records what the bot submits and the Cancel / Retry
 * presses it passes on, and answers with `result` (accepted by default).
 */
import type { SubmitInput, SubmitResult } from '../../src/jobs/runner/runnerTypes.js';

export class RecordingRunner {
  readonly submitted: SubmitInput[] = [];
  readonly presses: string[] = [];
  result: SubmitResult = { kind: 'accepted', jobId: 'j1', created: true };
  async submit(input: SubmitInput): Promise<SubmitResult> {
    this.submitted.push(input);
    return this.result;
  }
  async cancel(jobId: string, userId: string) {
    this.presses.push(`cancel ${jobId} by ${userId}`);
    return { ok: true, text: 'Cancelled.' };
  }
  async retry(jobId: string, userId: string) {
    this.presses.push(`retry ${jobId} by ${userId}`);
    return { ok: true, text: 'Trying again.' };
  }
}
