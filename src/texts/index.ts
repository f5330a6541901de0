/**
 * The one catalogue of everything a user or admin reads: replies, offers and their buttons, job
 * statuses with Cancel/Retry, failure reasons, the delayed/too-old notes and admin alerts, in
 * English, Persian and Russian. English (en.ts) defines the shape; fa.ts and ru.ts are typed
 * against it, so a missing text is a compile error and test/unit/texts/catalogue.test.ts checks
 * that every function shows what it is given in every language and that Persian isolates its
 * left-to-right runs (bidi.ts).
 *
 * The language follows the user's Telegram app (lang_code), unless the user picked one in
 * /settings (src/bot/settings: the router and the inbox ask it). It is stored with each offer and job
 * (media_offers.lang, jobs.lang), so the job runner writes statuses and buttons in the language
 * of the user who pressed the button, even after a restart. This room imports only src/domain.
 */
import { en, type Texts } from './en.js';
import { fa } from './fa.js';
import { ru } from './ru.js';

export type { ActivePhase, Texts } from './en.js';

export const LANGS = ['en', 'fa', 'ru'] as const;
export type Lang = (typeof LANGS)[number];

export const texts: Readonly<Record<Lang, Texts>> = { en, fa, ru };

/**
 * Each language's name in its own script: the language buttons of /settings show these whatever
 * the current language, so a user who landed in a language they cannot read still finds theirs.
 */
export const LANGUAGE_NAMES: Readonly<Record<Lang, string>> = { en: 'English', fa: 'فارسی', ru: 'Русский' };

/** "fa", "fa-IR", "ru-RU" and the like pick their language; anything else (or nothing) is English. */
export function langFor(langCode: string | undefined): Lang {
  const base = (langCode ?? '').toLowerCase().split(/[-_]/)[0];
  return base === 'fa' || base === 'ru' ? base : 'en';
}

/** The texts for a language code as Telegram or the database gives it (see langFor). */
export function textsFor(langCode: string | undefined): Texts {
  return texts[langFor(langCode)];
}
