/**
 * English, the reference language: this object defines the catalogue's shape (`Texts`), and
 * fa.ts and ru.ts must satisfy it. Many of these texts are asserted word for word by the e2e
 * tests (test/e2e, test/helpers: status prefixes, button labels, the offer line), so change the
 * English wording only together with them.
 *
 * One scheme throughout: a text is a string, or a function of what it shows (numbers as numbers,
 * other texts and file names as strings). Callers never glue words together themselves.
 */
import type { MediaRef } from '../domain/media.js';
import type { MediaAction } from '../domain/mediaAction.js';
import type { ReasonCode } from '../domain/jobError.js';
import { adminEn } from './adminEn.js';
import { sizeParts } from './sizes.js';

/** The job states that show a percent. */
export type ActivePhase = 'downloading' | 'processing' | 'uploading';

const actions: Record<MediaAction, string> = {
  info: 'Info',
  extractAudio: 'Extract audio',
  compress: 'Compress',
  convert: 'Convert',
  thumbnail: 'Thumbnail',
  sendAsFile: 'Send as file',
};

/** The plain-words reason for every failure code (src/domain/jobError.ts REASON_CODES). */
const reasons: Record<ReasonCode, string> = {
  FILE_TOO_BIG: 'The file is larger than this bot accepts.',
  DURATION_TOO_LONG: 'The media is longer than this bot accepts.',
  UNSUPPORTED_MEDIA: 'This file is not a media file I can work with.',
  CORRUPT_MEDIA: 'The file seems to be damaged or incomplete. Please send it again.',
  LINK_REFUSED: 'I cannot download from that link (only public http and https addresses work).',
  LINK_UNREACHABLE: 'The link could not be reached. Please check it and try again later.',
  DISK_FULL: 'The server is short of space right now. Please try again later.',
  QUEUE_FULL: 'You already have the most jobs waiting. Please wait until one finishes.',
  TIMEOUT: 'The job took too long and was stopped.',
  CANCELLED: 'The job was cancelled.',
  INTERNAL: 'Something went wrong on my side.',
};

const phases: Record<ActivePhase, string> = { downloading: 'Downloading', processing: 'Processing', uploading: 'Uploading' };

/** What a file is called in the offer when it has no file name. */
const mediaKinds: Record<MediaRef['kind'], string> = {
  video: 'Video',
  audio: 'Audio',
  voice: 'Voice',
  animation: 'Animation',
  document: 'File',
  photo: 'Photo',
};

const SIZE_UNITS = ['B', 'KB', 'MB', 'GB'] as const;

