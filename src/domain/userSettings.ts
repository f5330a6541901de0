/**
 * One user's choices from /settings (src/bot/settings/), as plain data: the language Courier
 * writes in, the format Extract audio makes, the Compress preset offered first, what happens to
 * a new file, and how video results are sent. Stored per user in SQLite (user_settings, migration
 * 006) and read on every update, so a choice takes effect at once and survives restarts.
 *
 * Every field has a default that is today's behaviour without settings ('auto' language and
 * audio format, 'ask', video as video), so a user who never opens /settings notices nothing.
 *
 * The schemas below read a stored value field by field (readUserSettings): a field a newer
 * Courier wrote in a shape this one does not know falls back to its default instead of failing
 * the whole row, so an old binary on a newer database, or a hand-edited row, never crashes a
 * reply.
 */
import { z } from 'zod';

/** 'auto' follows the Telegram app's lang_code; the others win over it. */
export const SETTINGS_LANGS = ['auto', 'en', 'fa', 'ru'] as const;
/** 'auto': AAC is kept as M4A without re-encoding, anything else becomes MP3 (src/media/commands.ts). */
export const SETTINGS_AUDIO_FORMATS = ['auto', 'mp3', 'm4a', 'opus'] as const;
export const SETTINGS_COMPRESS_PRESETS = ['720p', '480p'] as const;
/** 'ask' shows the offer's buttons; an action runs at once when it fits the file (else: ask). */
export const SETTINGS_ON_NEW_FILE = ['ask', 'info', 'extractAudio', 'compress', 'sendAsFile'] as const;
/** 'video': streamable video (Telegram plays it while it loads); 'file': a document, untouched by the app. */
export const SETTINGS_VIDEO_AS = ['video', 'file'] as const;

export interface UserSettings {
  lang: (typeof SETTINGS_LANGS)[number];
  audioFormat: (typeof SETTINGS_AUDIO_FORMATS)[number];
  compressPreset: (typeof SETTINGS_COMPRESS_PRESETS)[number];
  onNewFile: (typeof SETTINGS_ON_NEW_FILE)[number];
  videoAs: (typeof SETTINGS_VIDEO_AS)[number];
}

export type SettingKey = keyof UserSettings;

export const DEFAULT_USER_SETTINGS: Readonly<UserSettings> = Object.freeze({
  lang: 'auto',
  audioFormat: 'auto',
  compressPreset: '720p',
  onNewFile: 'ask',
  videoAs: 'video',
});

/** The allowed values of each setting, in the order the menu shows them. */
export const SETTING_VALUES: { readonly [K in SettingKey]: readonly UserSettings[K][] } = {
  lang: SETTINGS_LANGS,
  audioFormat: SETTINGS_AUDIO_FORMATS,
  compressPreset: SETTINGS_COMPRESS_PRESETS,
  onNewFile: SETTINGS_ON_NEW_FILE,
  videoAs: SETTINGS_VIDEO_AS,
};

export const SETTING_KEYS = Object.keys(SETTING_VALUES) as SettingKey[];

const fieldSchemas: { [K in SettingKey]: z.ZodType<UserSettings[K]> } = {
  lang: z.enum(SETTINGS_LANGS),
  audioFormat: z.enum(SETTINGS_AUDIO_FORMATS),
  compressPreset: z.enum(SETTINGS_COMPRESS_PRESETS),
  onNewFile: z.enum(SETTINGS_ON_NEW_FILE),
  videoAs: z.enum(SETTINGS_VIDEO_AS),
};

/** The whole shape, strict: what Courier writes. */
export const userSettingsSchema: z.ZodType<UserSettings> = z.strictObject(fieldSchemas);

export interface ReadSettings {
  settings: UserSettings;
  /** Fields that were there but not understood, read as their defaults (for a log line). */
  unreadable: SettingKey[];
}

/**
 * Reads a stored value leniently: each known field that parses is kept, each other falls back to
 * its default; a missing field is simply the default (a setting added since the row was written),
 * one present in a shape not understood is also named in `unreadable`. Unknown fields are
 * ignored. Never throws.
 */
export function readUserSettings(value: unknown): ReadSettings {
  const source = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const settings: Record<string, unknown> = { ...DEFAULT_USER_SETTINGS };
  const unreadable: SettingKey[] = [];
  for (const key of SETTING_KEYS) {
    if (source[key] === undefined) continue;
    const parsed = fieldSchemas[key].safeParse(source[key]);
    if (parsed.success) settings[key] = parsed.data;
    else unreadable.push(key);
  }
  return { settings: settings as unknown as UserSettings, unreadable };
}

/** Whether `value` is one of the allowed values of `key` (callback data, hand-written rows). */
export function isSettingValue<K extends SettingKey>(key: K, value: unknown): value is UserSettings[K] {
  return fieldSchemas[key].safeParse(value).success;
}
