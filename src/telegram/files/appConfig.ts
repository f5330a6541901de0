/**
 * Telegram's per-file upload limit, read from the client configuration (help.getAppConfig,
 * core.telegram.org/api/config#client-configuration): upload_max_fileparts_default is the most
 * 512 KiB parts one file may have for bots and non-Premium users (4000 today, i.e. 2000 MiB).
 * Courier splits results above it (src/transfer/resultParts.ts, src/media/split/video.ts), so it
 * asks Telegram instead of trusting a constant that Telegram may change.
 *
 * The answer is cached: asked again only after `ttlMs`, and then with the hash of the config held,
 * so an unchanged config costs one help.appConfigNotModified. When the key is missing or the call
 * fails, the last known value stands (4000 parts before any answer) and the lookup is tried
 * again after APP_CONFIG_RETRY_MS: a limit that is a little off
 * only makes Telegram refuse one upload, while a failed lookup must not fail every job.
 */
import { Api } from 'telegram';
import { z } from 'zod';
import { MAX_PARTS, MAX_PART_SIZE } from '../../transfer/uploadPlan.js';

/** Telegram's own apps refresh the client configuration about hourly. */
export const APP_CONFIG_TTL_MS = 60 * 60_000;
/**
 * After a failed lookup, the next one waits this long: a refusal (should Telegram ever refuse
 * the method to bots) or an outage must not cost a failing call and a log line per job.
 */
export const APP_CONFIG_RETRY_MS = 5 * 60_000;

/** TL JSONValue as plain JSON. */
export function plainJson(value: Api.TypeJSONValue): unknown {
  if (value instanceof Api.JsonObject) return Object.fromEntries(value.value.map((entry) => [entry.key, plainJson(entry.value)]));
  if (value instanceof Api.JsonArray) return value.value.map(plainJson);
  if (value instanceof Api.JsonNull) return null;
  return value.value;
}

/** Only the key Courier uses; the others are Telegram's business and may have any shape. */
const uploadKeysSchema = z.object({ upload_max_fileparts_default: z.number().int().positive().optional() });

/** upload_max_fileparts_default of a client configuration, or null when it has none (or nonsense). */
export function uploadPartsOf(config: unknown): number | null {
  const parsed = uploadKeysSchema.safeParse(config);
  return parsed.success ? (parsed.data.upload_max_fileparts_default ?? null) : null;
}

export interface UploadLimitDeps {
  /** Sends help.getAppConfig with the hash held (0 for none). */
  getAppConfig(hash: number): Promise<Api.help.TypeAppConfig>;
  now(): number;
  ttlMs?: number;
  retryMs?: number;
  /** Told when the lookup failed and the last known limit is used. */
  onError?(error: unknown): void;
}

export interface UploadLimit {
  /** upload_max_fileparts_default (4000 when Telegram did not say). */
  maxParts(): Promise<number>;
  /** maxParts × 512 KiB. */
  maxBytes(): Promise<number>;
}

export function createUploadLimit(deps: UploadLimitDeps): UploadLimit {
  const ttlMs = deps.ttlMs ?? APP_CONFIG_TTL_MS;
  const retryMs = deps.retryMs ?? APP_CONFIG_RETRY_MS;
  let parts = MAX_PARTS;
  let hash = 0;
  /** When to ask Telegram next; null: at the first call. */
  let nextCheckAt: number | null = null;
  let inFlight: Promise<number> | null = null;

  async function refresh(): Promise<number> {
    try {
      const answer = await deps.getAppConfig(hash);
      if (answer instanceof Api.help.AppConfig) {
        hash = answer.hash;
        parts = uploadPartsOf(plainJson(answer.config)) ?? MAX_PARTS;
      }
      nextCheckAt = deps.now() + ttlMs;
    } catch (error) {
      nextCheckAt = deps.now() + retryMs;
      deps.onError?.(error);
    }
    return parts;
  }

  async function maxParts(): Promise<number> {
    if (nextCheckAt !== null && deps.now() < nextCheckAt) return parts;
    inFlight ??= refresh().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  return { maxParts, maxBytes: async () => (await maxParts()) * MAX_PART_SIZE };
}
