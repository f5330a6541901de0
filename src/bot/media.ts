/**
 * What users come for: a file or a direct link gets a reply with action buttons; a press starts a
 * job (src/jobs/runner.ts), whose status message and result the runner sends; Cancel and Retry
 * buttons under a status message go back to the runner.
 *
 * Callback data holds only a short offer id (Telegram allows 64 bytes); the offer row keeps the
 * file reference or link. The offer id and the job's origin key derive from the updates that made
 * them, so handling an update twice after a crash offers and starts nothing twice.
 *
 * Only private chats get offers: answering every file posted in a group would be spam.
 *
 * The user's /settings (src/bot/settings/jobPreferences.ts) shape this: a chosen action runs at
 * once instead of the offer when it fits the file, the preferred Compress preset is offered first,
 * and a press takes its audio format and "video as file" from the settings at that moment.
 */
import { createHash } from 'node:crypto';
import { actionsFor, CallbackDataError, decodeCallback, encodeCallback, estimateCompressedBytes, type ActionInput } from '../jobs/actions.js';
import { decodeJobCallback, JOB_CALLBACK_PREFIX, JobCallbackError } from '../jobs/jobCallbacks.js';
import type { JobRunner } from '../jobs/runner/runnerTypes.js';
import type { Database } from '../storage/index.js';
import { findOffer, saveOffer } from '../storage/jobRepository.js';
import type { Button } from '../domain/botPort.js';
import type { JobSource, MediaRef } from '../domain/media.js';
import { isDialogAction, type MediaAction } from '../domain/mediaAction.js';
import { texts, type Texts } from '../texts/index.js';
import type { AskMediaOption } from './mediaDialogs.js';
import type { Router } from './router.js';
import { loadUserSettings } from '../storage/bot/settingsRepository.js';
import { DEFAULT_USER_SETTINGS, type UserSettings } from '../domain/userSettings.js';
import { immediateRequest, orderedOptions, requestFor } from './settings/jobPreferences.js';

export interface MediaFlowDeps {
  db: Database;
  runner: Pick<JobRunner, 'submit' | 'cancel' | 'retry'>;
  now?: () => number;
  /** Asks the question of Trim, Rename and Compress to size (mediaDialogs.ts); without it those buttons answer "no longer active". */
  askOption?: AskMediaOption;
}

const HTTP_LINK = /^https?:\/\/\S+$/i;
const OTHER_SCHEME_LINK = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;

export function useMediaFlow(router: Router, deps: MediaFlowDeps): void {
  const now = deps.now ?? Date.now;

  router.use(async (ctx, next) => {
    const incoming = ctx.incoming;
    if (incoming.kind !== 'message' || incoming.chat.kind !== 'user') return next();
    const text = incoming.text.trim();
    let source: JobSource;
    let question: string;
    if (incoming.media) {
      source = { kind: 'telegram', media: incoming.media };
      question = ctx.t.mediaOffer(incoming.media.fileName ?? ctx.t.mediaKinds[incoming.media.kind], ctx.t.size(incoming.media.sizeBytes));
    } else if (HTTP_LINK.test(text)) {
      source = { kind: 'link', url: text };
      question = ctx.t.linkOffer;
    } else if (OTHER_SCHEME_LINK.test(text)) {
      await ctx.reply(ctx.t.linkScheme);
      return;
    } else {
      return next();
    }
    const settings = loadUserSettings(deps.db, incoming.senderId).settings;
    // The user's /settings may say to run an action at once; one that does not fit this file asks.
    const immediate = immediateRequest(settings, actionsFor(inputOfSource(source)));
    if (immediate) {
      // The message's own update key is the job's origin: handled again, it starts nothing twice.
      // The runner answers: a status message, the re-used result, or the refusal.
      await deps.runner.submit({
        originKey: incoming.updateKey,
        userId: incoming.senderId,
        chat: incoming.chat,
        sourceMessageId: incoming.messageId,
        source,
        request: immediate,
        lang: ctx.lang,
      });
      return;
    }
    const offerId = offerIdOf(incoming.updateKey);
    saveOffer(deps.db, {
      id: offerId,
      userId: incoming.senderId,
      chat: incoming.chat,
      sourceMessageId: incoming.messageId,
      source,
      lang: ctx.lang,
      createdAt: now(),
    });
    await ctx.reply(question, { buttons: offerButtons(offerId, source, ctx.t, settings) });
  });

  router.callback('m1|', async (ctx, data) => {
    if (ctx.incoming.kind !== 'callback') return;
    let payload;
    try {
      payload = decodeCallback(data);
    } catch (error) {
      if (error instanceof CallbackDataError) return ctx.answer(ctx.t.offerExpired);
      throw error;
    }
    const offer = findOffer(deps.db, payload.mediaRef);
    if (!offer) return ctx.answer(ctx.t.offerExpired);
    if (offer.userId !== ctx.incoming.senderId) return ctx.answer(ctx.t.notYourButton);
    if (isDialogAction(payload.action) && payload.option === undefined) {
      if (!deps.askOption) return ctx.answer(ctx.t.callbackUnknown);
      return deps.askOption(ctx, offer, payload.action);
    }
    const result = await deps.runner.submit({
      originKey: ctx.incoming.updateKey,
      userId: offer.userId,
      chat: offer.chat,
      sourceMessageId: offer.sourceMessageId,
      source: offer.source,
      // The settings at the press fill in what the button leaves open (audio format, video as file).
      request: requestFor(payload.action, payload.option, loadUserSettings(deps.db, ctx.incoming.senderId).settings),
      lang: ctx.lang,
    });
    await ctx.answer(result.kind === 'accepted' ? ctx.t.jobAccepted : result.kind === 'reused' ? ctx.t.jobReused : (result.answer ?? result.text));
  });

  router.callback(JOB_CALLBACK_PREFIX, async (ctx, data) => {
    if (ctx.incoming.kind !== 'callback') return;
    let press;
    try {
      press = decodeJobCallback(data);
    } catch (error) {
      if (error instanceof JobCallbackError) return ctx.answer(ctx.t.callbackUnknown);
      throw error;
    }
    const { jobId } = press;
    const presser = ctx.incoming.senderId;
    const answer = press.op === 'cancel' ? await deps.runner.cancel(jobId, presser, ctx.lang) : await deps.runner.retry(jobId, presser, ctx.lang);
    await ctx.answer(answer.text);
  });
}

