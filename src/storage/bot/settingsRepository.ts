/**
 * Each user's /settings choices (table user_settings of migration 006): read on every update
 * (the language of every reply), written by a press in the settings menu.
 *
 * A row is { schema_version, settings JSON }. Reading never throws on the row's content: a row of
 * an older or newer shape, or a hand-edited one, is read field by field (readUserSettings), what
 * is not understood reads as its default, and a warning names the user and the fields, so a bad
 * row costs a user a setting, never every reply. How a later change of shape becomes a migration
 * is written in migrations/006-user-settings.ts.
 *
 * Exactly once: a press stores an absolute value ("audio format = opus"), never a toggle, so the
 * same press handled again after a crash (the inbox re-runs an update whose handler did not
 * finish) writes what is already there and changes nothing; a write that changes nothing is
 * skipped, so updated_at and updated_by keep naming the press that really made the change.
 */
import type { Database, Statement } from 'better-sqlite3';
import { DEFAULT_USER_SETTINGS, readUserSettings, SETTING_KEYS, type UserSettings } from '../../domain/userSettings.js';
import { logger } from '../../log/logger.js';

const log = logger('settings');
const warned = new Set<string>();

/** The shape this Courier writes. Raise it only together with a migration that rewrites older rows. */
export const USER_SETTINGS_VERSION = 1;

interface Row {
  schema_version: number;
  settings: string;
  updated_at: number;
  updated_by: string;
}

export interface StoredSettings {
  settings: UserSettings;
  /** null when the user never changed a setting. */
  updatedAt: number | null;
  updatedBy: string | null;
}

interface Statements {
  select: Statement<[string], Row>;
  upsert: Statement<[string, number, string, number, string]>;
}

const cache = new WeakMap<Database, Statements>();

// Prepared once per connection: every update reads its sender's settings.
function statements(db: Database): Statements {
  let s = cache.get(db);
  if (!s) {
    s = {
      select: db.prepare<[string], Row>('SELECT schema_version, settings, updated_at, updated_by FROM user_settings WHERE user_id = ?'),
      upsert: db.prepare(
        `INSERT INTO user_settings (user_id, schema_version, settings, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET schema_version = excluded.schema_version, settings = excluded.settings,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      ),
    };
    cache.set(db, s);
  }
  return s;
}

function parseStored(userId: string, row: Row): { settings: UserSettings; raw: Record<string, unknown> } {
  let raw: unknown;
  try {
    raw = JSON.parse(row.settings);
  } catch {
    raw = null;
  }
  const { settings, unreadable } = readUserSettings(raw);
  const broken = raw === null || typeof raw !== 'object' || Array.isArray(raw) ? ['the whole row'] : unreadable;
  // A newer shape may mean other things by a field; only a row of a shape this Courier knows is
  // wrong. Warned once per user and process: the row is read on every update.
  if (broken.length > 0 && row.schema_version <= USER_SETTINGS_VERSION && !warned.has(userId)) {
    warned.add(userId);
    log.warn(`user ${userId}'s stored settings (version ${row.schema_version}) had unreadable ${broken.join(', ')}; using the defaults for those — fix or delete the row in user_settings`);
  }
  const object = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  return { settings, raw: object };
}

/** The user's settings and when they last changed; the defaults when the user has no row. */
export function loadUserSettings(db: Database, userId: string): StoredSettings {
  const row = statements(db).select.get(userId);
  if (!row) return { settings: { ...DEFAULT_USER_SETTINGS }, updatedAt: null, updatedBy: null };
  return { settings: parseStored(userId, row).settings, updatedAt: row.updated_at, updatedBy: row.updated_by };
}

/**
 * Stores `next` for `userId` on behalf of the update `updateKey`. Returns false (and writes
 * nothing) when the stored settings already equal `next`. Fields of a newer shape that this
 * Courier does not know are kept, and so is a newer version number: an old binary running for a
 * while on a newer database does not throw away what the newer one stored.
 */
export function saveUserSettings(db: Database, userId: string, next: UserSettings, updateKey: string, now: number): boolean {
  const s = statements(db);
  const row = s.select.get(userId);
  const stored = row ? parseStored(userId, row) : { settings: { ...DEFAULT_USER_SETTINGS }, raw: {} };
  const same = SETTING_KEYS.every((key) => stored.settings[key] === next[key]);
  if (same) return false;
  const picked = Object.fromEntries(SETTING_KEYS.map((key) => [key, next[key]]));
  const version = Math.max(row?.schema_version ?? USER_SETTINGS_VERSION, USER_SETTINGS_VERSION);
  s.upsert.run(userId, version, JSON.stringify({ ...stored.raw, ...picked }), now, updateKey);
  return true;
}
