/**
 * The actions a user can pick for a media file: which ones fit the file, the compact callback
 * data behind each button (the labels are in src/texts), and the size estimate shown for Compress.
 *
 * Callback data is what Telegram sends back when a button is pressed; it is at most 64 bytes
 * (core.telegram.org/bots/api#inlinekeyboardbutton, "callback_data: 1-64 bytes"; the MTProto
 * keyboardButtonCallback carries the same bytes). Format: "m1|<action>|<mediaRef>[|<option>]",
 * one-letter action codes, a version prefix so buttons from an older Courier are recognised and
 * refused cleanly rather than misread. Decoding validates with zod; old or forged data throws
 * CallbackDataError, which the bot answers with "this button has expired".
 */

import { z } from 'zod';
import { SIZE_OPTION_PATTERN, TRIM_OPTION_PATTERN } from '../domain/editOptions.js';
import { MEDIA_ACTIONS, type MediaAction } from '../domain/mediaAction.js';
import { COMPRESS_PRESETS, GIF_MAX_SECONDS, type CompressPreset } from '../media/commands.js';


/** What the action choice needs to know about a file (a subset of src/media/probe.ts's MediaSummary). */
export interface ActionInput {
  durationSeconds: number | null;
  video: { codec: string; height: number | null } | null;
  audio: { codec: string } | null;
  isImage: boolean;
  /** Telegram's mime type for the document, if any. */
  mime?: string | null;
}

export interface OfferedAction {
  action: MediaAction;
  /** Sub-choices shown after the action, e.g. ["720p", "480p"] for Compress. */
  options: string[];
}

/** The actions that make sense for a file, in button order. */
export function actionsFor(media: ActionInput): OfferedAction[] {
  const offered: OfferedAction[] = [{ action: 'info', options: [] }];
  const isVideo = media.video !== null && !media.isImage;
  const hasDuration = media.durationSeconds !== null && media.durationSeconds > 0;
  if (media.audio && (isVideo || media.audio.codec !== 'mp3')) offered.push({ action: 'extractAudio', options: [] });
  if (isVideo && hasDuration) {
    const height = media.video?.height ?? null;
    // 720p only shrinks sources taller than 720; 480p is always offered for video.
    const presets = (Object.keys(COMPRESS_PRESETS) as CompressPreset[]).filter((p) => p === '480p' || height === null || height > COMPRESS_PRESETS[p].height);
    offered.push({ action: 'compress', options: presets });
    const targets = ['mp4'];
    if ((media.durationSeconds ?? Infinity) <= GIF_MAX_SECONDS) targets.push('gif');
    offered.push({ action: 'convert', options: targets });
    offered.push({ action: 'thumbnail', options: [] });
  }
  // Trim, Compress to size and Rename ask a question first (src/bot/mediaDialogs.ts).
  if (isVideo || (media.audio !== null && !media.isImage)) offered.push({ action: 'trim', options: [] });
  // Compress to size needs the length to say what the smallest target is: not for links or
  // videos whose length Telegram does not know.
  if (isVideo && hasDuration && Number.isFinite(media.durationSeconds)) offered.push({ action: 'compressToSize', options: [] });
  offered.push({ action: 'sendAsFile', options: [] });
  offered.push({ action: 'rename', options: [] });
  return offered;
}

/**
 * Estimated output size of Compress, bytes: (video + audio bitrate) x duration, plus ~2 % for
 * the MP4 container. Shown to the user as "about N MB".
 */
export function estimateCompressedBytes(durationSeconds: number, preset: CompressPreset, hasAudio = true): number {
  const p = COMPRESS_PRESETS[preset];
  const kbps = p.videoKbps + (hasAudio ? p.audioKbps : 0);
  return Math.round(((kbps * 1000) / 8) * Math.max(0, durationSeconds) * 1.02);
}

// --- callback data ---------------------------------------------------------------------------

export const CALLBACK_MAX_BYTES = 64;
const VERSION = 'm1';

