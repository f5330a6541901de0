/**
 * help.getAppConfig (core.telegram.org/method/help.getAppConfig): the "client configuration", a
 * JSON object of app-level parameters (core.telegram.org/api/config#client-configuration),
 * wrapped in help.appConfig with a hash. A client sends back the hash it holds; when nothing
 * changed the answer is help.appConfigNotModified, so polling it is cheap.
 *
 * SIMPLIFICATION: of Telegram's many keys only the ones a bot's uploads depend on are listed:
 * upload_max_fileparts_default and upload_max_fileparts_premium (the most 512 KiB parts one
 * file may have, core.telegram.org/api/files). They come from the world's limits, which tests
 * may change on a running world; the hash follows the content, so a change shows at the next call.
 */
import { createHash } from 'node:crypto';
import { Api } from 'telegram';
import { DEFAULT_LIMITS, type Limits } from '../world.js';

type Json = number | string | boolean | null | Json[] | { [key: string]: Json };

/** The client configuration as plain JSON. */
export function appConfigJson(limits: Pick<Limits, 'uploadMaxFileparts' | 'uploadMaxFilepartsPremium'>): Record<string, Json> {
  return {
    upload_max_fileparts_default: limits.uploadMaxFileparts ?? DEFAULT_LIMITS.uploadMaxFileparts!,
    upload_max_fileparts_premium: limits.uploadMaxFilepartsPremium ?? DEFAULT_LIMITS.uploadMaxFilepartsPremium!,
  };
}

/** A non-zero int32 derived from the content (0 is what a client sends when it holds nothing). */
export function appConfigHash(config: Record<string, Json>): number {
  const hash = createHash('sha256').update(JSON.stringify(config)).digest().readInt32LE(0);
  return hash === 0 ? 1 : hash;
}

/** Plain JSON as TL JSONValue (jsonObject, jsonNumber, ...). */
export function toTlJson(value: Json): Api.TypeJSONValue {
  if (value === null) return new Api.JsonNull();
  if (typeof value === 'number') return new Api.JsonNumber({ value });
  if (typeof value === 'string') return new Api.JsonString({ value });
  if (typeof value === 'boolean') return new Api.JsonBool({ value });
  if (Array.isArray(value)) return new Api.JsonArray({ value: value.map(toTlJson) });
  return new Api.JsonObject({ value: Object.entries(value).map(([key, v]) => new Api.JsonObjectValue({ key, value: toTlJson(v) })) });
}

/** The answer to help.getAppConfig(hash). */
export function answerAppConfig(limits: Limits, clientHash: number): Api.help.TypeAppConfig {
  const config = appConfigJson(limits);
  const hash = appConfigHash(config);
  if (clientHash === hash) return new Api.help.AppConfigNotModified();
  return new Api.help.AppConfig({ hash, config: toTlJson(config) });
}
