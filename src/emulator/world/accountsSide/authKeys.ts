/**
 * Persisted auth keys (contract.ts AuthKeyStore) and which account each is signed in as.
 *
 * auth_key_id is the low 64 bits of SHA1(auth_key) read as a signed little-endian long
 * (core.telegram.org/mtproto/description#key-identifier-auth-key-id), so it is stored as a
 * signed SQLite INTEGER, read back with better-sqlite3's safeIntegers (BigInt) to stay exact.
 * The protocol half names keys by the unsigned reading (mtproto/crypto.ts authKeyIdOf); keysOf
 * answers in that form.
 *
 * Each key also keeps the lang_code of the latest initConnection sent with it, numbered by a
 * world-wide counter (init_seq) so "latest" stays exact under a fake clock. A user's language, as
 * bots see it, is that of the key they connected with last.
 */
import type { AuthKeyStore } from '../../contract.js';
import type { Db } from '../db.js';
import type { KeyDirectory } from '../updates.js';

export interface AccountAuthKeys extends AuthKeyStore, KeyDirectory {
  /** Signs the auth key in as `userId` (auth.signIn, auth.importBotAuthorization...). */
  bind(authKeyId: bigint, userId: number): void;
  /** Signs the auth key out (auth.logOut); the key itself stays valid. */
  unbind(authKeyId: bigint): void;
  /**
   * The language a user's app declared most recently, over all their signed-in keys; null when
   * none declared one. SIMPLIFICATION: with several sessions Telegram's choice is not documented;
   * this takes the latest initConnection of any of the user's keys.
   */
  langCodeOf(userId: number): string | null;
}

export class AuthKeyNotFoundError extends Error {
  constructor(authKeyId: bigint) {
    super(`auth key ${authKeyId} is not known to the emulator; it must finish the DH handshake (put) before it can be signed in`);
    this.name = 'AuthKeyNotFoundError';
  }
}

export function initAuthKeysSchema(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS auth_keys (
      id INTEGER PRIMARY KEY,
      key BLOB NOT NULL,
      user_id INTEGER,
      created_ms INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS auth_keys_user ON auth_keys (user_id);
  `);
  // Data directories written before languages were modelled lack these columns.
  const columns = new Set(db.prepare<[], { name: string }>('PRAGMA table_info(auth_keys)').all().map((c) => c.name));
  if (!columns.has('lang_code')) db.exec('ALTER TABLE auth_keys ADD COLUMN lang_code TEXT');
  if (!columns.has('init_seq')) db.exec('ALTER TABLE auth_keys ADD COLUMN init_seq INTEGER');
}

export function createAuthKeyStore(db: Db, nowMs: () => number): AccountAuthKeys {
  initAuthKeysSchema(db);
  const getRow = db.prepare<[bigint], { key: Buffer; user_id: bigint | null }>('SELECT key, user_id FROM auth_keys WHERE id = ?').safeIntegers(true);
  // A key re-put after a restart keeps its sign-in (the client still holds the same key).
  const put = db.prepare<[bigint, Buffer, number]>(
    'INSERT INTO auth_keys (id, key, user_id, created_ms) VALUES (?, ?, NULL, ?) ON CONFLICT (id) DO UPDATE SET key = excluded.key',
  );
  const bind = db.prepare<[number, bigint]>('UPDATE auth_keys SET user_id = ? WHERE id = ?');
  const unbind = db.prepare<[bigint]>('UPDATE auth_keys SET user_id = NULL WHERE id = ?');
  const keysOf = db.prepare<[number], { id: bigint }>('SELECT id FROM auth_keys WHERE user_id = ? ORDER BY created_ms, id').safeIntegers(true);
  const noteInit = db.prepare<[string, bigint]>(
    'UPDATE auth_keys SET lang_code = ?, init_seq = (SELECT COALESCE(MAX(init_seq), 0) + 1 FROM auth_keys) WHERE id = ?',
  );
  const latestLang = db.prepare<[number], { lang_code: string }>(
    "SELECT lang_code FROM auth_keys WHERE user_id = ? AND lang_code IS NOT NULL AND lang_code <> '' ORDER BY init_seq DESC LIMIT 1",
  );
  const s64 = (id: bigint): bigint => BigInt.asIntN(64, id);
  return {
    get: (id) => getRow.get(s64(id))?.key,
    put: (id, key) => {
      put.run(s64(id), key, nowMs());
    },
    userOf: (id) => {
      const u = getRow.get(s64(id))?.user_id;
      return u === null || u === undefined ? null : Number(u);
    },
    keysOf: (userId) => keysOf.all(userId).map((r) => BigInt.asUintN(64, r.id)),
    bind: (id, userId) => {
      if (bind.run(userId, s64(id)).changes === 0) throw new AuthKeyNotFoundError(id);
    },
    unbind: (id) => {
      unbind.run(s64(id));
    },
    // A key not stored yet cannot have sent initConnection (it comes after the DH handshake).
    noteConnection: (id, init) => {
      noteInit.run(init.langCode, s64(id));
    },
    langCodeOf: (userId) => latestLang.get(userId)?.lang_code ?? null,
  };
}