/** 16 URL-safe characters of SHA-256(update key): stable across re-handling, unguessable enough. */
export function offerIdOf(updateKey: string): string {
  return createHash('sha256').update(updateKey).digest('base64url').slice(0, 16);
}

/**
 * The buttons for a file or link, one per action and option, two per row, labelled in the
 * language of the user who sent it (English by default). The user's preferred Compress preset
 * comes first.
 */
export function offerButtons(offerId: string, source: JobSource, t: Texts = texts.en, settings: Pick<UserSettings, 'compressPreset'> = DEFAULT_USER_SETTINGS): Button[][] {
  const input = inputOfSource(source);
  const buttons: Button[] = [];
  for (const offered of actionsFor(input)) {
    const ordered = orderedOptions(offered, settings);
    const options = ordered.length > 0 ? ordered : [undefined];
    for (const option of options) {
      buttons.push({ text: buttonText(t, offered.action, option, input), data: encodeCallback({ action: offered.action, mediaRef: offerId, ...(option !== undefined ? { option } : {}) }) });
    }
  }
  const rows: Button[][] = [];
  for (let i = 0; i < buttons.length; i += 2) rows.push(buttons.slice(i, i + 2));
  return rows;
}

function buttonText(t: Texts, action: MediaAction, option: string | undefined, input: ActionInput): string {
  if (action === 'compress' && (option === '720p' || option === '480p')) {
    const seconds = input.durationSeconds;
    return t.compressOption(option, seconds !== null && Number.isFinite(seconds) ? t.size(estimateCompressedBytes(seconds, option)) : null);
  }
  if (action === 'convert' && option) return t.convertOption(option.toUpperCase());
  return t.actions[action];
}

/**
 * What is known of a file before it is downloaded, decided by its content type rather than by how
 * it was sent. The mime type comes from the sending client, which reads it from the file, and is
 * there whether the file came as a video or as a document; the attributes only say how to show it
 * and are often placeholders: a client that did not measure the file writes duration 0 and 1x1
 * (GramJS's sendFile does), one that sends "as a file" writes none. Those count as unknown, so a
 * video gets the video actions, without a size estimate (like a link).
 *
 * Reading the file's head and probing it at offer time would not know more: most MP4s from phones
 * keep their index (moov) at the end, so ffprobe cannot read a duration or size from the first
 * chunk. Codecs stay unknown until the job's ffprobe runs; an action that turns out not to fit
 * fails there with a clear reason.
 */
export function actionInputOf(media: MediaRef): ActionInput {
  const mime = media.mimeType.toLowerCase();
  const isVideo = media.kind === 'video' || media.kind === 'animation' || (media.kind !== 'voice' && mime.startsWith('video/'));
  const isAudio = !isVideo && (media.kind === 'audio' || media.kind === 'voice' || mime.startsWith('audio/'));
  const measured = media.durationSeconds !== undefined && media.durationSeconds > 0;
  if (isVideo) {
    const placeholderSize = (media.width ?? 0) <= 1 && (media.height ?? 0) <= 1;
    const height = placeholderSize ? null : media.height ?? null;
    const duration = measured ? media.durationSeconds! : Number.POSITIVE_INFINITY;
    return { durationSeconds: duration, video: { codec: 'unknown', height }, audio: media.kind === 'animation' ? null : { codec: 'unknown' }, isImage: false, mime };
  }
  const duration = measured ? media.durationSeconds! : null;
  if (isAudio) return { durationSeconds: duration, video: null, audio: { codec: mime === 'audio/mpeg' ? 'mp3' : 'unknown' }, isImage: false, mime };
  return { durationSeconds: duration, video: null, audio: null, isImage: media.kind === 'photo' || mime.startsWith('image/'), mime };
}

function inputOfSource(source: JobSource): ActionInput {
  return source.kind === 'telegram' ? actionInputOf(source.media) : LINK_INPUT;
}

/** A link's content is unknown until downloaded: offer what fits a video, without a size estimate. */
const LINK_INPUT: ActionInput = { durationSeconds: Number.POSITIVE_INFINITY, video: { codec: 'unknown', height: null }, audio: { codec: 'unknown' }, isImage: false };
