/**
 * The callback data behind the /settings menu's buttons. Telegram gives a button at most 64
 * bytes (core.telegram.org/bots/api#inlinekeyboardbutton), so the data is short and positional:
 *
 *   "s1|h"                the menu's first page
 *   "s1|o|<key>"          the choices of one setting (key: one letter, see KEY_CODE)
 *   "s1|s|<key>|<value>"  store this value, then show the first page
 *
 * A press names the value it stores, never "toggle" or "next": the same press handled twice
 * (after a crash, or a double tap) stores the same thing, and a menu message left from long ago
 * still means what its labels say. "s1" is the format's version, so data from a future or past
 * format is refused (SettingsCallbackError) rather than misread. Decoding checks each part with
 * zod and the value against the setting's own allowed values.
 */
import { z } from 'zod';
import { isSettingValue, SETTING_KEYS, type SettingKey, type UserSettings } from '../../domain/userSettings.js';

export const SETTINGS_CALLBACK_PREFIX = 's1|';
const MAX_BYTES = 64;

export type SettingsPress =
  | { op: 'home' }
  | { op: 'open'; key: SettingKey }
  | { [K in SettingKey]: { op: 'set'; key: K; value: UserSettings[K] } }[SettingKey];

const KEY_CODE: Record<SettingKey, string> = { lang: 'l', audioFormat: 'a', compressPreset: 'c', onNewFile: 'n', videoAs: 'v' };
const CODE_KEY = new Map(SETTING_KEYS.map((key) => [KEY_CODE[key], key]));

/** Callback data under the settings prefix that this Courier cannot read. */
export class SettingsCallbackError extends Error {
  override readonly name = 'SettingsCallbackError';
  constructor(detail: string) {
    super(`This settings button's data is not valid (${detail}); it may come from another Courier version — send /settings for a fresh menu.`);
  }
}

const partsSchema = z.union([
  z.tuple([z.literal('s1'), z.literal('h')]),
  z.tuple([z.literal('s1'), z.literal('o'), z.string().length(1)]),
  z.tuple([z.literal('s1'), z.literal('s'), z.string().length(1), z.string().regex(/^[A-Za-z0-9]{1,24}$/)]),
]);

export function encodeSettingsPress(press: SettingsPress): string {
  const parts = press.op === 'home' ? ['s1', 'h'] : press.op === 'open' ? ['s1', 'o', KEY_CODE[press.key]] : ['s1', 's', KEY_CODE[press.key], String(press.value)];
  if (press.op === 'set' && !isSettingValue(press.key, press.value)) throw new SettingsCallbackError(`${String(press.value)} is not a value of ${press.key}`);
  const data = parts.join('|');
  if (Buffer.byteLength(data, 'utf8') > MAX_BYTES) throw new SettingsCallbackError(`${Buffer.byteLength(data, 'utf8')} bytes is over Telegram's 64`);
  return data;
}

export function decodeSettingsPress(data: string): SettingsPress {
  if (Buffer.byteLength(data, 'utf8') > MAX_BYTES) throw new SettingsCallbackError('longer than 64 bytes');
  const parsed = partsSchema.safeParse(data.split('|'));
  if (!parsed.success) throw new SettingsCallbackError(`unknown format ${JSON.stringify(data)}`);
  const parts = parsed.data;
  if (parts[1] === 'h') return { op: 'home' };
  const key = CODE_KEY.get(parts[2]);
  if (key === undefined) throw new SettingsCallbackError(`unknown setting code ${JSON.stringify(parts[2])}`);
  if (parts[1] === 'o') return { op: 'open', key };
  const value = parts[3];
  if (!isSettingValue(key, value)) throw new SettingsCallbackError(`${JSON.stringify(value)} is not a value of ${key}`);
  return { op: 'set', key, value } as SettingsPress;
}
