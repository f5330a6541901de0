/**
 * What the /settings menu shows, as pure functions of the texts and the user's settings: the
 * first page (every setting with its current choice, a button per setting) and one page per
 * setting (its question, a button per allowed value, the current one ticked, and Back). The
 * handler (useSettings.ts) edits the same message to each page in turn, so the chat keeps one
 * menu however long the user navigates.
 *
 * Also here: which language a user's messages are in (languageOf): the stored choice wins over
 * the Telegram app's lang_code unless it is Automatic.
 */
import type { Button } from '../../domain/botPort.js';
import { SETTING_KEYS, SETTING_VALUES, type SettingKey, type UserSettings } from '../../domain/userSettings.js';
import { LANGUAGE_NAMES, langFor, type Lang, type Texts } from '../../texts/index.js';
import { encodeSettingsPress, type SettingsPress } from './settingsCallbacks.js';

export interface MenuView {
  text: string;
  buttons: Button[][];
}

/** The language of everything Courier writes to this user: their choice, else their app's. */
export function languageOf(settings: Pick<UserSettings, 'lang'>, langCode: string | undefined): Lang {
  return settings.lang === 'auto' ? langFor(langCode) : settings.lang;
}

/** Audio formats are file-format names, the same in every language (like "MP4" in convertOption). */
const AUDIO_FORMAT_NAMES = { mp3: 'MP3', m4a: 'M4A', opus: 'Opus' } as const;

/** The label of one value of one setting, in the texts' language. */
export function valueLabel<K extends SettingKey>(t: Texts, key: K, value: UserSettings[K]): string {
  const v = value as UserSettings[SettingKey];
  switch (key) {
    case 'lang':
      return v === 'auto' ? t.settingsAuto : LANGUAGE_NAMES[v as Lang];
    case 'audioFormat':
      return v === 'auto' ? t.settingsAuto : AUDIO_FORMAT_NAMES[v as keyof typeof AUDIO_FORMAT_NAMES];
    case 'compressPreset':
      return v;
    case 'onNewFile':
      return v === 'ask' ? t.settingsAsk : t.actions[v as Exclude<UserSettings['onNewFile'], 'ask'>];
    case 'videoAs':
      return t.settingsVideoAs[v as UserSettings['videoAs']];
    default:
      throw new Error(`unknown setting ${String(key)}`);
  }
}

const button = (text: string, press: SettingsPress): Button => ({ text, data: encodeSettingsPress(press) });

function pairs(buttons: Button[]): Button[][] {
  const rows: Button[][] = [];
  for (let i = 0; i < buttons.length; i += 2) rows.push(buttons.slice(i, i + 2));
  return rows;
}

/** The first page: the current choices, and a button to change each. */
export function homeView(t: Texts, settings: UserSettings): MenuView {
  const label = <K extends SettingKey>(key: K) => valueLabel(t, key, settings[key]);
  return {
    text: t.settingsMenu(label('lang'), label('audioFormat'), label('compressPreset'), label('onNewFile'), label('videoAs')),
    buttons: pairs(SETTING_KEYS.map((key) => button(t.settingsButtons[key], { op: 'open', key }))),
  };
}

/** The page of one setting: its question, its values (the current one ticked) and Back. */
export function choiceView(t: Texts, key: SettingKey, settings: UserSettings): MenuView {
  const values = SETTING_VALUES[key] as readonly UserSettings[SettingKey][];
  const choices = values.map((value) => {
    const text = valueLabel(t, key, value);
    // A tick, not a word: it reads the same in every language and direction.
    return button(value === settings[key] ? `✓ ${text}` : text, { op: 'set', key, value } as SettingsPress);
  });
  return { text: t.settingsQuestions[key], buttons: [...pairs(choices), [button(t.settingsBack, { op: 'home' })]] };
}

/**
 * The settings after `press` (unchanged for navigation) and the page to show next: a stored
 * choice goes back to the first page, which shows it among the others.
 */
export function applyPress(settings: UserSettings, press: SettingsPress): { settings: UserSettings; page: 'home' | SettingKey } {
  if (press.op === 'home') return { settings, page: 'home' };
  if (press.op === 'open') return { settings, page: press.key };
  return { settings: { ...settings, [press.key]: press.value }, page: 'home' };
}

/** The view of `page` (see applyPress). */
export function viewOf(t: Texts, settings: UserSettings, page: 'home' | SettingKey): MenuView {
  return page === 'home' ? homeView(t, settings) : choiceView(t, page, settings);
}
