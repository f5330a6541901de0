/**
 * What a job tells its user, in English, Persian and Russian: the status message for each phase,
 * the plain-words reason for every failure code (stateMachine.ts REASON_CODES), and the answers
 * to button presses. Kept next to the runner (not in src/bot/texts.ts) because src/jobs does not
 * import src/bot; the bot passes the user's language code through and `jobLang` maps it here.
 */
import type { ReasonCode } from '../domain/jobError.js';

export type JobLang = 'en' | 'fa' | 'ru';

export type ActivePhase = 'downloading' | 'processing' | 'uploading';

export interface JobTexts {
  reasons: Record<ReasonCode, string>;
  phases: Record<ActivePhase, string>;
  queued(ahead: number): string;
  done: string;
  cancelled: string;
  failed(reason: string): string;
  refused(reason: string): string;
  cancelButton: string;
  retryButton: string;
  notYourJob: string;
  noSuchJob: string;
  alreadyEnded: string;
  cannotRetry: string;
  cancelling: string;
  retrying: string;
}

const en: JobTexts = {
  reasons: {
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
  },
  phases: { downloading: 'Downloading', processing: 'Processing', uploading: 'Uploading' },
  queued: (ahead) => (ahead === 0 ? 'Queued: starting soon.' : `Queued: ${ahead} of your jobs ahead of this one.`),
  done: 'Done.',
  cancelled: 'Cancelled.',
  failed: (reason) => `Failed. ${reason}`,
  refused: (reason) => `Sorry, I can't take this job. ${reason}`,
  cancelButton: 'Cancel',
  retryButton: 'Retry',
  notYourJob: 'Only the person who started this job can change it.',
  noSuchJob: 'This job no longer exists.',
  alreadyEnded: 'This job has already ended.',
  cannotRetry: 'This job cannot be retried. Please send the file again.',
  cancelling: 'Cancelled.',
  retrying: 'Trying again.',
};

const fa: JobTexts = {
  reasons: {
    FILE_TOO_BIG: 'حجم فایل بیشتر از حدی است که این ربات می‌پذیرد.',
    DURATION_TOO_LONG: 'مدت این رسانه بیشتر از حدی است که این ربات می‌پذیرد.',
    UNSUPPORTED_MEDIA: 'این فایل، رسانه‌ای نیست که بتوانم با آن کار کنم.',
    CORRUPT_MEDIA: 'به نظر می‌رسد فایل خراب یا ناقص است. لطفاً دوباره بفرستید.',
    LINK_REFUSED: 'نمی‌توانم از این پیوند دانلود کنم (فقط نشانی‌های عمومی http و https).',
    LINK_UNREACHABLE: 'پیوند در دسترس نبود. لطفاً آن را بررسی کنید و بعداً دوباره امتحان کنید.',
    DISK_FULL: 'فضای سرور در حال حاضر کم است. لطفاً بعداً دوباره امتحان کنید.',
    QUEUE_FULL: 'بیشترین تعداد کار در صف را دارید. لطفاً صبر کنید تا یکی تمام شود.',
    TIMEOUT: 'این کار بیش از حد طول کشید و متوقف شد.',
    CANCELLED: 'این کار لغو شد.',
    INTERNAL: 'مشکلی در سمت من پیش آمد.',
  },
  phases: { downloading: 'در حال دانلود', processing: 'در حال پردازش', uploading: 'در حال آپلود' },
  queued: (ahead) => (ahead === 0 ? 'در صف: به‌زودی شروع می‌شود.' : `در صف: ${ahead} کار دیگر شما جلوتر است.`),
  done: 'انجام شد.',
  cancelled: 'لغو شد.',
  failed: (reason) => `ناموفق بود. ${reason}`,
  refused: (reason) => `متأسفم، نمی‌توانم این کار را بپذیرم. ${reason}`,
  cancelButton: 'لغو',
  retryButton: 'تلاش دوباره',
  notYourJob: 'فقط کسی که این کار را شروع کرده می‌تواند آن را تغییر دهد.',
  noSuchJob: 'این کار دیگر وجود ندارد.',
  alreadyEnded: 'این کار قبلاً تمام شده است.',
  cannotRetry: 'این کار را نمی‌توان دوباره امتحان کرد. لطفاً فایل را دوباره بفرستید.',
  cancelling: 'لغو شد.',
  retrying: 'دوباره امتحان می‌کنم.',
};

const ru: JobTexts = {
  reasons: {
    FILE_TOO_BIG: 'Файл больше, чем принимает этот бот.',
    DURATION_TOO_LONG: 'Запись длиннее, чем принимает этот бот.',
    UNSUPPORTED_MEDIA: 'Это не медиафайл, с которым я могу работать.',
    CORRUPT_MEDIA: 'Похоже, файл повреждён или загружен не полностью. Пожалуйста, отправьте его снова.',
    LINK_REFUSED: 'Я не могу скачать по этой ссылке (подходят только общедоступные адреса http и https).',
    LINK_UNREACHABLE: 'Ссылка недоступна. Проверьте её и попробуйте позже.',
    DISK_FULL: 'Сейчас на сервере мало места. Пожалуйста, попробуйте позже.',
    QUEUE_FULL: 'У вас уже максимум задач в очереди. Дождитесь, пока одна завершится.',
    TIMEOUT: 'Задача выполнялась слишком долго и была остановлена.',
    CANCELLED: 'Задача отменена.',
    INTERNAL: 'У меня что-то пошло не так.',
  },
  phases: { downloading: 'Скачивание', processing: 'Обработка', uploading: 'Отправка' },
  queued: (ahead) => (ahead === 0 ? 'В очереди: скоро начну.' : `В очереди: перед этой задачей ещё ${ahead} ваших.`),
  done: 'Готово.',
  cancelled: 'Отменено.',
  failed: (reason) => `Не получилось. ${reason}`,
  refused: (reason) => `Извините, я не могу взять эту задачу. ${reason}`,
  cancelButton: 'Отмена',
  retryButton: 'Повторить',
  notYourJob: 'Изменить задачу может только тот, кто её запустил.',
  noSuchJob: 'Этой задачи больше нет.',
  alreadyEnded: 'Эта задача уже завершена.',
  cannotRetry: 'Эту задачу нельзя повторить. Пожалуйста, отправьте файл снова.',
  cancelling: 'Отменено.',
  retrying: 'Пробую снова.',
};

export const jobTexts: Readonly<Record<JobLang, JobTexts>> = { en, fa, ru };

/** Maps a stored language code ("fa", "ru-RU", "en", anything else) to a text set; English by default. */
export function jobLang(code: string | undefined): JobLang {
  const base = (code ?? '').toLowerCase().split(/[-_]/)[0];
  return base === 'fa' || base === 'ru' ? base : 'en';
}

export function textsFor(code: string | undefined): JobTexts {
  return jobTexts[jobLang(code)];
}
