/**
 * Everything the bot says, in English, Persian and Russian. The language follows the user's
 * Telegram app (lang_code); anything else falls back to English.
 */

export type Lang = 'en' | 'fa' | 'ru';

export interface Texts {
  welcome: string;
  help: string;
  pong(ms: number): string;
  hint: string;
  callbackUnknown: string;
  /** Prefixed to the first answer of a message that waited (the bot was offline). */
  delayed(minutes: number): string;
  /** The only answer to a message older than updates.oldMessages.maxAgeHours (action acknowledge). */
  tooOld(hours: number): string;
  /** The question above the action buttons of a file. */
  mediaOffer(name: string, size: string): string;
  linkOffer: string;
  /** A link with another scheme than http(s). */
  linkScheme: string;
  /** The answer to a pressed action button. */
  jobAccepted: string;
  jobReused: string;
  offerExpired: string;
  notYourButton: string;
}

const en: Texts = {
  welcome:
    'Hi! I am Courier. Send me a video, audio, voice note or document (up to 2 GB), or a direct http(s) link, ' +
    'then pick what to do with it: media info, extract audio, compress, convert, thumbnail, or get it back as a file. ' +
    'I work over MTProto, so big files beyond the usual 50 MB bot limit are fine.',
  help:
    'Send a video, audio, voice note or document (up to 2 GB), or a direct http(s) link, and choose an action from the buttons.\n' +
    '/start: welcome\n/help: this help\n/ping: check that I am alive',
  pong: (ms) => `pong (${ms} ms round trip to Telegram)`,
  hint: 'Send me a file or a link, or /help to see what I can do.',
  callbackUnknown: 'This button is no longer active.',
  delayed: (m) => `(Sorry for the wait: I was offline for about ${m} min and am handling your message now.)`,
  tooOld: (h) => `I was offline when you sent this, over ${h} h ago, so I have not handled it. If you still need it, please send it again.`,
  mediaOffer: (name, size) => `${name} (${size}). What should I do with it?`,
  linkOffer: 'What should I do with this link? I download it first, so it must point straight at a file.',
  linkScheme: 'I can only fetch http:// and https:// links that point straight at a file.',
  jobAccepted: 'On it: watch the status message.',
  jobReused: 'Done before: sending the same result again.',
  offerExpired: 'These buttons have expired; send the file again.',
  notYourButton: 'These buttons belong to the person who sent the file.',
};

const fa: Texts = {
  welcome:
    'سلام! من Courier هستم. یک ویدیو، صوت، پیام صوتی یا فایل (تا ۲ گیگابایت) یا یک لینک مستقیم http(s) بفرستید، ' +
    'سپس انتخاب کنید با آن چه کنم: اطلاعات رسانه، استخراج صدا، فشرده‌سازی، تبدیل، تصویر بندانگشتی یا ارسال دوباره به‌صورت فایل. ' +
    'من از MTProto استفاده می‌کنم، پس فایل‌های بزرگ‌تر از محدودیت معمول ۵۰ مگابایتی ربات‌ها هم مشکلی ندارند.',
  help:
    'یک ویدیو، صوت، پیام صوتی یا فایل (تا ۲ گیگابایت) یا یک لینک مستقیم http(s) بفرستید و از دکمه‌ها یک کار را انتخاب کنید.\n' +
    '/start: خوش‌آمد\n/help: همین راهنما\n/ping: بررسی فعال بودن ربات',
  pong: (ms) => `pong (رفت‌وبرگشت تا تلگرام: ${ms} میلی‌ثانیه)`,
  hint: 'یک فایل یا لینک بفرستید، یا با /help ببینید چه کارهایی از من برمی‌آید.',
  callbackUnknown: 'این دکمه دیگر فعال نیست.',
  delayed: (m) => `(ببخشید که منتظر ماندید: حدود ${m} دقیقه آفلاین بودم و الان پیام شما را انجام می‌دهم.)`,
  tooOld: (h) => `وقتی این را فرستادید آفلاین بودم، بیش از ${h} ساعت پیش، پس آن را انجام ندادم. اگر هنوز لازم است، لطفاً دوباره بفرستید.`,
  mediaOffer: (name, size) => `${name} (${size}). با آن چه کنم؟`,
  linkOffer: 'با این لینک چه کنم؟ اول آن را دانلود می‌کنم، پس باید مستقیم به یک فایل اشاره کند.',
  linkScheme: 'فقط لینک‌های http:// و https:// را که مستقیم به یک فایل اشاره می‌کنند دریافت می‌کنم.',
  jobAccepted: 'شروع شد: پیام وضعیت را دنبال کنید.',
  jobReused: 'قبلاً انجام شده: همان نتیجه دوباره فرستاده می‌شود.',
  offerExpired: 'این دکمه‌ها منقضی شده‌اند؛ فایل را دوباره بفرستید.',
  notYourButton: 'این دکمه‌ها مال کسی است که فایل را فرستاده.',
};

const ru: Texts = {
  welcome:
    'Привет! Я Courier. Пришлите видео, аудио, голосовое сообщение или документ (до 2 ГБ) либо прямую ссылку http(s), ' +
    'а затем выберите, что с ним сделать: сведения о медиа, извлечь звук, сжать, конвертировать, миниатюра или вернуть файлом. ' +
    'Я работаю через MTProto, поэтому файлы больше обычного лимита ботов в 50 МБ — не проблема.',
  help:
    'Пришлите видео, аудио, голосовое сообщение или документ (до 2 ГБ) либо прямую ссылку http(s) и выберите действие кнопкой.\n' +
    '/start: приветствие\n/help: эта справка\n/ping: проверить, что я на связи',
  pong: (ms) => `pong (${ms} мс до Telegram и обратно)`,
  hint: 'Пришлите файл или ссылку, либо /help, чтобы узнать, что я умею.',
  callbackUnknown: 'Эта кнопка больше не действует.',
  delayed: (m) => `(Простите за ожидание: я был офлайн около ${m} мин и обрабатываю ваше сообщение сейчас.)`,
  tooOld: (h) => `Я был офлайн, когда вы это отправили, более ${h} ч назад, поэтому не обработал сообщение. Если оно ещё нужно, пришлите его снова.`,
  mediaOffer: (name, size) => `${name} (${size}). Что с ним сделать?`,
  linkOffer: 'Что сделать по этой ссылке? Сначала я её скачаю, поэтому она должна вести прямо на файл.',
  linkScheme: 'Я скачиваю только ссылки http:// и https://, ведущие прямо на файл.',
  jobAccepted: 'Принято: следите за сообщением о статусе.',
  jobReused: 'Уже делал: отправляю тот же результат.',
  offerExpired: 'Эти кнопки устарели; пришлите файл ещё раз.',
  notYourButton: 'Эти кнопки принадлежат тому, кто прислал файл.',
};

export const texts: Readonly<Record<Lang, Texts>> = { en, fa, ru };

/** "fa", "fa-IR", "ru-RU" and the like pick their language; anything else (or nothing) is English. */
export function langFor(langCode: string | undefined): Lang {
  const base = (langCode ?? '').toLowerCase().split(/[-_]/)[0];
  return base === 'fa' || base === 'ru' ? base : 'en';
}
