/**
 * Re-use of results: when a finished job already made what a new request asks for (same input,
 * action and option, see jobIdentity.inputKeyOf), the stored result is sent again at once —
 * the file by its Telegram reference, Info's text as text — instead of downloading and
 * processing again.
 */
import type { StoredResult } from '../../storage/jobRepository.js';
import { JOB_MESSAGES } from '../jobIdentity.js';
import type { TelegramFiles } from '../../domain/mediaPorts.js';
import type { JobMessenger, RunnerLogger, SubmitInput } from './runnerTypes.js';

/**
 * Sends `result` as a reply to the user's message. Returns false when that did not work (e.g.
 * Telegram no longer accepts the stored file reference): the caller then runs the job as new.
 */
export async function sendStoredResult(
  deps: { botPort: JobMessenger; files: TelegramFiles; log: RunnerLogger },
  input: SubmitInput,
  result: StoredResult,
): Promise<boolean> {
  // Derived from the origin: the same request handled again after a crash is not answered twice.
  const options = { replyTo: input.sourceMessageId, randomId: JOB_MESSAGES.reuse(input.originKey) };
  try {
    if (result.kind === 'text') await deps.botPort.sendText(input.chat, result.text, options);
    else await deps.files.sendStored(input.chat, result.stored, result.file, options);
    return true;
  } catch (error) {
    deps.log.warn('could not re-use a stored job result; running the job again', { error: String(error) });
    return false;
  }
}
