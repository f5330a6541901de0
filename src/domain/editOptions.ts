/**
 * The answers behind the three media actions that ask a question first (Trim, Rename, Compress to
 * size): reading what the user typed, and the job option each answer becomes. Pure functions with
 * no I/O, shared by the bot (src/bot/mediaDialogs.ts reads the answer and refuses a bad one with a
 * specific message) and the media worker (src/media/editActions.ts turns the option into ffmpeg
 * arguments), so the two sides cannot disagree about the format.
 *
 * The options travel in the job's `option` column, never in callback data: a file name does not
 * fit in 64 bytes, and the button that starts the dialog needs no option at all.
 *   trim            "<start>-<end>" in seconds, up to 3 decimals ("2-5", "10.5-85")
 *   rename          the sanitised file name, extension included ("holiday.mp4")
 *   compressToSize  the target in MB, 1024-based like every size the bot shows ("25", "7.5")
 */

// --- times and ranges ---------------------------------------------------------------------

/** Persian (U+06F0..) and Arabic-Indic (U+0660..) digits as ASCII: users type either. */
export function asciiDigits(text: string): string {
  return text.replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0)).replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660));
}

const TIME = /^(?:(\d{1,2}):)??(?:(\d{1,3}):)?(\d+(?:[.,]\d{1,3})?)$/;

/**
 * "85", "1:25", "01:25.5", "1:02:03" -> seconds; null when it is not a time. In m:ss and h:mm:ss
 * the seconds (and minutes after hours) must be below 60: "1:75" is a typo, not 2:15.
 */
export function parseClock(text: string): number | null {
  const match = TIME.exec(asciiDigits(text.trim()));
  if (!match) return null;
  const [, h, m, s] = match;
  const seconds = Number(s!.replace(',', '.'));
  const minutes = m === undefined ? 0 : Number(m);
  const hours = h === undefined ? 0 : Number(h);
  if (m !== undefined && seconds >= 60) return null;
  if (h !== undefined && minutes >= 60) return null;
  return hours * 3600 + minutes * 60 + seconds;
}

