/**
 * The media actions that ask before they start: Trim ("which part?"), Rename ("what name?") and
 * Compress to size ("how many MB?"). The button under a file's offer stores a persistent dialog
 * (dialogs.ts) and asks; the user's next text in that chat is the answer, read by the pure
 * parsers of src/domain/editOptions.ts. A good answer ends the dialog, submits the job with the
 * answer as its option and says how it was understood; a bad one gets a message naming what is
 * wrong, followed by the question again, and the dialog keeps waiting.
 *
 * Because the dialog lives in SQLite and every move is recorded with the update that made it, the
 * question survives a restart, an answer sent while Courier was down is read after catch-up, and
 * an answer handled twice (a crash before the inbox marked it done) decides the same way: the
 * job's origin key is the answer's update key, so the runner creates it once.
 *
 * What is not an answer goes on down the router: a file or a link is a new offer, a /command is a
 * command, and a text without a single digit while a time or size is awaited gets the reminder
 * (useDialogReminder with mediaReminders) instead of a "could not read that" message.
 */
import { z } from 'zod';
import type { MediaRef } from '../domain/media.js';
import {
  decodeSizeOption,
  encodeSizeOption,
  encodeTrimOption,
  formatClock,
  hasDigits,
  MB,
  minimumTargetBytes,
  parseMegabytes,
  parseTimeRange,
  renamedFileName,
  type RangeProblem,
} from '../domain/editOptions.js';
import type { DialogAction } from '../domain/mediaAction.js';
import { inputDisplayName } from '../jobs/jobIdentity.js';
import type { JobRunner } from '../jobs/runner/runnerTypes.js';
import type { Database } from '../storage/index.js';
import { findOffer, type MediaOffer } from '../storage/jobRepository.js';
import type { Texts } from '../texts/index.js';
import type { Dialogs, Reminders } from './dialogs.js';
import { actionInputOf } from './media.js';
import type { BotContext, Router } from './router.js';

/** The dialog steps (`waiting` values) of the three questions. */
export const MEDIA_WAITS: Record<DialogAction, string> = {
  trim: 'media.trim',
  rename: 'media.rename',
  compressToSize: 'media.size',
};

export const mediaReminders: Reminders = {
  [MEDIA_WAITS.trim]: (t: Texts) => t.mediaDialogWaits.trimRange,
  [MEDIA_WAITS.rename]: (t: Texts) => t.mediaDialogWaits.renameName,
  [MEDIA_WAITS.compressToSize]: (t: Texts) => t.mediaDialogWaits.sizeTarget,
};

const ACTION_OF = new Map(Object.entries(MEDIA_WAITS).map(([action, waiting]) => [waiting, action as DialogAction]));

/** What a media dialog remembers: the offer whose file the answer is for. Checked on the way back in. */
const dataSchema = z.object({ offerId: z.string().min(1).max(40) });

export interface MediaDialogDeps {
  db: Database;
  runner: Pick<JobRunner, 'submit'>;
  dialogs: Dialogs;
  /** How long a question waits for its answer (dialogs.ttlHours). */
  ttlMs: number;
}

/** Asks the question of a pressed Trim, Rename or Compress to size button; media.ts calls it. */
export type AskMediaOption = (ctx: BotContext, offer: MediaOffer, action: DialogAction) => Promise<void>;

const HTTP_LINK = /^https?:\/\/\S+$/i;

/**
 * Registers the answers' handler (put it after /cancel and before the media flow) and returns
 * the asking side for the media flow's buttons.
 */
