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
  trim: 'Обрезать',
  rename: 'Переименовать',
  compressToSize: 'Сжать до размера',
};

export const ru: Texts = {
  welcome:
    'Привет! Я Courier. Пришлите видео, аудио, голосовое сообщение или документ (до 2 ГБ) либо прямую ссылку http(s), ' +
    'а затем выберите, что с ним сделать: информация о файле, извлечь звук, сжать, конвертировать, миниатюра или вернуть файлом. ' +
    'Я работаю через MTProto, поэтому файлы больше обычного лимита ботов в 50 МБ — не проблема.',
  help:
    'Пришлите видео, аудио, голосовое сообщение или документ (до 2 ГБ) либо прямую ссылку http(s) и выберите действие кнопкой.\n' +
    '/start: приветствие\n/help: эта справка\n/settings: язык, форматы и что делать с новыми файлами\n/usage: сколько из дневных лимитов использовано сегодня\n/ping: проверить, что я на связи',
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
  // --- settings (/settings, src/bot/settings) ----------------------------------------------
  settingsMenu: (language, audio, preset, newFile, video) =>
    `Настройки\nЯзык: ${language}\nИзвлечение звука в формат: ${audio}\nПресет сжатия (первый): ${preset}\nНовый файл или ссылка: ${newFile}\nВидео-результаты: ${video}\n\nВыберите, что изменить.`,
  settingsButtons: {
    lang: '🌐 Язык',
    audioFormat: 'Формат звука',
    compressPreset: 'Пресет сжатия',
    onNewFile: 'Новый файл или ссылка',
    videoAs: 'Видео-результаты',
  },
  settingsQuestions: {
    lang: 'На каком языке мне писать? «Автоматически» — как в вашем приложении Telegram.',
    audioFormat: 'В каком формате извлекать звук? «Автоматически» сохраняет AAC как M4A без перекодирования, а всё остальное превращает в MP3.',
    compressPreset: 'Какой пресет сжатия показывать первым? Он же используется, когда файл сжимается сразу.',
    onNewFile: 'Что делать, когда вы присылаете файл или ссылку? «Спросить» показывает кнопки; если выбранное действие не подходит к файлу, я спрошу.',
    videoAs: 'Как присылать готовые видео? Как видео они воспроизводятся в чате прямо при загрузке; как файл приходят без изменений.',
  },
  settingsAuto: 'Автоматически',
  settingsAsk: 'Спросить',
  settingsVideoAs: { video: 'Как видео', file: 'Как файл' },
  settingsBack: '« Назад',
  settingsSaved: 'Сохранено.',
  settingsPrivateOnly: 'Настройки личные: отправьте мне /settings в личном чате.',
  // --- daily quotas (issue 11) --------------------------------------------------------------
  quotaResetsIn: (hours, minutes) => (hours > 0 ? `${hours} ч ${minutes} мин` : `${minutes} мин`),
  quotaJobsUsed: (used, max, resetsIn) =>
    `Дневной лимит задач исчерпан: сегодня использовано ${used} из ${max}. Лимиты обнуляются в 00:00 UTC, через ${resetsIn}; тогда эти кнопки снова заработают.`,
  quotaBytesUsed: (used, max, resetsIn) =>
    `Дневной лимит объёма исчерпан: сегодня использовано ${used} из ${max}. Лимиты обнуляются в 00:00 UTC, через ${resetsIn}; тогда эти кнопки снова заработают.`,
  quotaBytesTooMuch: (size, used, max, resetsIn) =>
    `Этот файл (${size}) превысит ваш дневной лимит объёма: сегодня использовано ${used} из ${max}. Лимиты обнуляются в 00:00 UTC, через ${resetsIn}; тогда эти кнопки снова заработают.`,
  usageTitle: 'Ваше использование за сегодня (день считается по UTC):',
  usageJobs: (used, max, left) => `Задачи: использовано ${used} из ${max}, осталось ${left}`,
  usageJobsNoLimit: (used) => `Задачи: использовано ${used}, без лимита`,
  usageBytes: (used, max, left) => `Объём: использовано ${used} из ${max}, осталось ${left}`,
  usageBytesNoLimit: (used) => `Объём: использовано ${used}, без лимита`,
  usageResets: (resetsIn) => `Лимиты обнуляются в 00:00 UTC, через ${resetsIn}.`,
  usageAdmin: 'Вы администратор: дневные лимиты на вас не действуют.',
  usageNoLimits: 'У этого бота нет дневных лимитов.',
  quotaReachedShort: (resetsIn) => `Дневной лимит исчерпан: он обнулится через ${resetsIn}. /usage покажет, что использовано.`,
  // --- dialog actions: Trim, Rename, Compress to size (src/bot/mediaDialogs.ts) -------------
  trimAsk: (duration) =>
    `Какой фрагмент оставить? Пришлите начало и конец, например 0:10 1:25 (секунды, м:сс или ч:мм:сс). Длительность файла ${duration}.`,
  trimAskNoDuration: 'Какой фрагмент оставить? Пришлите начало и конец, например 0:10 1:25 (секунды, м:сс или ч:мм:сс).',
  trimUnparsable: 'Не получилось прочитать это как интервал: пришлите два времени, начало и конец, например 0:10 1:25 или 0:10-1:25.',
  trimEndBeforeStart: (start, end) => `Конец (${end}) раньше начала (${start}).`,
  trimEmpty: (at) => `И начало, и конец — ${at}: оставлять нечего.`,
  trimBeyondDuration: (end, duration) => `Файл длится всего ${duration}, поэтому фрагмент не может заканчиваться на ${end}.`,
  renameAsk: (name) => `Как назвать ${name}? Пришлите новое имя; расширение останется прежним, если вы не укажете другое.`,
  renameEmpty: 'После удаления косых черт, управляющих символов и точек в начале от имени ничего не осталось. Пришлите другое имя.',
  sizeAsk: (size, minimum) => `Какого размера может быть видео самое большее? Пришлите число в МБ, например 20. Сейчас ${size}; меньше ${minimum} сделать не получится.`,
  sizeUnparsable: 'Пришлите размер числом в МБ, например 20 или 7,5.',
  sizeTooSmall: (minimum) => `Это слишком мало для видео такой длины: меньше ${minimum} сделать не получится.`,
  sizeNotSmaller: (size) => `Файл уже ${size}, не больше этого. Пришлите размер поменьше или нажмите «${actions.sendAsFile}».`,
  trimAccepted: (start, end) => `Вырезаю ${start}–${end}: следите за сообщением о статусе.`,
  renameAccepted: (name) => `Отправлю обратно как ${name}.`,
  sizeAccepted: (megabytes) => `Сжимаю не более чем до ${decimal(String(megabytes))} МБ: следите за сообщением о статусе.`,
  mediaDialogWaits: {
    trimRange: 'начало и конец фрагмента, который нужно оставить (например, 0:10 1:25)',
    renameName: 'новое имя файла',
    sizeTarget: 'наибольший размер видео в МБ',
  },
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
  // --- results over Telegram's per-file limit, sent in parts (issue 11) --------------------
  resultPart: (index, count) => `Часть ${index} из ${count}`,
  resultJoinHint: (unix, windows) => `Чтобы собрать части: ${unix} (Linux, macOS) или ${windows} (Windows)`,
  resultInParts: (count, limit) => `Результат больше лимита Telegram (${limit} на файл), поэтому придёт по частям (частей: ${count}).`,
};
