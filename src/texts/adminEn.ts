/**
 * English texts of the admin side (panel, stats, ban, broadcast) and of dialogs, spread into en.ts.
 * Kept apart only to keep en.ts short; the catalogue is still one shape (Texts).
 */
export const adminEn = {
  // --- dialogs (src/bot/dialogs.ts) --------------------------------------------------------
  dialogNothingToCancel: 'There is nothing to cancel.',
  dialogCancelled: 'Cancelled. What we were doing is forgotten.',
  /** `what` is one of the dialogWaits texts. */
  dialogReminder: (what: string) => `I am waiting for ${what}. Send it, or /cancel to stop.`,
  dialogWaits: {
    broadcastMessage: 'the text to broadcast',
    broadcastConfirm: 'you to press Send or Cancel under the preview',
    userQuery: 'a user id or @username',
  },

  // --- the admin panel (src/bot/admin) -----------------------------------------------------
  adminPanel: 'Admin panel. What would you like to see?',
  adminButtons: {
    stats: 'Stats',
    broadcast: 'Broadcast',
    users: 'Users',
    jobs: 'Jobs',
    backups: 'Backups',
    back: '« Back',
    refresh: 'Refresh',
    backupNow: 'Back up now',
    ban: 'Ban',
    unban: 'Unban',
    send: 'Send',
    cancel: 'Cancel',
    pause: 'Pause',
    resume: 'Resume',
  },
  statsTitle: 'Courier stats',
  statsUsers: (total: number, active24h: number, active7d: number, newToday: number) =>
    `Users: ${total} in all, ${active24h} active in 24 h, ${active7d} in 7 days, ${newToday} new today`,
  statsMessages: (today: number) => `Messages handled today: ${today}`,
  /** `action` is an actions text, `outcome` a statsOutcomes text. */
  statsJobs: (action: string, outcome: string, count: number) => `${action}, ${outcome}: ${count}`,
  statsOutcomes: { done: 'done', failed: 'failed', cancelled: 'cancelled' },
  statsNoJobsToday: 'No jobs ended today.',
  statsQueue: (queued: number, running: number) => `Queue: ${queued} waiting, ${running} running`,
  /** Seconds, rounded. */
  statsJobTimes: (p50: number, p95: number) => `Job time: median ${p50} s, 95% under ${p95} s`,
  /** `disk`, `memory`: size texts; `uptime`: a duration text. */
  statsSystem: (disk: string, memory: string, uptime: string) => `Disk free: ${disk}; Courier's memory: ${memory}; up for ${uptime}`,
  /** `when`: a UTC time such as "2026-11-29 19:00"; `offline`: a duration text. */
  statsCatchup: (when: string, recovered: number, offline: string) => `Last catch-up: ${when}, ${recovered} update(s) recovered after ${offline} offline`,
  statsNoCatchup: 'No catch-up yet.',
  statsBackup: (when: string) => `Last backup: ${when}`,
  statsNoBackup: 'No backup yet.',

  // --- users and bans ----------------------------------------------------------------------
  adminAskUser: 'Send the user id or @username to look up. /cancel to stop.',
  /** `state` is a userStates text, `lastSeen` a UTC time. */
  adminUserCard: (userId: string, state: string, lastSeen: string) => `User ${userId}: ${state}, last seen ${lastSeen}`,
  userStates: { active: 'active', banned: 'banned', blocked: 'has blocked the bot', deactivated: 'account deleted', unknown: 'never wrote to the bot' },
  userNotFound: (query: string) => `No user found for ${query}.`,
  banUsage: 'Usage: /ban <user id or @username> (and /unban the same way).',
  banned: (userId: string) => `User ${userId} is banned: their messages are no longer answered and their jobs were cancelled.`,
  unbanned: (userId: string) => `User ${userId} is no longer banned.`,
  cannotBanAdmin: 'Admins cannot be banned.',

  // --- jobs --------------------------------------------------------------------------------
  jobsActive: 'Running and queued:',
  jobsFailed: 'Failed today:',
  jobsNone: 'No job is running or queued, and none failed today.',
  /** `action`: an actions text; `state`: a jobStates text. */
  jobLine: (jobId: string, userId: string, action: string, state: string) => `${jobId}: ${action} for ${userId}, ${state}`,
  jobStates: { queued: 'queued', downloading: 'downloading', processing: 'processing', uploading: 'uploading', failed: 'failed' },
  /** The label of a job's Cancel button in the panel. */
  jobCancelButton: (jobId: string) => `Cancel ${jobId}`,

  // --- backups -----------------------------------------------------------------------------
  backupsTitle: 'Latest backups:',
  /** `size`: a size text; `when`: a UTC time. */
  backupLine: (name: string, size: string, when: string) => `${name}, ${size}, ${when}`,
  backupsNone: 'No backups in the backups folder yet.',
  backupStarted: 'Backing up…',
  backupDone: (name: string) => `Backup written: ${name}`,
  backupFailed: (reason: string) => `The backup failed: ${reason}`,

  // --- broadcast ---------------------------------------------------------------------------
  broadcastAsk: 'Send the message to broadcast: a text, or a file or photo (with a caption if you like), sent to everyone as a copy. /cancel to stop.',
  /** The preview above Send / Cancel: `text` is the admin's message as it will go out. */
  broadcastPreview: (recipients: number, text: string) => `This goes to ${recipients} user(s):\n\n${text}`,
  /** A file or photo: `what` is a mediaKinds text or the file name, `caption` may be empty. */
  broadcastPreviewMedia: (recipients: number, what: string, caption: string) =>
    `This goes to ${recipients} user(s): ${what}${caption === '' ? '' : `, with the caption:\n\n${caption}`}`,
  broadcastNobody: 'Nobody to send to yet: no user has written to the bot (or all are banned or blocked).',
  broadcastCancelledDraft: 'Broadcast discarded.',
  /** `state`: a broadcastStates text. */
  broadcastProgress: (state: string, sent: number, blocked: number, deactivated: number, failed: number, total: number) =>
    `Broadcast ${state}: ${sent} sent, ${blocked} blocked the bot, ${deactivated} deleted, ${failed} failed, of ${total}`,
  broadcastStates: { running: 'running', paused: 'paused', cancelled: 'cancelled', done: 'finished' },
  adminDone: 'Done.',
};
