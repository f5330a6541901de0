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
  trim: 'Trim',
  rename: 'Rename',
  compressToSize: 'Compress to size',
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
    '/start: welcome\n/help: this help\n/settings: language, formats and what to do with new files\n/usage: what you used today of the daily limits\n/ping: check that I am alive',
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
  // --- settings (/settings, src/bot/settings) ----------------------------------------------
  /** The menu's text: each argument is the label of the current choice (a settings… text, a format or preset, a language's own name). */
  settingsMenu: (language: string, audio: string, preset: string, newFile: string, video: string) =>
    `Settings\nLanguage: ${language}\nExtract audio makes: ${audio}\nCompress preset first: ${preset}\nNew file or link: ${newFile}\nVideo results: ${video}\n\nPick what to change.`,
  /** The menu's buttons, one per setting. */
  settingsButtons: {
    lang: '🌐 Language',
    audioFormat: 'Audio format',
    compressPreset: 'Compress preset',
    onNewFile: 'New file or link',
    videoAs: 'Video results',
  },
  /** The question above each setting's choices. */
  settingsQuestions: {
    lang: 'Which language should I write in? Automatic follows the language of your Telegram app.',
    audioFormat: 'Which format should Extract audio make? Automatic keeps AAC as M4A without re-encoding and makes MP3 from anything else.',
    compressPreset: 'Which Compress preset should come first? It is also the one used when a file is compressed at once.',
    onNewFile: 'What should I do when you send a file or a link? Ask shows the buttons; an action that does not fit the file falls back to asking.',
    videoAs: 'How should I send the videos I make? As video they play in the chat while loading; as file they arrive untouched.',
  },
  /** Follow the Telegram app (language), or the source's own codec (audio format). */
  settingsAuto: 'Automatic',
  /** New file: show the offer's buttons. */
  settingsAsk: 'Ask',
  settingsVideoAs: { video: 'As video', file: 'As file' },
  settingsBack: '« Back',
  /** The answer to a press that changed a setting. */
  settingsSaved: 'Saved.',
  /** /settings in a group: the menu is personal. */
  settingsPrivateOnly: 'Settings are personal: send /settings to me in a private chat.',
  // --- daily quotas (issue 11: src/jobs/quotas.ts, /usage in src/bot/usage.ts) -------------
  /** The time to the next 00:00 UTC, e.g. "5 h 12 min". */
  quotaResetsIn: (hours: number, minutes: number) => (hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min`),
  /** A refusal reason (inside refused()); `resetsIn` is a quotaResetsIn text. */
  quotaJobsUsed: (used: number, max: number, resetsIn: string) =>
    `You have reached your daily limit of jobs: ${used} of ${max} used today. The limits reset at 00:00 UTC, in ${resetsIn}; these buttons work again then.`,
  /** `used` and `max` are size texts. */
  quotaBytesUsed: (used: string, max: string, resetsIn: string) =>
    `You have reached your daily limit of data: ${used} of ${max} used today. The limits reset at 00:00 UTC, in ${resetsIn}; these buttons work again then.`,
  /** `size`, `used` and `max` are size texts. */
  quotaBytesTooMuch: (size: string, used: string, max: string, resetsIn: string) =>
    `This file (${size}) would go over your daily limit of data: ${used} of ${max} used today. The limits reset at 00:00 UTC, in ${resetsIn}; these buttons work again then.`,
  /** /usage: a title, a line per limit, then when they reset (or why there are none). */
  usageTitle: 'Your usage today (days are counted in UTC):',
  usageJobs: (used: number, max: number, left: number) => `Jobs: ${used} of ${max} used, ${left} left`,
  usageJobsNoLimit: (used: number) => `Jobs: ${used} used, no limit`,
  /** Size texts. */
  usageBytes: (used: string, max: string, left: string) => `Data: ${used} of ${max} used, ${left} left`,
  usageBytesNoLimit: (used: string) => `Data: ${used} used, no limit`,
  usageResets: (resetsIn: string) => `The limits reset at 00:00 UTC, in ${resetsIn}.`,
  usageAdmin: 'You are an admin: no daily limits apply to you.',
  usageNoLimits: 'This bot has no daily limits.',
  /** The answer to a press refused by a quota (a button's answer: short). */
  quotaReachedShort: (resetsIn: string) => `Daily limit reached: it resets in ${resetsIn}. /usage shows what you used.`,
  // --- dialog actions: Trim, Rename, Compress to size (src/bot/mediaDialogs.ts) -------------
  /** `duration` is a clock text such as "1:25". */
  trimAsk: (duration: string) =>
    `Which part should I keep? Send the start and the end, e.g. 0:10 1:25 (seconds, m:ss or h:mm:ss). The file lasts ${duration}.`,
  trimAskNoDuration: 'Which part should I keep? Send the start and the end, e.g. 0:10 1:25 (seconds, m:ss or h:mm:ss).',
  trimUnparsable: 'I could not read that as a range: send two times, the start and the end, e.g. 0:10 1:25 or 0:10-1:25.',
  /** Clock texts. */
  trimEndBeforeStart: (start: string, end: string) => `The end (${end}) comes before the start (${start}).`,
  trimEmpty: (at: string) => `The start and the end are both ${at}, which leaves nothing to keep.`,
  trimBeyondDuration: (end: string, duration: string) => `The file lasts only ${duration}, so the part cannot end at ${end}.`,
  /** `name` is the file's current name. */
  renameAsk: (name: string) => `What should ${name} be called? Send the new name; the extension stays unless you type one.`,
  renameEmpty: 'Nothing is left of that name once slashes, control characters and leading dots are taken out. Please send another name.',
  /** Size texts: the file's size and the smallest target its length allows. */
  sizeAsk: (size: string, minimum: string) => `How big may the video be at most? Send a number of MB, e.g. 20. It is ${size} now; the smallest I can make it is ${minimum}.`,
  sizeUnparsable: 'Send the size as a number of MB, e.g. 20 or 7.5.',
  sizeTooSmall: (minimum: string) => `That is too small for a video this long: the smallest I can make it is ${minimum}.`,
  sizeNotSmaller: (size: string) => `The file is already ${size}, not bigger than that. Send a smaller size, or use Send as file.`,
  /** The answer to a good answer: what will be done, as understood (clock texts, a file name, a size text). */
  trimAccepted: (start: string, end: string) => `Cutting ${start}–${end}: watch the status message.`,
  renameAccepted: (name: string) => `Sending it back as ${name}.`,
  /** `megabytes` as the user gave it (12.5), not rounded like a size text. */
  sizeAccepted: (megabytes: number) => `Compressing to at most ${megabytes} MB: watch the status message.`,
  /** What the reminder says each media question waits for (dialogReminder). */
  mediaDialogWaits: {
    trimRange: 'the start and the end of the part to keep (e.g. 0:10 1:25)',
    renameName: 'the new file name',
    sizeTarget: 'the largest size of the video, in MB',
  },
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
  // --- results over Telegram's per-file limit, sent in parts (issue 11) --------------------
  /** The caption of each part: `index` counts from 1. */
  resultPart: (index: number, count: number) => `Part ${index} of ${count}`,
  /** How to join numbered parts again; `unix` and `windows` are the commands (English, as typed). */
  resultJoinHint: (unix: string, windows: string) => `To join the parts: ${unix} (Linux, macOS) or ${windows} (Windows)`,
  /** A line under the status when the result will come in parts; `limit` is a size() text. */
  resultInParts: (count: number, limit: string) => `The result is larger than Telegram's ${limit} per file, so it comes in ${count} parts.`,
};

/** The shape every language satisfies. */
export type Texts = typeof en;
