/**
 * Persian. Numbers are written with Persian digits (۰-۹, decimal separator ٫) as Persian readers
 * expect; every left-to-right run (Courier, http, /commands, file names, "720p", "MP4", the link
 * guard's English rule) is isolated with FSI...PDI (bidi.ts) so it cannot reorder the sentence
 * around it. Sizes use Persian units, so they need no isolate.
 */
import { isolate as ltr } from './bidi.js';
import type { Texts } from './en.js';
import { sizeParts } from './sizes.js';
import { persianNumber } from './persianDigits.js';
import { adminFa } from './adminFa.js';

const num = persianNumber;

const SIZE_UNITS = ['بایت', 'کیلوبایت', 'مگابایت', 'گیگابایت'] as const;

const actions: Texts['actions'] = {
  info: 'مشخصات',
  extractAudio: 'جدا کردن صدا',
  compress: 'فشرده‌سازی',
  convert: 'تبدیل',
  thumbnail: 'تصویر بندانگشتی',
  sendAsFile: 'ارسال به‌صورت فایل',
  trim: 'برش',
  rename: 'تغییر نام',
  compressToSize: 'فشرده‌سازی تا حجم معین',
};

export const fa: Texts = {
  welcome:
    `سلام! من ${ltr('Courier')} هستم. یک ویدیو، فایل صوتی، پیام صوتی یا سند (تا ۲ گیگابایت) یا یک لینک مستقیم ${ltr('http(s)')} برایم بفرستید، ` +
    'سپس انتخاب کنید با آن چه کنم: مشخصات رسانه، جدا کردن صدا، فشرده‌سازی، تبدیل، تصویر بندانگشتی یا ارسال دوباره به‌صورت فایل. ' +
    `من از طریق ${ltr('MTProto')} کار می‌کنم، پس فایل‌های بزرگ‌تر از سقف معمول ۵۰ مگابایتی ربات‌ها هم مشکلی ندارند.`,
  help:
    `یک ویدیو، فایل صوتی، پیام صوتی یا سند (تا ۲ گیگابایت) یا یک لینک مستقیم ${ltr('http(s)')} بفرستید و با دکمه‌ها کاری را انتخاب کنید.\n` +
    `${ltr('/start')}: خوشامدگویی\n${ltr('/help')}: همین راهنما\n${ltr('/settings')}: زبان، قالب‌ها و اینکه با فایل‌های تازه چه کنم\n${ltr('/usage')}: مصرف امروز از سقف‌های روزانه\n${ltr('/ping')}: بررسی اینکه ربات فعال است`,
  pong: (ms) => `پونگ (رفت‌وبرگشت تا تلگرام: ${num(ms)} میلی‌ثانیه)`,
  hint: `یک فایل یا لینک بفرستید، یا با ${ltr('/help')} ببینید چه کارهایی از من برمی‌آید.`,
  callbackUnknown: 'این دکمه دیگر کار نمی‌کند.',
  delayed: (minutes) => `(ببخشید که منتظر ماندید: حدود ${num(minutes)} دقیقه آفلاین بودم و الان به پیام شما رسیدگی می‌کنم.)`,
  tooOld: (hours) =>
    `وقتی این پیام را فرستادید آفلاین بودم و بیش از ${num(hours)} ساعت از آن گذشته است، برای همین به آن رسیدگی نکردم. اگر هنوز لازم است، لطفاً دوباره بفرستید.`,

  mediaOffer: (name, size) => `${ltr(name)} (${size}). با آن چه کنم؟`,
  mediaKinds: { video: 'ویدیو', audio: 'فایل صوتی', voice: 'پیام صوتی', animation: 'انیمیشن', document: 'فایل', photo: 'عکس' },
  size: (bytes) => {
    const { value, unit } = sizeParts(bytes);
    return `${num(value)} ${SIZE_UNITS[unit]}`;
  },
  linkOffer: 'با این لینک چه کنم؟ اول آن را دانلود می‌کنم، پس باید مستقیماً به یک فایل اشاره کند.',
  linkScheme: `فقط لینک‌های ${ltr('http://')} و ${ltr('https://')} را دریافت می‌کنم که مستقیماً به یک فایل اشاره کنند.`,
  actions,
  compressOption: (preset, estimate) => `${actions.compress} ${ltr(preset)}${estimate !== null ? ` (حدود ${estimate})` : ''}`,
  convertOption: (format) => `${actions.convert} به ${ltr(format)}`,
  jobAccepted: 'شروع کردم: پیام وضعیت را دنبال کنید.',
  jobReused: 'این کار قبلاً انجام شده است: همان نتیجه را دوباره می‌فرستم.',
  offerExpired: 'این دکمه‌ها منقضی شده‌اند؛ فایل را دوباره بفرستید.',
  notYourButton: 'این دکمه‌ها متعلق به کسی است که فایل را فرستاده است.',

  reasons: {
    FILE_TOO_BIG: 'حجم فایل بیشتر از حدی است که این ربات می‌پذیرد.',
    DURATION_TOO_LONG: 'مدت این رسانه بیشتر از حدی است که این ربات می‌پذیرد.',
    UNSUPPORTED_MEDIA: 'این فایل رسانه‌ای نیست که بتوانم با آن کار کنم.',
    CORRUPT_MEDIA: 'به نظر می‌رسد فایل خراب یا ناقص است. لطفاً دوباره بفرستید.',
    LINK_REFUSED: `نمی‌توانم از این لینک دانلود کنم (فقط نشانی‌های عمومی ${ltr('http')} و ${ltr('https')} پذیرفته می‌شوند).`,
    LINK_UNREACHABLE: 'لینک در دسترس نبود. لطفاً آن را بررسی کنید و بعداً دوباره امتحان کنید.',
    DISK_FULL: 'فضای سرور در حال حاضر کم است. لطفاً بعداً دوباره امتحان کنید.',
    QUEUE_FULL: 'بیشترین تعداد مجاز کار در صف را دارید. لطفاً صبر کنید تا یکی تمام شود.',
    TIMEOUT: 'این کار بیش از حد طول کشید و متوقف شد.',
    CANCELLED: 'این کار لغو شد.',
    INTERNAL: 'مشکلی در سمت من پیش آمد.',
  },
  phases: { downloading: 'در حال دانلود', processing: 'در حال پردازش', uploading: 'در حال آپلود' },
  progress: (phase, percent) => `${phase}… ${num(percent)}٪`,
  queued: (ahead) => (ahead === 0 ? 'در صف: به‌زودی شروع می‌شود.' : `در صف: ${num(ahead)} کار دیگر شما جلوتر از این کار است.`),
  done: 'انجام شد.',
  cancelled: 'لغو شد.',
  failed: (reason) => `ناموفق بود. ${reason}`,
  // The rule is Persian (linkRules) and isolates what it names itself.
  withRule: (reason, rule) => `${reason} [${rule}]`,
  refused: (reason) => `متأسفم، نمی‌توانم این کار را بپذیرم. ${reason}`,
  cancelButton: 'لغو',
  retryButton: 'تلاش دوباره',
  notYourJob: 'فقط کسی که این کار را شروع کرده می‌تواند آن را تغییر دهد.',
  noSuchJob: 'این کار دیگر وجود ندارد.',
  alreadyEnded: 'این کار قبلاً تمام شده است.',
  cannotRetry: 'این کار را نمی‌توان دوباره امتحان کرد. لطفاً فایل را دوباره بفرستید.',
  cancelling: 'لغو شد.',
  retrying: 'دوباره امتحان می‌کنم.',

  adminCaughtUp: (duration, recovered) =>
    `${ltr('Courier')} به مدت ${duration} آفلاین بود و عقب‌ماندگی را جبران کرد: ${num(recovered)} به‌روزرسانی بازیابی شد.`,
  adminUpdatesLost: (count) =>
    `تلگرام ${num(count)} به‌روزرسانی از زمانی را که ${ltr('Courier')} در دسترس نبود فهرست نکرد (فاصله بیش از حد طولانی بود): ` +
    'آن پیام‌ها از دست رفته‌اند و فرستندگانشان پاسخی نگرفته‌اند.',
  adminStartedFresh:
    `${ltr('Courier')} قبلاً اینجا اجرا شده بود اما وضعیت به‌روزرسانی‌ها را پیدا نکرد (پایگاه داده جایگزین یا بازنشانی شده است؟)، ` +
    'پس از وضعیت فعلی تلگرام شروع کرد: پیام‌هایی که در زمان خاموشی فرستاده شده‌اند دریافت‌شدنی نیستند و پاسخی نگرفته‌اند.',
  adminStateOtherOwner: (previous) =>
    `وضعیت به‌روزرسانی‌های این پایگاه داده متعلق به ${previous === null ? 'حساب یا سرور دیگری' : ltr(previous)} بود، نه این ربات روی این سرور؛ ` +
    `پس ${ltr('Courier')} از وضعیت فعلی از نو شروع کرد. وضعیت قبلی در جدول ${ltr('update_state_aside')} نگه داشته شده است.`,
  adminStateAheadOfServer: (storedPts, storedQts, serverPts, serverQts) =>
    `وضعیت ذخیره‌شده (${ltr(`pts ${storedPts}, qts ${storedQts}`)}) از وضعیت خود سرور (${ltr(`pts ${serverPts}, qts ${serverQts}`)}) جلوتر است: ` +
    `نمی‌تواند متعلق به این ربات روی این سرور باشد (پایگاه داده‌ای از دنیا یا ربات دیگر؟). ${ltr('Courier')} از وضعیت فعلی از نو شروع کرد ` +
    `و وضعیت قبلی را در ${ltr('update_state_aside')} نگه داشت؛ پیام‌هایی که در زمان خاموشی فرستاده شده‌اند دریافت‌شدنی نیستند.`,
  alertDiskLow: (percent, free) =>
    `فضای خالی دیسک کم است: ${num(percent)}٪ (${free}) در جایی که ${ltr('Courier')} داده‌هایش را نگه می‌دارد باقی مانده. ` +
    `وقتی تمام شود کارهای تازه پذیرفته نمی‌شوند؛ فضا آزاد کنید یا ${ltr('paths.data')} را جابه‌جا کنید.`,
  alertMemoryHigh: (percent, limit) => `${ltr('Courier')} از ${num(percent)}٪ سقف حافظه‌اش (${limit}) استفاده می‌کند. کارهای گیرکرده را بررسی کنید یا در زمانی خلوت آن را دوباره راه‌اندازی کنید.`,
  alertRepliesSlow: (seconds, minutes) =>
    `پاسخ‌ها کند هستند: ۹۵٪ به‌روزرسانی‌های ${num(minutes)} دقیقهٔ گذشته در ${num(seconds)} ثانیه پاسخ گرفتند و بقیه بیشتر طول کشیدند. ` +
    `صف ارسال و ${ltr('FLOOD_WAIT')} را در ${ltr('/metrics')} ببینید.`,
  alertSqliteBusy: (count) =>
    `پایگاه داده ${num(count)} بار در چند دقیقهٔ گذشته قفل بود (${ltr('SQLITE_BUSY')}): نوشتنی بیش از ${ltr('database.busyTimeoutMs')} منتظر ماند. آیا برنامهٔ دیگری پایگاه داده را باز نگه داشته است؟`,
  alertTelegramDown: (duration) => `تلگرام ${duration} است که در دسترس نیست. ${ltr('Courier')} مدام دوباره وصل می‌شود؛ شبکه و ${ltr('telegram.proxy')} را بررسی کنید.`,
  alertBackupFailed: (reason) => `پشتیبان‌گیری از پایگاه داده ناموفق بود: ${ltr(reason)}`,
  alertStill: (text) => `هنوز برقرار است: ${text}`,
  alertRecovered: (what, duration) => `برطرف شد: ${what} (پس از ${duration}).`,
  alertNames: {
    diskLow: 'فضای خالی دیسک دوباره بالای آستانه است',
    memoryHigh: 'مصرف حافظه دوباره زیر آستانه است',
    repliesSlow: 'پاسخ‌ها دوباره سریع هستند',
    sqliteBusy: 'دیگر خطای قفل پایگاه داده نیست',
    telegramDown: 'تلگرام دوباره در دسترس است',
    backupFailed: 'پشتیبان‌گیری از پایگاه داده موفق بود',
  },
  durationSeconds: (seconds) => `${num(seconds)} ثانیه`,
  durationMinutes: (minutes) => `${num(minutes)} دقیقه`,
  durationHours: (hours) => `${num(hours.toFixed(1))} ساعت`,
  ...adminFa,
  // --- settings (/settings, src/bot/settings) ----------------------------------------------
  // Every choice is isolated: a format, a preset or a language's own name may be left-to-right.
  settingsMenu: (language, audio, preset, newFile, video) =>
    `تنظیمات\nزبان: ${ltr(language)}\nقالب جدا کردن صدا: ${ltr(audio)}\nپیش‌تنظیم اول فشرده‌سازی: ${ltr(preset)}\nفایل یا لینک تازه: ${ltr(newFile)}\nویدیوهای آماده: ${ltr(video)}\n\nانتخاب کنید چه چیزی را تغییر دهم.`,
  settingsButtons: {
    lang: '🌐 زبان',
    audioFormat: 'قالب صدا',
    compressPreset: 'پیش‌تنظیم فشرده‌سازی',
    onNewFile: 'فایل یا لینک تازه',
    videoAs: 'ویدیوهای آماده',
  },
  settingsQuestions: {
    lang: 'به چه زبانی بنویسم؟ «خودکار» از زبان برنامهٔ تلگرام شما پیروی می‌کند.',
    audioFormat: `جدا کردن صدا چه قالبی بسازد؟ «خودکار» صدای ${ltr('AAC')} را بدون تبدیل دوباره به‌صورت ${ltr('M4A')} نگه می‌دارد و بقیه را ${ltr('MP3')} می‌کند.`,
    compressPreset: 'کدام پیش‌تنظیم فشرده‌سازی اول نشان داده شود؟ وقتی فایلی بی‌درنگ فشرده می‌شود هم همین به کار می‌رود.',
    onNewFile: 'وقتی فایل یا لینکی می‌فرستید چه کنم؟ «بپرس» دکمه‌ها را نشان می‌دهد؛ اگر کار انتخاب‌شده به فایل نخورد، می‌پرسم.',
    videoAs: 'ویدیوهایی را که می‌سازم چطور بفرستم؟ به‌صورت ویدیو در گفتگو هنگام بارگیری پخش می‌شوند؛ به‌صورت فایل دست‌نخورده می‌رسند.',
  },
  settingsAuto: 'خودکار',
  settingsAsk: 'بپرس',
  settingsVideoAs: { video: 'به‌صورت ویدیو', file: 'به‌صورت فایل' },
  settingsBack: '« بازگشت',
  settingsSaved: 'ذخیره شد.',
  settingsPrivateOnly: `تنظیمات شخصی است: ${ltr('/settings')} را در گفتگوی خصوصی برایم بفرستید.`,
  // --- daily quotas (issue 11) --------------------------------------------------------------
  quotaResetsIn: (hours, minutes) => (hours > 0 ? `${num(hours)} ساعت و ${num(minutes)} دقیقه` : `${num(minutes)} دقیقه`),
  quotaJobsUsed: (used, max, resetsIn) =>
    `به سقف روزانهٔ کارها رسیده‌اید: امروز ${num(used)} از ${num(max)} کار استفاده شده است. سقف‌ها در نیمه‌شب به وقت ${ltr('UTC')}، یعنی ${resetsIn} دیگر، صفر می‌شوند و آن وقت این دکمه‌ها دوباره کار می‌کنند.`,
  quotaBytesUsed: (used, max, resetsIn) =>
    `به سقف روزانهٔ حجم رسیده‌اید: امروز ${used} از ${max} استفاده شده است. سقف‌ها در نیمه‌شب به وقت ${ltr('UTC')}، یعنی ${resetsIn} دیگر، صفر می‌شوند و آن وقت این دکمه‌ها دوباره کار می‌کنند.`,
  quotaBytesTooMuch: (size, used, max, resetsIn) =>
    `این فایل (${size}) از سقف روزانهٔ حجم شما بیشتر می‌شود: امروز ${used} از ${max} استفاده شده است. سقف‌ها در نیمه‌شب به وقت ${ltr('UTC')}، یعنی ${resetsIn} دیگر، صفر می‌شوند و آن وقت این دکمه‌ها دوباره کار می‌کنند.`,
  usageTitle: `مصرف امروز شما (روزها به وقت ${ltr('UTC')} حساب می‌شوند):`,
  usageJobs: (used, max, left) => `کارها: ${num(used)} از ${num(max)} استفاده شده، ${num(left)} باقی مانده`,
  usageJobsNoLimit: (used) => `کارها: ${num(used)} استفاده شده، بدون سقف`,
  usageBytes: (used, max, left) => `حجم: ${used} از ${max} استفاده شده، ${left} باقی مانده`,
  usageBytesNoLimit: (used) => `حجم: ${used} استفاده شده، بدون سقف`,
  usageResets: (resetsIn) => `سقف‌ها در نیمه‌شب به وقت ${ltr('UTC')}، یعنی ${resetsIn} دیگر، صفر می‌شوند.`,
  usageAdmin: 'شما مدیر هستید: هیچ سقف روزانه‌ای برای شما اعمال نمی‌شود.',
  usageNoLimits: 'این ربات سقف روزانه‌ای ندارد.',
  quotaReachedShort: (resetsIn) => `به سقف روزانه رسیده‌اید: ${resetsIn} دیگر صفر می‌شود. ${ltr('/usage')} مصرف شما را نشان می‌دهد.`,
  // --- dialog actions: Trim, Rename, Compress to size (src/bot/mediaDialogs.ts) -------------
  trimAsk: (duration) =>
    `کدام بخش را نگه دارم؟ شروع و پایان را بفرستید، مثلاً ${ltr('0:10 1:25')} (ثانیه، ${ltr('m:ss')} یا ${ltr('h:mm:ss')}). طول فایل ${ltr(duration)} است.`,
  trimAskNoDuration: `کدام بخش را نگه دارم؟ شروع و پایان را بفرستید، مثلاً ${ltr('0:10 1:25')} (ثانیه، ${ltr('m:ss')} یا ${ltr('h:mm:ss')}).`,
  trimUnparsable: `این را به‌صورت بازه نفهمیدم: دو زمان بفرستید، شروع و پایان، مثلاً ${ltr('0:10 1:25')} یا ${ltr('0:10-1:25')}.`,
  trimEndBeforeStart: (start, end) => `پایان (${ltr(end)}) قبل از شروع (${ltr(start)}) است.`,
  trimEmpty: (at) => `شروع و پایان هر دو ${ltr(at)} است و چیزی برای نگه داشتن نمی‌ماند.`,
  trimBeyondDuration: (end, duration) => `طول فایل فقط ${ltr(duration)} است، پس بخش نمی‌تواند در ${ltr(end)} تمام شود.`,
  renameAsk: (name) => `نام تازهٔ ${ltr(name)} چه باشد؟ نام جدید را بفرستید؛ پسوند فایل می‌ماند مگر اینکه خودتان پسوندی بنویسید.`,
  renameEmpty: 'بعد از حذف اسلش‌ها، نویسه‌های کنترلی و نقطه‌های ابتدای نام، چیزی از آن نمی‌ماند. لطفاً نام دیگری بفرستید.',
  sizeAsk: (size, minimum) =>
    `حجم ویدیو حداکثر چقدر باشد؟ عددی به مگابایت بفرستید، مثلاً ۲۰. الان ${size} است؛ کمترین حجمی که می‌توانم برسانم ${minimum} است.`,
  sizeUnparsable: 'حجم را به‌صورت عددی به مگابایت بفرستید، مثلاً ۲۰ یا ۷٫۵.',
  sizeTooSmall: (minimum) => `این حجم برای ویدیویی به این طول خیلی کم است: کمترین حجمی که می‌توانم برسانم ${minimum} است.`,
  sizeNotSmaller: (size) => `حجم فایل همین حالا ${size} است و از این بیشتر نیست. حجم کمتری بفرستید یا «${actions.sendAsFile}» را بزنید.`,
  trimAccepted: (start, end) => `برش از ${ltr(start)} تا ${ltr(end)}: پیام وضعیت را دنبال کنید.`,
  renameAccepted: (name) => `آن را با نام ${ltr(name)} برمی‌گردانم.`,
  sizeAccepted: (megabytes) => `فشرده‌سازی تا حداکثر ${num(megabytes)} مگابایت: پیام وضعیت را دنبال کنید.`,
  mediaDialogWaits: {
    trimRange: `شروع و پایان بخشی که باید بماند (مثلاً ${ltr('0:10 1:25')})`,
    renameName: 'نام تازهٔ فایل',
    sizeTarget: 'بیشترین حجم ویدیو به مگابایت',
  },
  // --- language (issue 11): the words of the Info answer (src/media/processInfo.ts) ---------
  infoDuration: (duration) => `مدت: ${ltr(duration)}`,
  infoSize: (size) => `حجم: ${ltr(size)}`,
  infoContainer: (name) => `قالب: ${ltr(name)}`,
  infoVideo: (codec) => `ویدیو: ${ltr(codec)}`,
  infoImage: (codec) => `تصویر: ${ltr(codec)}`,
  // Isolated in ASCII digits: two numbers around "×" would otherwise be read right to left (1080×1920).
  infoDimensions: (width, height) => ltr(`${width}×${height}`),
  infoFrameRate: (fps) => `${num(fps)} فریم بر ثانیه`,
  infoAudio: (codec) => `صدا: ${ltr(codec)}`,
  infoChannels: (channels) => (channels === 1 ? 'تک‌کاناله' : channels === 2 ? 'استریو' : `${num(channels)} کانال`),
  infoSampleRate: (kHz) => `${num(kHz)} کیلوهرتز`,
  infoBitrate: (kbps) => `نرخ بیت: ${num(kbps)} کیلوبیت بر ثانیه`,
  infoTags: (tags) => `برچسب‌ها: ${ltr(tags)}`,
  infoAnd: (first, second) => `${first}، ${second}`,
  linkRules: {
    invalid: 'لینک معتبر نیست',
    scheme: `فقط لینک‌های ${ltr('http')} و ${ltr('https')}`,
    port: 'درگاهی که مجاز نیست',
    address: 'نشانی عمومی اینترنت نیست',
    redirects: 'تغییر مسیرهای بیش از حد',
  },
  linkRuleAbout: (rule, subject) => `${rule}: ${ltr(subject)}`,
  // --- results over Telegram's per-file limit, sent in parts (issue 11) --------------------
  resultPart: (index, count) => `بخش ${num(index)} از ${num(count)}`,
  resultJoinHint: (unix, windows) => `برای پیوستن بخش‌ها: ${ltr(unix)} (لینوکس، مک) یا ${ltr(windows)} (ویندوز)`,
  resultInParts: (count, limit) => `نتیجه از سقف ${limit} تلگرام برای هر فایل بزرگ‌تر است، پس در ${num(count)} بخش می‌آید.`,
};
