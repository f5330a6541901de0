/**
 * Russian. Counted nouns take the plural form the number asks for (1 задача, 3 задачи,
 * 5 задач: Intl.PluralRules "one/few/many"); decimals use a comma and sizes Russian units.
 */
import type { Texts } from './en.js';
import { adminRu } from './adminRu.js';
import { sizeParts } from './sizes.js';

const pluralRules = new Intl.PluralRules('ru');

/** The form of a noun after `n`: one (1, 21), few (2-4, 22-24) or many (5-20, 25...). */
function plural(n: number, one: string, few: string, many: string): string {
  const form = pluralRules.select(n);
  return form === 'one' ? one : form === 'few' ? few : many;
}

/** 2.6 -> "2,6". */
function decimal(value: string): string {
  return value.replace('.', ',');
}

const SIZE_UNITS = ['Б', 'КБ', 'МБ', 'ГБ'] as const;

const actions: Texts['actions'] = {
  info: 'Информация',
  extractAudio: 'Извлечь звук',
  compress: 'Сжать',
  convert: 'Конвертировать',
  thumbnail: 'Миниатюра',
  sendAsFile: 'Отправить файлом',
};

export const ru: Texts = {
  welcome:
    'Привет! Я Courier. Пришлите видео, аудио, голосовое сообщение или документ (до 2 ГБ) либо прямую ссылку http(s), ' +
    'а затем выберите, что с ним сделать: информация о файле, извлечь звук, сжать, конвертировать, миниатюра или вернуть файлом. ' +
    'Я работаю через MTProto, поэтому файлы больше обычного лимита ботов в 50 МБ — не проблема.',
  help:
    'Пришлите видео, аудио, голосовое сообщение или документ (до 2 ГБ) либо прямую ссылку http(s) и выберите действие кнопкой.\n' +
    '/start: приветствие\n/help: эта справка\n/ping: проверить, что я на связи',
  pong: (ms) => `pong (${ms} мс до Telegram и обратно)`,
  hint: 'Пришлите файл или ссылку, либо /help, чтобы узнать, что я умею.',
  callbackUnknown: 'Эта кнопка больше не действует.',
  delayed: (minutes) => `(Простите за ожидание: я был офлайн около ${minutes} мин и только сейчас добрался до вашего сообщения.)`,
  tooOld: (hours) =>
    `Я был офлайн, когда вы это отправили, — больше ${hours} ч назад, поэтому сообщение не обработано. Если оно ещё нужно, пришлите его снова.`,

  mediaOffer: (name, size) => `${name} (${size}). Что с этим сделать?`,
  mediaKinds: { video: 'Видео', audio: 'Аудио', voice: 'Голосовое сообщение', animation: 'Анимация', document: 'Файл', photo: 'Фото' },
  size: (bytes) => {
    const { value, unit } = sizeParts(bytes);
    return `${decimal(value)} ${SIZE_UNITS[unit]}`;
  },
  linkOffer: 'Что сделать по этой ссылке? Сначала я её скачаю, поэтому она должна вести прямо на файл.',
  linkScheme: 'Я скачиваю только ссылки http:// и https://, ведущие прямо на файл.',
  actions,
  compressOption: (preset, estimate) => `${actions.compress} ${preset}${estimate !== null ? ` ~${estimate}` : ''}`,
  convertOption: (format) => `${actions.convert} в ${format}`,
  jobAccepted: 'Принято: следите за сообщением о статусе.',
  jobReused: 'Это уже делалось: отправляю тот же результат.',
  offerExpired: 'Эти кнопки устарели; пришлите файл ещё раз.',
  notYourButton: 'Эти кнопки — для того, кто прислал файл.',

  reasons: {
    FILE_TOO_BIG: 'Файл больше, чем принимает этот бот.',
    DURATION_TOO_LONG: 'Запись длиннее, чем принимает этот бот.',
    UNSUPPORTED_MEDIA: 'Это не медиафайл, с которым я могу работать.',
    CORRUPT_MEDIA: 'Похоже, файл повреждён или загружен не полностью. Пожалуйста, отправьте его снова.',
    LINK_REFUSED: 'Я не могу скачать по этой ссылке (подходят только общедоступные адреса http и https).',
    LINK_UNREACHABLE: 'Ссылка недоступна. Проверьте её и попробуйте позже.',
    DISK_FULL: 'Сейчас на сервере мало места. Пожалуйста, попробуйте позже.',
    QUEUE_FULL: 'У вас уже максимум задач в очереди. Дождитесь, пока одна из них завершится.',
    TIMEOUT: 'Задача выполнялась слишком долго и была остановлена.',
    CANCELLED: 'Задача отменена.',
    INTERNAL: 'У меня что-то пошло не так.',
  },
  phases: { downloading: 'Скачивание', processing: 'Обработка', uploading: 'Отправка' },
  progress: (phase, percent) => `${phase}… ${percent}%`,
  queued: (ahead) =>
    ahead === 0 ? 'В очереди: скоро начну.' : `В очереди: перед этой задачей ещё ${ahead} ${plural(ahead, 'ваша задача', 'ваши задачи', 'ваших задач')}.`,
  done: 'Готово.',
  cancelled: 'Отменено.',
  failed: (reason) => `Не получилось. ${reason}`,
  withRule: (reason, rule) => `${reason} [${rule}]`,
  refused: (reason) => `Извините, я не могу взять эту задачу. ${reason}`,
  cancelButton: 'Отмена',
  retryButton: 'Повторить',
  notYourJob: 'Изменить задачу может только тот, кто её запустил.',
  noSuchJob: 'Этой задачи больше нет.',
  alreadyEnded: 'Эта задача уже завершена.',
  cannotRetry: 'Эту задачу нельзя повторить. Пожалуйста, отправьте файл снова.',
  cancelling: 'Отменено.',
  retrying: 'Пробую снова.',

  adminCaughtUp: (duration, recovered) => `Courier был офлайн ${duration} и наверстал пропущенное; восстановлено обновлений: ${recovered}.`,
  adminUpdatesLost: (count) =>
    `Telegram не выдал ${count} ${plural(count, 'обновление', 'обновления', 'обновлений')} за время, пока Courier не работал ` +
    '(слишком большой разрыв, difference too long): эти сообщения потеряны, их отправители остались без ответа.',
  adminStartedFresh:
    'Courier уже запускался здесь, но не нашёл сохранённого состояния обновлений (базу данных заменили или сбросили?), ' +
    'поэтому начал с текущего состояния Telegram: сообщения, отправленные, пока он не работал, получить нельзя, и ответа на них не было.',
  adminStateOtherOwner: (previous) =>
    `Состояние обновлений в этой базе принадлежало ${previous ?? 'другому аккаунту или серверу'}, а не этому боту на этом сервере, ` +
    'поэтому Courier начал заново с текущего состояния. Прежнее состояние сохранено в таблице update_state_aside.',
  adminStateAheadOfServer: (storedPts, storedQts, serverPts, serverQts) =>
    `Сохранённое состояние обновлений (pts ${storedPts}, qts ${storedQts}) опережает состояние самого сервера (pts ${serverPts}, qts ${serverQts}): ` +
    'оно не может принадлежать этому боту на этом сервере (база из другого мира или от другого бота?). Courier начал заново с текущего ' +
    'состояния и сохранил прежнее в update_state_aside; сообщения, отправленные, пока он не работал, получить нельзя.',
  alertDiskLow: (percent, free) =>
    `Мало свободного места на диске: осталось ${percent}% (${free}) там, где Courier хранит данные. Когда оно кончится, новые задачи не будут приниматься; освободите место или перенесите paths.data.`,
  alertMemoryHigh: (percent, limit) => `Courier использует ${percent}% своего лимита памяти (${limit}). Проверьте зависшие задачи или перезапустите его в спокойное время.`,
  alertRepliesSlow: (seconds, minutes) =>
    `Ответы медленные: 95% обновлений за последние ${minutes} мин получили ответ за ${seconds} с, остальные дольше. Посмотрите очередь отправки и FLOOD_WAIT в /metrics.`,
  alertSqliteBusy: (count) =>
    `База данных была заблокирована (SQLITE_BUSY) ${count} раз(а) за последние минуты: запись ждала дольше database.busyTimeoutMs. Не держит ли базу открытой другая программа?`,
  alertTelegramDown: (duration) => `Telegram недоступен уже ${duration}. Courier продолжает переподключаться; проверьте сеть и telegram.proxy.`,
  alertBackupFailed: (reason) => `Резервное копирование базы данных не удалось: ${reason}`,
  alertStill: (text) => `Всё ещё так: ${text}`,
  alertRecovered: (what, duration) => `Исправлено: ${what} (через ${duration}).`,
  alertNames: {
    diskLow: 'свободного места на диске снова достаточно',
    memoryHigh: 'потребление памяти снова ниже порога',
    repliesSlow: 'ответы снова быстрые',
    sqliteBusy: 'ошибок блокировки базы данных больше нет',
    telegramDown: 'Telegram снова доступен',
    backupFailed: 'резервное копирование базы данных прошло успешно',
  },
  durationSeconds: (seconds) => `${seconds} с`,
  durationMinutes: (minutes) => `${minutes} мин`,
  durationHours: (hours) => `${decimal(hours.toFixed(1))} ч`,
  ...adminRu,
  // --- language (issue 11): the words of the Info answer (src/media/processInfo.ts) ---------
  infoDuration: (duration) => `Длительность: ${duration}`,
  infoSize: (size) => `Размер: ${size}`,
  infoContainer: (name) => `Контейнер: ${name}`,
  infoVideo: (codec) => `Видео: ${codec}`,
  infoImage: (codec) => `Изображение: ${codec}`,
  infoDimensions: (width, height) => `${width}×${height}`,
  infoFrameRate: (fps) => `${decimal(String(fps))} кадр/с`,
  infoAudio: (codec) => `Аудио: ${codec}`,
  infoChannels: (channels) => (channels === 1 ? 'моно' : channels === 2 ? 'стерео' : `каналов: ${channels}`),
  infoSampleRate: (kHz) => `${decimal(String(kHz))} кГц`,
  infoBitrate: (kbps) => `Битрейт: ${kbps} кбит/с`,
  infoTags: (tags) => `Теги: ${tags}`,
  infoAnd: (first, second) => `${first}, ${second}`,
  linkRules: {
    invalid: 'некорректная ссылка',
    scheme: 'только ссылки http и https',
    port: 'недопустимый порт',
    address: 'не публичный адрес в интернете',
    redirects: 'слишком много перенаправлений',
  },
  linkRuleAbout: (rule, subject) => `${rule}: ${subject}`,
};
