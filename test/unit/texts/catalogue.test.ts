/**
 * The catalogue as a whole: every language has every text, each function takes the same
 * arguments in every language and shows what it is given, and Persian keeps its left-to-right
 * runs (file names, links, /commands, "720p") inside balanced FSI...PDI isolates and uses no
 * other bidi marks. Types already make fa.ts and ru.ts fit en.ts; these checks catch what types
 * cannot: a translation that drops a number, ignores an argument, or forgets an isolate.
 */
import { expect } from 'chai';
import { FSI, isolate, PDI } from '../../../src/texts/bidi.js';
import { LANGS, langFor, texts, textsFor, type Texts } from '../../../src/texts/index.js';
import { formatBytes } from '../../../src/media/processInfo.js';

type FnKey = { [K in keyof Texts]: Texts[K] extends (...args: never[]) => string ? K : never }[keyof Texts];

/**
 * Sample arguments of every function text, built from the language's own texts where an argument
 * is itself a text (a reason, a phase, a size): that is how callers use them. `shows` lists what
 * the output must contain when it is not simply the arguments (a size shows its number, not bytes).
 */
const SAMPLES: { [K in FnKey]: { args: (t: Texts) => Parameters<Texts[K]>; shows?: string[] } } = {
  pong: { args: () => [137] },
  delayed: { args: () => [12] },
  tooOld: { args: () => [48] },
  mediaOffer: { args: (t) => ['clip.mp4', t.size(2_700_000)] },
  size: { args: () => [2_700_000], shows: ['2.6'] },
  compressOption: { args: (t) => ['720p', t.size(2_700_000)] },
  convertOption: { args: () => ['MP4'] },
  progress: { args: (t) => [t.phases.downloading, 42] },
  queued: { args: () => [3] },
  failed: { args: (t) => [t.reasons.TIMEOUT] },
  withRule: { args: (t) => [t.reasons.LINK_REFUSED, t.linkRuleAbout(t.linkRules.address, '127.0.0.1')] },
  refused: { args: (t) => [t.reasons.QUEUE_FULL] },
  adminCaughtUp: { args: (t) => [t.durationMinutes(17), 25] },
  adminUpdatesLost: { args: () => [3] },
  adminStateOtherOwner: { args: () => ['account 42 on sandbox:1234'] },
  adminStateAheadOfServer: { args: () => [900, 12, 400, 7] },
  alertDiskLow: { args: (t) => [7, t.size(3_400_000_000)], shows: ['7'] },
  alertMemoryHigh: { args: (t) => [83, t.size(8_000_000_000)], shows: ['83'] },
  alertRepliesSlow: { args: () => [42, 5] },
  alertSqliteBusy: { args: () => [3] },
  alertTelegramDown: { args: (t) => [t.durationMinutes(4)] },
  alertBackupFailed: { args: () => ['disk full'] },
  alertStill: { args: (t) => [t.alertSqliteBusy(3)] },
  alertRecovered: { args: (t) => [t.alertNames.diskLow, t.durationMinutes(12)] },
  durationSeconds: { args: () => [45] },
  durationMinutes: { args: () => [17] },
  durationHours: { args: () => [2.5] },
  dialogReminder: { args: (t) => [t.dialogWaits.broadcastMessage] },
  statsUsers: { args: () => [1200, 340, 870, 25] },
  statsMessages: { args: () => [4521] },
  statsJobs: { args: (t) => [t.actions.compress, t.statsOutcomes.done, 17] },
  statsQueue: { args: () => [4, 3] },
  statsJobTimes: { args: () => [42, 118] },
  statsSystem: { args: (t) => [t.size(21_000_000_000), t.size(180_000_000), t.durationHours(26.5)] },
  statsCatchup: { args: (t) => ['2026-11-29 18:40', 25, t.durationMinutes(17)] },
  statsBackup: { args: () => ['2026-11-29 03:00'] },
  adminUserCard: { args: (t) => ['1002', t.userStates.banned, '2026-11-29 18:40'] },
  userNotFound: { args: () => ['@nobody'] },
  banned: { args: () => ['1002'] },
  unbanned: { args: () => ['1002'] },
  jobLine: { args: (t) => ['j7Kx2', '1002', t.actions.convert, t.jobStates.processing] },
  jobCancelButton: { args: () => ['j7Kx2'] },
  backupLine: { args: (t) => ['courier-2026-11-29.db', t.size(52_000_000), '2026-11-29 03:00'] },
  backupDone: { args: () => ['courier-2026-11-29.db'] },
  backupFailed: { args: () => ['disk full'] },
  broadcastPreview: { args: () => [250, 'New: convert to MP3'] },
  broadcastPreviewMedia: { args: (t) => [250, t.mediaKinds.video, 'New: convert to MP3'] },
  broadcastProgress: { args: (t) => [t.broadcastStates.running, 120, 3, 1, 2, 250] },
  // settings
  settingsMenu: { args: (t) => [t.settingsAuto, 'MP3', '720p', t.settingsAsk, t.settingsVideoAs.video] },
  // daily quotas (issue 11)
  quotaResetsIn: { args: () => [5, 12] },
  quotaJobsUsed: { args: (t) => [2, 2, t.quotaResetsIn(5, 12)] },
  quotaBytesUsed: { args: (t) => [t.size(48_000_000), t.size(50_000_000), t.quotaResetsIn(0, 7)] },
  quotaBytesTooMuch: { args: (t) => [t.size(5_000_000), t.size(48_000_000), t.size(50_000_000), t.quotaResetsIn(5, 12)] },
  usageJobs: { args: () => [1, 3, 2] },
  usageJobsNoLimit: { args: () => [4] },
  usageBytes: { args: (t) => [t.size(12_000_000), t.size(50_000_000), t.size(38_000_000)] },
  usageBytesNoLimit: { args: (t) => [t.size(12_000_000)] },
  usageResets: { args: (t) => [t.quotaResetsIn(5, 12)] },
  quotaReachedShort: { args: (t) => [t.quotaResetsIn(5, 12)] },
  // dialog actions: Trim, Rename, Compress to size
  trimAsk: { args: () => ['1:25'] },
  trimEndBeforeStart: { args: () => ['0:05', '0:02'] },
  trimEmpty: { args: () => ['0:07'] },
  trimBeyondDuration: { args: () => ['9:00', '0:08'] },
  renameAsk: { args: () => ['clip.mp4'] },
  sizeAsk: { args: (t) => [t.size(52_000_000), t.size(1_300_000)] },
  sizeTooSmall: { args: (t) => [t.size(1_300_000)] },
  sizeNotSmaller: { args: (t) => [t.size(52_000_000)] },
  trimAccepted: { args: () => ['0:02', '0:05'] },
  renameAccepted: { args: () => ['Beach day.mp4'] },
  sizeAccepted: { args: () => [12.5] },
  // language (issue 11): the Info answer
  infoDuration: { args: () => ['3:05'] },
  infoSize: { args: () => ['4.0 MB'] },
  infoContainer: { args: () => ['MP4'] },
  infoVideo: { args: () => ['h264'] },
  infoImage: { args: () => ['png'] },
  infoDimensions: { args: () => [1920, 1080] },
  infoFrameRate: { args: () => [29.97] },
  infoAudio: { args: () => ['aac'] },
  infoChannels: { args: () => [6] },
  infoSampleRate: { args: () => [44.1] },
  infoBitrate: { args: () => [181] },
  infoTags: { args: () => ['Courier Band — Test Tone'] },
  infoAnd: { args: (t) => [t.infoVideo('h264'), t.infoDimensions(1920, 1080)] },
  linkRuleAbout: { args: (t) => [t.linkRules.port, '8080'] },
  // results over Telegram's per-file limit, sent in parts (issue 11)
  resultPart: { args: () => [2, 3] },
  resultJoinHint: { args: () => ['cat backup.tar.0* > backup.tar', 'copy /b backup.tar.001+backup.tar.002 backup.tar'] },
  resultInParts: { args: (t) => [3, t.size(2_097_152_000)], shows: ['3'] },
};