export const en = {
  // --- replies of the bot (src/bot) --------------------------------------------------------
  welcome:
    'Hi! I am Courier. Send me a video, audio, voice note or document (up to 2 GB), or a direct http(s) link, ' +
    'then pick what to do with it: media info, extract audio, compress, convert, thumbnail, or get it back as a file. ' +
    'I work over MTProto, so big files beyond the usual 50 MB bot limit are fine.',
  help:
    'Send a video, audio, voice note or document (up to 2 GB), or a direct http(s) link, and choose an action from the buttons.\n' +
    '/start: welcome\n/help: this help\n/ping: check that I am alive',
  pong: (ms: number) => `pong (${ms} ms round trip to Telegram)`,
  hint: 'Send me a file or a link, or /help to see what I can do.',
  callbackUnknown: 'This button is no longer active.',
  /** Prefixed to the first answer of a message that waited (the bot was offline). */
  delayed: (minutes: number) => `(Sorry for the wait: I was offline for about ${minutes} min and am handling your message now.)`,
  /** The only answer to a message older than updates.oldMessages.maxAgeHours (action acknowledge). */
  tooOld: (hours: number) =>
    `I was offline when you sent this, over ${hours} h ago, so I have not handled it. If you still need it, please send it again.`,

  // --- offers: the question above a file's buttons, and the buttons ------------------------
  /** `name` is the file name (or a mediaKinds word), `size` a size() text. */
  mediaOffer: (name: string, size: string) => `${name} (${size}). What should I do with it?`,
  mediaKinds,
  /** A file size, e.g. "2.6 MB". */
  size: (bytes: number) => {
    const { value, unit } = sizeParts(bytes);
    return `${value} ${SIZE_UNITS[unit]}`;
  },
  linkOffer: 'What should I do with this link? I download it first, so it must point straight at a file.',
  /** A link with another scheme than http(s). */
  linkScheme: 'I can only fetch http:// and https:// links that point straight at a file.',
  actions,
  /** A Compress button: `preset` such as "720p", `estimate` a size() text or null when unknown. */
  compressOption: (preset: string, estimate: string | null) => `${actions.compress} ${preset}${estimate !== null ? ` ~${estimate}` : ''}`,
  /** A Convert button: `format` such as "MP4". */
  convertOption: (format: string) => `${actions.convert} to ${format}`,
  /** The answers to a pressed action button. */
  jobAccepted: 'On it: watch the status message.',
  jobReused: 'Done before: sending the same result again.',
  offerExpired: 'These buttons have expired; send the file again.',
  notYourButton: 'These buttons belong to the person who sent the file.',

  // --- a job's status message and its buttons (src/jobs/runner) ----------------------------
  reasons,
  phases,
  /** `phase` is a phases text. */
  progress: (phase: string, percent: number) => `${phase}… ${percent}%`,
  queued: (ahead: number) => (ahead === 0 ? 'Queued: starting soon.' : `Queued: ${ahead} of your jobs ahead of this one.`),
  done: 'Done.',
  cancelled: 'Cancelled.',
  /** `reason` is a reasons text (perhaps withRule). */
  failed: (reason: string) => `Failed. ${reason}`,
  /** A reason with the rule it broke: a linkRules or linkRuleAbout text. */
  withRule: (reason: string, rule: string) => `${reason} [${rule}]`,
  refused: (reason: string) => `Sorry, I can't take this job. ${reason}`,
  cancelButton: 'Cancel',
  retryButton: 'Retry',
  /** The answers to Cancel and Retry. */
  notYourJob: 'Only the person who started this job can change it.',
  noSuchJob: 'This job no longer exists.',
  alreadyEnded: 'This job has already ended.',
  cannotRetry: 'This job cannot be retried. Please send the file again.',
  cancelling: 'Cancelled.',
  retrying: 'Trying again.',

  // --- admin alerts (src/ops, src/app.ts) --------------------------------------------------
  /** `duration` is a durationSeconds/Minutes/Hours text. */
  adminCaughtUp: (duration: string, recovered: number) => `Courier was offline for ${duration} and has caught up: ${recovered} update(s) recovered.`,
  adminUpdatesLost: (count: number) =>
    `Telegram would not list ${count} update(s) from while Courier was away (difference too long): ` +
    'those messages are lost and their senders got no answer.',
  adminStartedFresh:
    'Courier ran here before but found no update state (the database was replaced or reset?), so it started from ' +
    "Telegram's current state: messages sent while it was down cannot be fetched and got no answer.",
  /** `previous` names the account and server, e.g. "account 42 on sandbox:1234"; null when unknown. */
  adminStateOtherOwner: (previous: string | null) =>
    `The update state in this database belonged to ${previous ?? 'another account or server'}, not to this bot on this server, so Courier ` +
    'started fresh from the current state. The old state is kept in the table update_state_aside.',
  adminStateAheadOfServer: (storedPts: number, storedQts: number, serverPts: number, serverQts: number) =>
    `The stored update state (pts ${storedPts}, qts ${storedQts}) is ahead of the server's own (pts ${serverPts}, qts ${serverQts}): ` +
    "it cannot be this bot's on this server (a database from another world or bot?). Courier started fresh from the current state " +
    'and kept the old one in update_state_aside; messages sent while it was down cannot be fetched.',
  // --- operator alerts (src/ops/alertLoop.ts): each fires once, repeats at most hourly, then recovers ---
  /** `free` is a size text. */
  alertDiskLow: (percent: number, free: string) =>
    `Free disk is low: ${percent}% (${free}) left where Courier keeps its data. New jobs are refused when it runs out; free some space or move paths.data.`,
  /** `limit` is a size text: the machine's memory or alerts.memoryLimitBytes. */
  alertMemoryHigh: (percent: number, limit: string) => `Courier uses ${percent}% of its memory limit (${limit}). Look for stuck jobs, or restart it at a quiet moment.`,
  alertRepliesSlow: (seconds: number, minutes: number) =>
    `Replies are slow: 95% of the updates of the last ${minutes} min were answered within ${seconds} s, and the rest took longer. Check the outbox queue and FLOOD_WAITs in /metrics.`,
  alertSqliteBusy: (count: number) =>
    `The database was locked (SQLITE_BUSY) ${count} time(s) in the last minutes: a write waited longer than database.busyTimeoutMs. Is another program holding the database open?`,
  /** `duration` is a durationSeconds/Minutes/Hours text. */
  alertTelegramDown: (duration: string) => `Telegram has been unreachable for ${duration}. Courier keeps reconnecting; check the network and telegram.proxy.`,
  alertBackupFailed: (reason: string) => `The database backup failed: ${reason}`,
  /** A repeat of an alert still in force. */
  alertStill: (text: string) => `Still so: ${text}`,
  /** `what` is one of alertNames, `duration` a durationSeconds/Minutes/Hours text. */
  alertRecovered: (what: string, duration: string) => `Resolved: ${what} (after ${duration}).`,
  alertNames: {
    diskLow: 'free disk is back above the threshold',
    memoryHigh: 'memory use is back below the threshold',
    repliesSlow: 'replies are fast again',
    sqliteBusy: 'no more database lock errors',
    telegramDown: 'Telegram is reachable again',
    backupFailed: 'the database backup succeeded',
  },
  durationSeconds: (seconds: number) => `${seconds} s`,
  durationMinutes: (minutes: number) => `${minutes} min`,
  /** Shown with one decimal. */
  durationHours: (hours: number) => `${hours.toFixed(1)} h`,
  ...adminEn,
  // --- language (issue 11): the words of the Info answer (src/media/processInfo.ts) ---------
  /** `duration` such as "3:05"; `size` such as "4.0 MB"; `name` a container such as "MP4". */
  infoDuration: (duration: string) => `Duration: ${duration}`,
  infoSize: (size: string) => `Size: ${size}`,
  infoContainer: (name: string) => `Container: ${name}`,
  /** `codec` as ffprobe names it ("h264"). */
  infoVideo: (codec: string) => `Video: ${codec}`,
  infoImage: (codec: string) => `Image: ${codec}`,
  /** A picture's size in pixels, "1920×1080" (no words: only Persian needs it isolated). */
  infoDimensions: (width: number, height: number) => `${width}×${height}`,
  infoFrameRate: (fps: number) => `${fps} fps`,
  infoAudio: (codec: string) => `Audio: ${codec}`,
  infoChannels: (channels: number) => (channels === 1 ? 'mono' : channels === 2 ? 'stereo' : `${channels} channels`),
  infoSampleRate: (kHz: number) => `${kHz} kHz`,
  infoBitrate: (kbps: number) => `Bitrate: ${kbps} kb/s`,
  /** `tags`: the file's own artist and title, in whatever script they are. */
  infoTags: (tags: string) => `Tags: ${tags}`,
  /** Joins two details of one line ("Video: h264" and "1920×1080"); each is already an info text. */
  infoAnd: (first: string, second: string) => `${first}, ${second}`,
  /** The rule a refused link broke (src/transfer/linkGuard.ts linkRefusalOf), shown in withRule. */
  linkRules: {
    invalid: 'not a valid link',
    scheme: 'only http and https links',
    port: 'a port that is not allowed',
    address: 'not a public internet address',
    redirects: 'too many redirects',
  },
  /** `rule` a linkRules text; `subject` what was refused: an address, a port or a scheme ("127.0.0.1", "8080", "ftp:"). */
  linkRuleAbout: (rule: string, subject: string) => `${rule}: ${subject}`,
};

/** The shape every language satisfies. */
export type Texts = typeof en;