const ACTION_CODE: Record<MediaAction, string> = {
  info: 'i',
  extractAudio: 'a',
  compress: 'c',
  convert: 'v',
  thumbnail: 't',
  sendAsFile: 'f',
  trim: 'r',
  rename: 'n',
  compressToSize: 's',
};
const CODE_ACTION = new Map(Object.entries(ACTION_CODE).map(([action, code]) => [code, action as MediaAction]));

/** Allowed options per action; thumbnail takes a time in whole seconds. */
const OPTION_RULES: Record<MediaAction, z.ZodType<string | undefined>> = {
  info: z.undefined(),
  sendAsFile: z.undefined(),
  extractAudio: z.enum(['mp3', 'm4a', 'opus']).optional(),
  compress: z.enum(['720p', '480p']),
  convert: z.enum(['mp4', 'gif']),
  thumbnail: z.string().regex(/^\d{1,6}$/).optional(),
  // The button carries no option (it asks); the job's option is the answer (editOptions.ts).
  trim: z.string().regex(TRIM_OPTION_PATTERN).optional(),
  compressToSize: z.string().regex(SIZE_OPTION_PATTERN).optional(),
  rename: z.undefined(),
};

/** A media reference is an id Courier chose (e.g. a job or message key): short and URL-safe. */
const mediaRefSchema = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'mediaRef must be 1-40 characters of A-Z a-z 0-9 _ -');

const payloadSchema = z
  .strictObject({
    action: z.enum(MEDIA_ACTIONS),
    mediaRef: mediaRefSchema,
    option: z.string().optional(),
  })
  .superRefine((value, ctx) => {
    const result = OPTION_RULES[value.action].safeParse(value.option);
    if (!result.success) ctx.addIssue({ code: 'custom', message: `option ${JSON.stringify(value.option)} does not fit action ${value.action}`, path: ['option'] });
  });

export type CallbackPayload = z.infer<typeof payloadSchema>;

/** Callback data that is not Courier's, from an older version, or tampered with. */
export class CallbackDataError extends Error {
  override readonly name = 'CallbackDataError';
  constructor(detail: string) {
    super(`This button's data is not valid (${detail}); it may come from an older message — send the file again for fresh buttons.`);
  }
}

export function encodeCallback(payload: CallbackPayload): string {
  const checked = payloadSchema.safeParse(payload);
  if (!checked.success) throw new CallbackDataError(checked.error.issues.map((i) => i.message).join('; '));
  const { action, mediaRef, option } = checked.data;
  const parts = [VERSION, ACTION_CODE[action], mediaRef, ...(option === undefined ? [] : [option])];
  const data = parts.join('|');
  if (Buffer.byteLength(data, 'utf8') > CALLBACK_MAX_BYTES) throw new CallbackDataError(`${Buffer.byteLength(data)} bytes is over Telegram's 64`);
  return data;
}

/** Decodes callback data (Telegram gives bytes over MTProto, a string over the Bot API). */
export function decodeCallback(data: Uint8Array | string): CallbackPayload {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  if (bytes.length === 0 || bytes.length > CALLBACK_MAX_BYTES) throw new CallbackDataError(`${bytes.length} bytes`);
  const text = bytes.toString('utf8');
  const parts = text.split('|');
  if (parts[0] !== VERSION) throw new CallbackDataError('unknown format');
  if (parts.length < 3 || parts.length > 4) throw new CallbackDataError('wrong number of fields');
  const action = CODE_ACTION.get(parts[1] ?? '');
  if (!action) throw new CallbackDataError(`unknown action code ${JSON.stringify(parts[1])}`);
  const candidate = { action, mediaRef: parts[2], ...(parts[3] === undefined ? {} : { option: parts[3] }) };
  const checked = payloadSchema.safeParse(candidate);
  if (!checked.success) throw new CallbackDataError(checked.error.issues.map((i) => i.message).join('; '));
  return checked.data;
}