function call(t: Texts, key: FnKey): { args: unknown[]; out: string } {
  const args = SAMPLES[key].args(t) as unknown[];
  return { args, out: (t[key] as (...a: unknown[]) => string)(...args) };
}

/** Persian digits and decimal separators (and the Russian decimal comma) as ASCII, to compare numbers. */
function asciiNumbers(text: string): string {
  return text.replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x06f0)).replace(/(\d)[٫,](\d)/g, '$1.$2');
}

/** Every text a language renders: strings, the strings of its records, each function on its samples. */
function rendered(t: Texts): Array<{ where: string; text: string }> {
  const out: Array<{ where: string; text: string }> = [];
  for (const [key, value] of Object.entries(t)) {
    if (typeof value === 'string') out.push({ where: key, text: value });
    else if (typeof value === 'function') out.push({ where: `${key}(…)`, text: call(t, key as FnKey).out });
    else for (const [sub, text] of Object.entries(value as Record<string, string>)) out.push({ where: `${key}.${sub}`, text });
  }
  out.push({ where: 'queued(0)', text: t.queued(0) });
  out.push({ where: 'compressOption(no estimate)', text: t.compressOption('480p', null) });
  return out;
}

/** The shape of a text set: keys, nested keys, and what kind of value each is (with a function's arity). */
function shapeOf(t: Texts): string[] {
  return Object.entries(t).flatMap(([key, value]) => {
    if (typeof value === 'string') return [`${key}: string`];
    if (typeof value === 'function') return [`${key}: function/${value.length}`];
    return Object.keys(value as object).map((sub) => `${key}.${sub}: string`);
  }).sort();
}