/** 2 -> "0:02", 85.5 -> "1:25.5", 3723 -> "1:02:03": how the bot writes a time back. */
export function formatClock(seconds: number): string {
  const whole = Math.floor(seconds);
  const fraction = Math.round((seconds - whole) * 1000);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const ss = `${String(s).padStart(2, '0')}${fraction > 0 ? `.${String(fraction).padStart(3, '0').replace(/0+$/, '')}` : ''}`;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export interface TimeRange {
  startSeconds: number;
  endSeconds: number;
}

export type RangeProblem =
  | { problem: 'unparsable' }
  | { problem: 'empty'; at: number }
  | { problem: 'endBeforeStart'; start: number; end: number }
  | { problem: 'beyondDuration'; end: number; duration: number };

/** Ends within this much past the duration are taken as "the end": durations are rounded. */
const END_TOLERANCE_SECONDS = 0.5;

/**
 * "0:10 1:25", "0:10-1:25", "0:10 – 1:25", "10 85", "0:10 to 1:25" (also "до", "تا") -> the range. `durationSeconds` (null when not
 * known yet: the job checks again after probing) bounds the end; an end just past it (rounding)
 * is clamped to it.
 */
export function parseTimeRange(text: string, durationSeconds: number | null): ({ ok: true } & TimeRange) | ({ ok: false } & RangeProblem) {
  const parts = asciiDigits(text.trim())
    .split(/\s*[-\u2013\u2014]\s*|\s+(?:to|до|تا)\s+|\s+/i)
    .filter((p) => p !== '');
  if (parts.length !== 2) return { ok: false, problem: 'unparsable' };
  const start = parseClock(parts[0]!);
  const end = parseClock(parts[1]!);
  if (start === null || end === null) return { ok: false, problem: 'unparsable' };
  if (end < start) return { ok: false, problem: 'endBeforeStart', start, end };
  if (end === start) return { ok: false, problem: 'empty', at: start };
  const known = durationSeconds !== null && Number.isFinite(durationSeconds) && durationSeconds > 0;
  if (known && end > durationSeconds + END_TOLERANCE_SECONDS) return { ok: false, problem: 'beyondDuration', end, duration: durationSeconds };
  if (known && start >= durationSeconds) return { ok: false, problem: 'beyondDuration', end, duration: durationSeconds };
  return { ok: true, startSeconds: start, endSeconds: known ? Math.min(end, durationSeconds) : end };
}

/** True when a message could be meant as a time or a size at all (it has a digit). */
export function hasDigits(text: string): boolean {
  return /\d/.test(asciiDigits(text));
}

const TRIM_OPTION = /^(\d{1,6}(?:\.\d{1,3})?)-(\d{1,6}(?:\.\d{1,3})?)$/;

const seconds3 = (n: number): string => String(Math.round(n * 1000) / 1000);

export function encodeTrimOption(range: TimeRange): string {
  return `${seconds3(range.startSeconds)}-${seconds3(range.endSeconds)}`;
}

/** The job's trim option back as a range; null when it is not one (a forged or old row). */
export function decodeTrimOption(option: string | undefined): TimeRange | null {
  const match = option === undefined ? null : TRIM_OPTION.exec(option);
  if (!match) return null;
  const range = { startSeconds: Number(match[1]), endSeconds: Number(match[2]) };
  return range.endSeconds > range.startSeconds ? range : null;
}

export const TRIM_OPTION_PATTERN = TRIM_OPTION;

// --- file names ---------------------------------------------------------------------------

/** Longest name kept, in characters (Telegram shows ~60; file systems take 255 bytes). */
export const MAX_FILE_NAME_CHARS = 120;
const EXTENSION = /\.([A-Za-z0-9]{1,10})$/;

/**
 * A file name the user typed, made safe to show and to save anywhere: control and format
 * characters (bidi overrides included) dropped, path separators and the characters Windows
 * refuses (<>:"/\|?*) turned into "_", whitespace collapsed, leading dots and spaces removed (no
 * hidden files, no "..") and trailing ones too (Windows drops them). Null when nothing is left.
 */
export function sanitizeFileName(text: string): string | null {
  const cleaned = text
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .replace(/[<>:"/\\|?*]/g, '_')
    .replace(/\s+/g, ' ')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  return cleaned === '' || /^_+$/.test(cleaned) ? null : cleaned;
}

/**
 * The name a renamed file gets: the user's name, sanitised, with the original extension unless
 * the user typed one; cut to MAX_FILE_NAME_CHARS keeping the extension. Null when the name is
 * empty after sanitising.
 */
export function renamedFileName(typed: string, originalName: string): string | null {
  const name = sanitizeFileName(typed);
  if (name === null) return null;
  const own = EXTENSION.exec(name);
  const original = EXTENSION.exec(originalName);
  const ext = own ? own[1]! : original ? original[1]! : null;
  const stem = own ? name.slice(0, -own[0].length) : name;
  const room = MAX_FILE_NAME_CHARS - (ext === null ? 0 : ext.length + 1);
  const cut = [...stem].slice(0, room).join('').replace(/[.\s]+$/, '');
  if (cut === '') return null;
  return ext === null ? cut : `${cut}.${ext}`;
}

// --- target sizes -------------------------------------------------------------------------

export const MB = 1024 * 1024;

/** "25", "25 MB", "25mb", "7.5", "7,5 МБ" -> megabytes; null when it is not a positive number. */
export function parseMegabytes(text: string): number | null {
  const match = /^(\d{1,6}(?:[.,]\d{1,2})?)\s*(?:mb|mib|m|мб|مگابایت|مگ)?$/i.exec(asciiDigits(text.trim()).replace('\u066b', '.'));
  if (!match) return null;
  const value = Number(match[1]!.replace(',', '.'));
  return value > 0 ? value : null;
}

/**
 * Share of the target kept back for what is not audio or video bits: the MP4 container (~1-2 %)
 * and the encoder's overshoot within its rate buffer. The worker still checks the result and
 * encodes once more, lower, if it came out too big.
 */
export const SIZE_MARGIN = 0.06;
/** Below this the picture is mush; the bot refuses targets that would need less. */
export const MIN_VIDEO_KBPS = 100;
/** The lowest audio rate used when the budget is tight (AAC stays intelligible at 48k). */
export const MIN_AUDIO_KBPS = 48;

export interface SizePlan {
  videoKbps: number;
  audioKbps: number;
  /** The tallest picture worth that rate; the source is never scaled up. */
  maxHeight: number;
}

/**
 * The encoder's rate buffer (VBV) is set to one second of the video rate, so the video may take
 * up to rate × (duration + 1 s): the plan divides by that, not by the duration.
 */
const BUFFER_SECONDS = 1;

/** The smallest target, bytes, that leaves MIN_VIDEO_KBPS (and MIN_AUDIO_KBPS) for `durationSeconds`. */
export function minimumTargetBytes(durationSeconds: number, hasAudio: boolean): number {
  const kilobits = MIN_VIDEO_KBPS * (durationSeconds + BUFFER_SECONDS) + (hasAudio ? MIN_AUDIO_KBPS * durationSeconds : 0);
  return Math.ceil((kilobits * 1000) / 8 / (1 - SIZE_MARGIN));
}

/**
 * Rates for a result of at most `targetBytes`: the budget is target × 8 less SIZE_MARGIN; audio
 * takes 128k, 96k or 48k as the average rate allows, video the rest spread over the duration plus
 * the rate buffer. Null when the video would get less than MIN_VIDEO_KBPS (minimumTargetBytes
 * says how much is needed).
 */
export function planSizeTarget(targetBytes: number, durationSeconds: number, hasAudio: boolean): SizePlan | null {
  if (!(durationSeconds > 0) || !(targetBytes > 0)) return null;
  const budgetKilobits = ((targetBytes * 8) / 1000) * (1 - SIZE_MARGIN);
  const averageKbps = budgetKilobits / durationSeconds;
  const audioKbps = !hasAudio ? 0 : averageKbps >= 1500 ? 128 : averageKbps >= 500 ? 96 : MIN_AUDIO_KBPS;
  const videoKbps = Math.floor((budgetKilobits - audioKbps * durationSeconds) / (durationSeconds + BUFFER_SECONDS));
  if (videoKbps < MIN_VIDEO_KBPS) return null;
  const maxHeight = videoKbps >= 2500 ? 1080 : videoKbps >= 1200 ? 720 : videoKbps >= 600 ? 480 : videoKbps >= 300 ? 360 : 240;
  return { videoKbps, audioKbps, maxHeight };
}

/** A target in MB as the option string ("25", "7.5"). */
export function encodeSizeOption(megabytes: number): string {
  return String(Math.round(megabytes * 100) / 100);
}

export const SIZE_OPTION_PATTERN = /^\d{1,6}(?:\.\d{1,2})?$/;

export function decodeSizeOption(option: string | undefined): number | null {
  if (option === undefined || !SIZE_OPTION_PATTERN.test(option)) return null;
  const value = Number(option);
  return value > 0 ? value : null;
}