export function useMediaDialogs(router: Router, deps: MediaDialogDeps): AskMediaOption {
  router.use(async (ctx, next) => {
    const incoming = ctx.incoming;
    if (incoming.kind !== 'message' || incoming.media) return next();
    const current = deps.dialogs.of(ctx).current;
    const action = current ? ACTION_OF.get(current.waiting) : undefined;
    const text = incoming.text.trim();
    if (!current || !action || text === '' || text.startsWith('/') || HTTP_LINK.test(text)) return next();
    const data = dataSchema.safeParse(current.data);
    const offer = data.success ? findOffer(deps.db, data.data.offerId) : undefined;
    if (!offer) {
      // The offer was pruned (or the row is from an older Courier): nothing to apply the answer to.
      deps.dialogs.of(ctx).end();
      await ctx.reply(ctx.t.offerExpired);
      return;
    }
    const outcome = readAnswer(action, text, offer, ctx.t);
    if (outcome.kind === 'notAnAnswer') return next();
    if (outcome.kind === 'problem') {
      await ctx.reply(`${outcome.text}\n\n${questionOf(action, offer, ctx.t)}`);
      return;
    }
    // Ended before the job is submitted: if submitting throws, the update is handled again and,
    // seeing the state from before its own move, answers the same question again.
    deps.dialogs.of(ctx).end();
    const result = await deps.runner.submit({
      originKey: incoming.updateKey,
      userId: offer.userId,
      chat: offer.chat,
      sourceMessageId: offer.sourceMessageId,
      source: offer.source,
      request: { action, option: outcome.option },
      lang: ctx.lang,
    });
    // Says how the answer was understood ("10 85" is 0:10–1:25). It is also this update's first
    // reply, so an answer sent while Courier was down gets the "sorry for the wait" note on it.
    // A refusal was already sent by the runner, under the file.
    if (result.kind !== 'refused') await ctx.reply(outcome.confirmation);
  });

  return async (ctx, offer, action) => {
    deps.dialogs.of(ctx).ask(MEDIA_WAITS[action], { offerId: offer.id }, deps.ttlMs);
    await ctx.answer();
    await ctx.send(questionOf(action, offer, ctx.t), { replyTo: offer.sourceMessageId });
  };
}

type Outcome = { kind: 'option'; option: string; confirmation: string } | { kind: 'problem'; text: string } | { kind: 'notAnAnswer' };

function readAnswer(action: DialogAction, text: string, offer: MediaOffer, t: Texts): Outcome {
  const media = offer.source.kind === 'telegram' ? offer.source.media : null;
  switch (action) {
    case 'trim': {
      if (!hasDigits(text)) return { kind: 'notAnAnswer' };
      const range = parseTimeRange(text, knownDuration(media));
      if (!range.ok) return { kind: 'problem', text: rangeProblem(range, t) };
      return { kind: 'option', option: encodeTrimOption(range), confirmation: t.trimAccepted(formatClock(range.startSeconds), formatClock(range.endSeconds)) };
    }
    case 'rename': {
      const name = renamedFileName(text, inputDisplayName(offer.source));
      return name === null ? { kind: 'problem', text: t.renameEmpty } : { kind: 'option', option: name, confirmation: t.renameAccepted(name) };
    }
    case 'compressToSize': {
      if (!hasDigits(text)) return { kind: 'notAnAnswer' };
      const megabytes = parseMegabytes(text);
      const option = megabytes === null ? null : encodeSizeOption(megabytes);
      const target = option === null ? null : decodeSizeOption(option);
      if (target === null) return { kind: 'problem', text: t.sizeUnparsable };
      if (media) {
        const minimum = sizeMinimum(media);
        if (minimum !== null && target * MB < minimum) return { kind: 'problem', text: t.sizeTooSmall(t.size(minimum)) };
        if (target * MB >= media.sizeBytes) return { kind: 'problem', text: t.sizeNotSmaller(t.size(media.sizeBytes)) };
      }
      return { kind: 'option', option: option!, confirmation: t.sizeAccepted(target) };
    }
  }
}

function rangeProblem(range: RangeProblem, t: Texts): string {
  switch (range.problem) {
    case 'unparsable':
      return t.trimUnparsable;
    case 'empty':
      return t.trimEmpty(formatClock(range.at));
    case 'endBeforeStart':
      return t.trimEndBeforeStart(formatClock(range.start), formatClock(range.end));
    case 'beyondDuration':
      return t.trimBeyondDuration(formatClock(range.end), formatClock(range.duration));
  }
}

function questionOf(action: DialogAction, offer: MediaOffer, t: Texts): string {
  const media = offer.source.kind === 'telegram' ? offer.source.media : null;
  switch (action) {
    case 'trim': {
      const duration = knownDuration(media);
      return duration === null ? t.trimAskNoDuration : t.trimAsk(formatClock(duration));
    }
    case 'rename':
      return t.renameAsk(inputDisplayName(offer.source));
    case 'compressToSize': {
      // Offered only for videos whose length Telegram reported (actions.ts), so both are known.
      const minimum = media ? sizeMinimum(media) : null;
      return t.sizeAsk(t.size(media?.sizeBytes ?? 0), t.size(minimum ?? 0));
    }
  }
}

/** The length Telegram reported, or null when it is missing or a placeholder (0). */
function knownDuration(media: MediaRef | null): number | null {
  const seconds = media?.durationSeconds;
  return seconds !== undefined && seconds > 0 ? seconds : null;
}

function sizeMinimum(media: MediaRef): number | null {
  const duration = knownDuration(media);
  return duration === null ? null : minimumTargetBytes(duration, actionInputOf(media).audio !== null);
}
