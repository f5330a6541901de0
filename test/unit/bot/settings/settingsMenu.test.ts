/**
 * The /settings menu without a network: its callback data (short, versioned, validated), its
 * pages, and the language rule (a stored choice wins over the app's lang_code unless Automatic).
 */
import { expect } from 'chai';
import { DEFAULT_USER_SETTINGS, SETTING_KEYS, SETTING_VALUES, type UserSettings } from '../../../../src/domain/userSettings.js';
import { decodeSettingsPress, encodeSettingsPress, SettingsCallbackError, type SettingsPress } from '../../../../src/bot/settings/settingsCallbacks.js';
import { applyPress, choiceView, homeView, languageOf } from '../../../../src/bot/settings/settingsMenu.js';
import { texts } from '../../../../src/texts/index.js';

const everyPress = (): SettingsPress[] => [
  { op: 'home' },
  ...SETTING_KEYS.map((key) => ({ op: 'open' as const, key })),
  ...SETTING_KEYS.flatMap((key) => (SETTING_VALUES[key] as readonly string[]).map((value) => ({ op: 'set', key, value }) as SettingsPress)),
];

const labels = (buttons: { text: string }[][]) => buttons.flat().map((b) => b.text);
const dataOf = (b: { text: string; data: string } | { text: string; url: string }): string => ('data' in b ? b.data : '');

describe('settings callback data', () => {
  it('round-trips every press within Telegram’s 64 bytes, under the s1| prefix', () => {
    for (const press of everyPress()) {
      const data = encodeSettingsPress(press);
      expect(data.startsWith('s1|'), data).to.equal(true);
      expect(Buffer.byteLength(data, 'utf8'), data).to.be.at.most(64);
      expect(decodeSettingsPress(data)).to.deep.equal(press);
    }
  });

  it('refuses forged, foreign and future data, and values a setting does not have', () => {
    for (const data of ['s1', 's1|x', 's2|h', 's1|o|z', 's1|s|l|de', 's1|s|a|wav', 's1|s|c|1080p', 's1|h|extra', 'm1|i|abc', `s1|s|l|${'e'.repeat(70)}`]) {
      expect(() => decodeSettingsPress(data), data).to.throw(SettingsCallbackError, /send \/settings for a fresh menu/);
    }
    expect(() => encodeSettingsPress({ op: 'set', key: 'lang', value: 'de' } as unknown as SettingsPress)).to.throw(SettingsCallbackError);
  });
});

describe('settings menu pages', () => {
  it('the first page shows every current choice and one button per setting', () => {
    const mine: UserSettings = { lang: 'ru', audioFormat: 'opus', compressPreset: '480p', onNewFile: 'extractAudio', videoAs: 'file' };
    const view = homeView(texts.en, mine);
    expect(view.text).to.equal(texts.en.settingsMenu('Русский', 'Opus', '480p', 'Extract audio', 'As file'));
    expect(labels(view.buttons)).to.deep.equal(SETTING_KEYS.map((k) => texts.en.settingsButtons[k]));
    expect(view.buttons.flat().map((b) => decodeSettingsPress(dataOf(b)))).to.deep.equal(SETTING_KEYS.map((key) => ({ op: 'open', key })));
    expect(homeView(texts.en, DEFAULT_USER_SETTINGS).text).to.equal(texts.en.settingsMenu('Automatic', 'Automatic', '720p', 'Ask', 'As video'));
  });

  it('the language page names each language in its own script, ticks the current one, and has Back', () => {
    const view = choiceView(texts.fa, 'lang', { ...DEFAULT_USER_SETTINGS, lang: 'fa' });
    expect(view.text).to.equal(texts.fa.settingsQuestions.lang);
    expect(labels(view.buttons)).to.deep.equal([texts.fa.settingsAuto, 'English', '✓ فارسی', 'Русский', texts.fa.settingsBack]);
    expect(decodeSettingsPress(dataOf(view.buttons.at(-1)![0]!))).to.deep.equal({ op: 'home' });
  });

  it('the other pages offer exactly the allowed values', () => {
    expect(labels(choiceView(texts.en, 'audioFormat', DEFAULT_USER_SETTINGS).buttons)).to.deep.equal(['✓ Automatic', 'MP3', 'M4A', 'Opus', '« Back']);
    expect(labels(choiceView(texts.en, 'compressPreset', DEFAULT_USER_SETTINGS).buttons)).to.deep.equal(['✓ 720p', '480p', '« Back']);
    expect(labels(choiceView(texts.en, 'onNewFile', DEFAULT_USER_SETTINGS).buttons)).to.deep.equal(['✓ Ask', 'Info', 'Extract audio', 'Compress', 'Send as file', '« Back']);
    expect(labels(choiceView(texts.ru, 'videoAs', DEFAULT_USER_SETTINGS).buttons)).to.deep.equal(['✓ Как видео', 'Как файл', '« Назад']);
  });

  it('a press stores an absolute value, so applying it twice is applying it once', () => {
    const press: SettingsPress = { op: 'set', key: 'audioFormat', value: 'opus' };
    const once = applyPress(DEFAULT_USER_SETTINGS, press);
    expect(once).to.deep.equal({ settings: { ...DEFAULT_USER_SETTINGS, audioFormat: 'opus' }, page: 'home' });
    expect(applyPress(once.settings, press)).to.deep.equal(once);
    expect(applyPress(once.settings, { op: 'open', key: 'lang' })).to.deep.equal({ settings: once.settings, page: 'lang' });
  });

  it('the language: Automatic follows the app, a choice wins over it', () => {
    expect(languageOf({ lang: 'auto' }, 'ru-RU')).to.equal('ru');
    expect(languageOf({ lang: 'auto' }, undefined)).to.equal('en');
    expect(languageOf({ lang: 'fa' }, 'ru')).to.equal('fa');
    expect(languageOf({ lang: 'en' }, 'fa')).to.equal('en');
  });
});
