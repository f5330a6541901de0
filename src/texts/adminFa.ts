/** Persian texts of the admin side and of dialogs (see adminEn.ts); spread into fa.ts. */
import { isolate as ltr } from './bidi.js';
import type { adminEn } from './adminEn.js';
import { persianNumber as num } from './persianDigits.js';

export const adminFa: typeof adminEn = {
  dialogNothingToCancel: 'چیزی برای لغو وجود ندارد.',
  dialogCancelled: 'لغو شد. کاری که در میانه‌اش بودیم فراموش شد.',
  dialogReminder: (what) => `منتظر ${what} هستم. آن را بفرستید، یا برای توقف ${ltr('/cancel')} را بزنید.`,
  dialogWaits: {
    broadcastMessage: 'متن پیام همگانی',
    broadcastConfirm: 'زدن دکمهٔ ارسال یا لغو زیر پیش‌نمایش',
    userQuery: 'شناسهٔ کاربر یا نام کاربری',
  },

  adminPanel: 'پنل مدیریت. چه چیزی را می‌خواهید ببینید؟',
  adminButtons: {
    stats: 'آمار',
    broadcast: 'پیام همگانی',
    users: 'کاربران',
    jobs: 'کارها',
    backups: 'پشتیبان‌ها',
    back: 'بازگشت »',
    refresh: 'تازه‌سازی',
    backupNow: 'همین حالا پشتیبان بگیر',
    ban: 'مسدود کردن',
    unban: 'رفع مسدودیت',
    send: 'ارسال',
    cancel: 'لغو',
    pause: 'توقف موقت',
    resume: 'ادامه',
  },
  statsTitle: `آمار ${ltr('Courier')}`,
  statsUsers: (total, active24h, active7d, newToday) =>
    `کاربران: ${num(total)} در کل، ${num(active24h)} فعال در ۲۴ ساعت، ${num(active7d)} در ۷ روز، ${num(newToday)} تازه‌وارد امروز`,
  statsMessages: (today) => `پیام‌های رسیدگی‌شدهٔ امروز: ${num(today)}`,
  statsJobs: (action, outcome, count) => `${action}، ${outcome}: ${num(count)}`,
  statsOutcomes: { done: 'انجام‌شده', failed: 'ناموفق', cancelled: 'لغوشده' },
  statsNoJobsToday: 'امروز هیچ کاری تمام نشده است.',
  statsQueue: (queued, running) => `صف: ${num(queued)} در انتظار، ${num(running)} در حال اجرا`,
  statsJobTimes: (p50, p95) => `زمان کارها: میانه ${num(p50)} ثانیه، ۹۵٪ زیر ${num(p95)} ثانیه`,
  statsSystem: (disk, memory, uptime) => `فضای آزاد دیسک: ${disk}؛ حافظهٔ ${ltr('Courier')}: ${memory}؛ مدت فعالیت: ${uptime}`,
  statsCatchup: (when, recovered, offline) => `آخرین بازیابی: ${ltr(when)}، ${num(recovered)} به‌روزرسانی پس از ${offline} قطعی بازیابی شد`,
  statsNoCatchup: 'هنوز بازیابی‌ای انجام نشده است.',
  statsBackup: (when) => `آخرین پشتیبان: ${ltr(when)}`,
  statsNoBackup: 'هنوز پشتیبانی گرفته نشده است.',

  adminAskUser: `شناسهٔ کاربر یا نام کاربری را بفرستید. برای توقف ${ltr('/cancel')}.`,
  adminUserCard: (userId, state, lastSeen) => `کاربر ${ltr(userId)}: ${state}، آخرین بازدید ${ltr(lastSeen)}`,
  userStates: { active: 'فعال', banned: 'مسدود', blocked: 'ربات را مسدود کرده است', deactivated: 'حساب حذف شده', unknown: 'هرگز به ربات پیام نداده است' },
  userNotFound: (query) => `کاربری برای ${ltr(query)} پیدا نشد.`,
  banUsage: `روش استفاده: ${ltr('/ban <id | @username>')} (و ${ltr('/unban')} به همین شکل).`,
  banned: (userId) => `کاربر ${ltr(userId)} مسدود شد: دیگر به پیام‌هایش پاسخ داده نمی‌شود و کارهایش لغو شد.`,
  unbanned: (userId) => `مسدودیت کاربر ${ltr(userId)} برداشته شد.`,
  cannotBanAdmin: 'مدیران را نمی‌توان مسدود کرد.',

  jobsActive: 'در حال اجرا و در صف:',
  jobsFailed: 'ناموفق‌های امروز:',
  jobsNone: 'هیچ کاری در حال اجرا یا در صف نیست و امروز هیچ کاری ناموفق نبوده است.',
  jobLine: (jobId, userId, action, state) => `${ltr(jobId)}: ${action} برای ${ltr(userId)}، ${state}`,
  jobStates: { queued: 'در صف', downloading: 'در حال دانلود', processing: 'در حال پردازش', uploading: 'در حال آپلود', failed: 'ناموفق' },
  jobCancelButton: (jobId) => `لغو ${ltr(jobId)}`,

  backupsTitle: 'آخرین پشتیبان‌ها:',
  backupLine: (name, size, when) => `${ltr(name)}، ${size}، ${ltr(when)}`,
  backupsNone: 'هنوز پشتیبانی در پوشهٔ پشتیبان‌ها نیست.',
  backupStarted: 'در حال پشتیبان‌گیری…',
  backupDone: (name) => `پشتیبان نوشته شد: ${ltr(name)}`,
  backupFailed: (reason) => `پشتیبان‌گیری ناموفق بود: ${ltr(reason)}`,

  broadcastAsk: `پیام همگانی را بفرستید: یک متن، یا یک فایل یا عکس (اگر خواستید با توضیح) که رونوشتش برای همه فرستاده می‌شود. برای توقف ${ltr('/cancel')}.`,
  broadcastPreview: (recipients, text) => `این پیام برای ${num(recipients)} کاربر فرستاده می‌شود:\n\n${ltr(text)}`,
  broadcastPreviewMedia: (recipients, what, caption) =>
    `این پیام برای ${num(recipients)} کاربر فرستاده می‌شود: ${what}${caption === '' ? '' : `، با این توضیح:\n\n${ltr(caption)}`}`,
  broadcastNobody: 'هنوز کسی برای ارسال نیست: هیچ کاربری به ربات پیام نداده است (یا همه مسدودند).',
  broadcastCancelledDraft: 'پیام همگانی کنار گذاشته شد.',
  broadcastProgress: (state, sent, blocked, deactivated, failed, total) =>
    `پیام همگانی ${state}: ${num(sent)} ارسال‌شده، ${num(blocked)} ربات را مسدود کرده‌اند، ${num(deactivated)} حذف‌شده، ${num(failed)} ناموفق، از ${num(total)}`,
  broadcastStates: { running: 'در حال ارسال', paused: 'متوقف', cancelled: 'لغوشده', done: 'تمام‌شده' },
  adminDone: 'انجام شد.',
};