const BIDI_OTHER_THAN_FSI_PDI = /[\u200E\u200F\u202A-\u202E\u2066\u2067]/;

/** The text with every isolated run removed; throws when isolates are unbalanced or empty. */
function outsideIsolates(text: string): string {
  let depth = 0;
  let outside = '';
  let runStart = -1;
  for (const [index, ch] of [...text].entries()) {
    if (ch === FSI) {
      if (depth === 0) runStart = index;
      depth += 1;
    } else if (ch === PDI) {
      depth -= 1;
      if (depth < 0) throw new Error('a PDI closes no isolate');
      if (depth === 0 && index === runStart + 1) throw new Error('an empty isolate');
    } else if (depth === 0) outside += ch;
  }
  if (depth !== 0) throw new Error(`${depth} isolate(s) left open`);
  return outside;
}

describe('the text catalogue', () => {
  it('has every text in every language, functions taking as many arguments as in English', () => {
    for (const lang of LANGS) expect(shapeOf(texts[lang]), lang).to.deep.equal(shapeOf(texts.en));
  });

  it('has a sample for every function text (a new one needs its sample here)', () => {
    const functions = Object.keys(texts.en).filter((key) => typeof texts.en[key as keyof Texts] === 'function');
    expect(Object.keys(SAMPLES).sort()).to.deep.equal(functions.sort());
  });

  it('has no empty text and no surrounding whitespace', () => {
    for (const lang of LANGS) {
      for (const { where, text } of rendered(texts[lang])) expect(text, `${lang} ${where}`).to.equal(text.trim()).and.not.equal('');
    }
  });

  it('shows every number and string a function is given, in every language', () => {
    for (const lang of LANGS) {
      for (const key of Object.keys(SAMPLES) as FnKey[]) {
        const { args, out } = call(texts[lang], key);
        const shows = SAMPLES[key].shows ?? args.map(String);
        for (const expected of shows) expect(asciiNumbers(out), `${lang} ${key} shows ${expected}`).to.include(asciiNumbers(expected));
      }
    }
  });

  it('translates: Persian and Russian differ from English wherever words are involved', () => {
    for (const lang of ['fa', 'ru'] as const) {
      // A text without a letter ("1920×1080") has no words to translate.
      const same = rendered(texts[lang]).filter(({ where, text }) => /\p{L}/u.test(text) && rendered(texts.en).find((e) => e.where === where)?.text === text);
      expect(same.map((s) => s.where), lang).to.deep.equal([]);
    }
  });

  it('Persian isolates every left-to-right run with balanced FSI…PDI and uses no other bidi mark', () => {
    for (const { where, text } of rendered(texts.fa)) {
      expect(BIDI_OTHER_THAN_FSI_PDI.test(text), `fa ${where}: LRM/RLM, embedding, override or LRI/RLI`).to.equal(false);
      const outside = outsideIsolates(text);
      // Latin letters (words, links, /commands, "720p", "MP4") and ASCII digits only inside isolates.
      expect(outside, `fa ${where}: a left-to-right run outside an isolate`).to.not.match(/[A-Za-z0-9]/);
    }
    expect(texts.fa.hint).to.include(`${FSI}/help${PDI}`);
    expect(texts.fa.mediaOffer('clip.mp4', texts.fa.size(2_700_000))).to.equal(`${FSI}clip.mp4${PDI} (۲٫۶ مگابایت). با آن چه کنم؟`);
    expect(texts.fa.compressOption('720p', null)).to.equal(`فشرده‌سازی ${FSI}720p${PDI}`);
  });

  it('a file name cannot break the isolates: bidi controls inside it are dropped', () => {
    const hostile = `evil${PDI}\u202Egpj.exe${FSI}`;
    expect(isolate(hostile)).to.equal(`${FSI}evilgpj.exe${PDI}`);
    expect(() => outsideIsolates(texts.fa.mediaOffer(hostile, texts.fa.size(10)))).to.not.throw();
  });

  it('English and Russian carry no bidi marks at all', () => {
    for (const lang of ['en', 'ru'] as const) {
      for (const { where, text } of rendered(texts[lang])) expect(/[\u200E\u200F\u202A-\u202E\u2066-\u2069]/.test(text), `${lang} ${where}`).to.equal(false);
    }
  });

  it('Persian writes numbers with Persian digits', () => {
    expect(texts.fa.progress(texts.fa.phases.uploading, 42)).to.equal('در حال آپلود… ۴۲٪');
    expect(texts.fa.durationHours(2.5)).to.equal('۲٫۵ ساعت');
  });

  it('Russian counts with the right plural form', () => {
    expect(texts.ru.queued(1)).to.match(/ещё 1 ваша задача\.$/);
    expect(texts.ru.queued(3)).to.match(/ещё 3 ваши задачи\.$/);
    expect(texts.ru.queued(5)).to.match(/ещё 5 ваших задач\.$/);
    expect(texts.ru.queued(21)).to.match(/ещё 21 ваша задача\.$/);
    expect(texts.ru.adminUpdatesLost(2)).to.match(/^Telegram не выдал 2 обновления /);
  });

  it('writes English sizes exactly as a file\'s Info does (formatBytes), and sizes in each language\'s units', () => {
    for (const bytes of [0, 1023, 1024, 1536, 10 * 1024 - 1, 10 * 1024, 2_700_000, 30 * 1024 * 1024, 5 * 1024 ** 3, 3 * 1024 ** 4]) {
      expect(texts.en.size(bytes), String(bytes)).to.equal(formatBytes(bytes));
    }
    expect(texts.ru.size(2_700_000)).to.equal('2,6 МБ');
    expect(texts.fa.size(30 * 1024 * 1024)).to.equal('۳۰ مگابایت');
  });

  it('picks the language from the Telegram language code, English when unknown', () => {
    expect(langFor('fa-IR')).to.equal('fa');
    expect(langFor('ru_RU')).to.equal('ru');
    expect(langFor('de')).to.equal('en');
    expect(textsFor(undefined)).to.equal(texts.en);
  });
});
