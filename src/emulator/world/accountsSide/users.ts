/**
 * Accounts: users and bots (world/chats.ts UserDirectory), the registered app (api_id/api_hash),
 * and the sandbox population. A bot's token is "<bot id>:<35 characters>" as @BotFather issues.
 * Phone numbers are stored as digits without "+" (how auth.sendCode carries them).
 */
import { randomBytes } from 'node:crypto';
import { Api } from 'telegram';
import { long } from '../db.js';
import type { Db } from '../db.js';
import type { UserDirectory } from '../chats.js';
import type { AccountsSeed } from '../sandboxSeed.js';
import { createSrpSecret, type SrpSecret } from './srp.js';

export interface UserRow {
  id: number;
  accessHash: bigint;
  isBot: boolean;
  firstName: string;
  lastName: string | null;
  username: string | null;
  phone: string | null;
  botToken: string | null;
  srp: SrpSecret | null;
  passwordHint: string | null;
}

/** User ids start here, well apart from chat ids (chats.ts starts at 1_000_000). */
export const FIRST_USER_ID = 5_000_001;
export const SANDBOX_BOT_USERNAME = 'courier_sandbox_bot';
/** SIMPLIFICATION: every account gets the same login code (Telegram's test DCs do the same). */
export const SANDBOX_LOGIN_CODE = '22222';
const SANDBOX_USERS: { phone: string; firstName: string; password?: string }[] = [
  { phone: '+9996620001', firstName: 'Alice' },
  { phone: '+9996620002', firstName: 'Bob' },
  { phone: '+9996620003', firstName: 'Carol', password: 'courier-sandbox-2fa' },
];

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

function randomToken(length: number): string {
  return [...randomBytes(length)].map((b) => TOKEN_ALPHABET[b % TOKEN_ALPHABET.length]).join('');
}

function randomAccessHash(): bigint {
  return randomBytes(8).readBigInt64LE();
}

export const digitsOf = (phone: string): string => phone.replace(/[^0-9]/g, '');

interface RawRow {
  id: bigint;
  access_hash: bigint;
  is_bot: bigint;
  first_name: string;
  last_name: string | null;
  username: string | null;
  phone: string | null;
  bot_token: string | null;
  srp_salt1: Buffer | null;
  srp_salt2: Buffer | null;
  srp_verifier: Buffer | null;
  password_hint: string | null;
  password_plain: string | null;
}

export interface Accounts extends UserDirectory {
  get(id: number): UserRow | undefined;
  byPhone(phone: string): UserRow | undefined;
  byUsername(username: string): UserRow | undefined;
  byBotToken(token: string): UserRow | undefined;
  app(): { apiId: number; apiHash: string };
  seedAccounts(): AccountsSeed;
}

export function initUsersSchema(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS users (
      id INTEGER PRIMARY KEY,
      access_hash INTEGER NOT NULL,
      is_bot INTEGER NOT NULL DEFAULT 0,
      first_name TEXT NOT NULL,
      last_name TEXT,
      username TEXT UNIQUE COLLATE NOCASE,
      phone TEXT UNIQUE,
      bot_token TEXT UNIQUE,
      srp_salt1 BLOB,
      srp_salt2 BLOB,
      srp_verifier BLOB,
      password_hint TEXT,
      -- Sandbox only: the 2FA password is published in sandbox.json, so it is kept to re-publish it.
      password_plain TEXT
    );
    CREATE TABLE IF NOT EXISTS accounts_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `);
}

function toRow(r: RawRow): UserRow {
  return {
    id: Number(r.id),
    accessHash: r.access_hash,
    isBot: r.is_bot !== 0n,
    firstName: r.first_name,
    lastName: r.last_name,
    username: r.username,
    phone: r.phone,
    botToken: r.bot_token,
    srp: r.srp_salt1 && r.srp_salt2 && r.srp_verifier ? { salt1: r.srp_salt1, salt2: r.srp_salt2, verifier: r.srp_verifier } : null,
    passwordHint: r.password_hint,
  };
}

/**
 * `langCodeOf` gives a user's current app language (authKeys.ts langCodeOf); without it no user
 * carries a lang_code.
 */
export function createAccounts(db: Db, langCodeOf: (userId: number) => string | null = () => null): Accounts {
  initUsersSchema(db);
  const sel = (where: string) => db.prepare<[unknown], RawRow>(`SELECT * FROM users WHERE ${where}`).safeIntegers(true);
  const byId = sel('id = ?');
  const byPhone = sel('phone = ?');
  const byUsername = sel('username = ?');
  const byToken = sel('bot_token = ?');
  const nextId = db.prepare<[], { next: number }>(`SELECT COALESCE(MAX(id) + 1, ${FIRST_USER_ID}) AS next FROM users`);
  const insert = db.prepare(
    `INSERT INTO users (id, access_hash, is_bot, first_name, username, phone, bot_token, srp_salt1, srp_salt2, srp_verifier, password_hint, password_plain)
     VALUES (@id, @accessHash, @isBot, @firstName, @username, @phone, @botToken, @salt1, @salt2, @verifier, @hint, @plain)`,
  );
  const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM accounts_meta WHERE key = ?');
  const setMeta = db.prepare<[string, string]>('INSERT OR IGNORE INTO accounts_meta (key, value) VALUES (?, ?)');
  const passwordOf = db.prepare<[number], { password_plain: string | null }>('SELECT password_plain FROM users WHERE id = ?');

  const get = (id: number): UserRow | undefined => {
    const r = byId.get(id);
    return r ? toRow(r) : undefined;
  };

  const create = (u: { isBot: boolean; firstName: string; username?: string; phone?: string; password?: string }): UserRow => {
    const id = nextId.get()!.next;
    const srp = u.password ? createSrpSecret(u.password) : null;
    insert.run({
      id,
      accessHash: randomAccessHash(),
      isBot: u.isBot ? 1 : 0,
      firstName: u.firstName,
      username: u.username ?? null,
      phone: u.phone ? digitsOf(u.phone) : null,
      botToken: u.isBot ? `${id}:${randomToken(35)}` : null,
      salt1: srp?.salt1 ?? null,
      salt2: srp?.salt2 ?? null,
      verifier: srp?.verifier ?? null,
      hint: srp ? 'sandbox' : null,
      plain: u.password ?? null,
    });
    return get(id)!;
  };

  const app = (): { apiId: number; apiHash: string } => {
    setMeta.run('api_id', String(100_000 + (randomBytes(4).readUInt32LE() % 900_000)));
    setMeta.run('api_hash', randomBytes(16).toString('hex'));
    return { apiId: Number(getMeta.get('api_id')!.value), apiHash: getMeta.get('api_hash')!.value };
  };

  const toApiUser = (id: number, viewerId: number): Api.TypeUser => {
    const u = get(id);
    if (!u) return new Api.UserEmpty({ id: long(id) });
    const self = id === viewerId;
    // user#… flags.22 lang_code: "Language code of the user", sent to bots only, and only for
    // users (a bot has no app language). Other users never see it.
    const langCode = !u.isBot && !self && get(viewerId)?.isBot ? langCodeOf(u.id) : null;
    return new Api.User({
      id: long(u.id),
      accessHash: long(u.accessHash),
      self,
      bot: u.isBot,
      firstName: u.firstName,
      ...(u.lastName ? { lastName: u.lastName } : {}),
      ...(u.username ? { username: u.username } : {}),
      // SIMPLIFICATION: nobody is anyone's contact, so a phone is shown to its owner only.
      ...(self && u.phone ? { phone: u.phone } : {}),
      ...(u.isBot ? { botInfoVersion: 1, botNochats: false } : {}),
      ...(langCode ? { langCode } : {}),
    });
  };

  return {
    exists: (id) => byId.get(id) !== undefined,
    isBot: (id) => get(id)?.isBot ?? false,
    toApiUser,
    get,
    byPhone: (phone) => {
      const r = byPhone.get(digitsOf(phone));
      return r ? toRow(r) : undefined;
    },
    byUsername: (username) => {
      const r = byUsername.get(username.replace(/^@/, ''));
      return r ? toRow(r) : undefined;
    },
    byBotToken: (token) => {
      const r = byToken.get(token);
      return r ? toRow(r) : undefined;
    },
    app,
    seedAccounts: () =>
      db.transaction((): AccountsSeed => {
        const { apiId, apiHash } = app();
        const botRow = byUsername.get(SANDBOX_BOT_USERNAME);
        const bot = botRow ? toRow(botRow) : create({ isBot: true, firstName: 'Courier Sandbox Bot', username: SANDBOX_BOT_USERNAME });
        const users = SANDBOX_USERS.map((s) => {
          const existing = byPhone.get(digitsOf(s.phone));
          const row = existing ? toRow(existing) : create({ isBot: false, firstName: s.firstName, phone: s.phone, ...(s.password ? { password: s.password } : {}) });
          const password = passwordOf.get(row.id)?.password_plain;
          return { phone: s.phone, first_name: row.firstName, user_id: row.id, ...(password ? { '2fa_password': password } : {}) };
        });
        return {
          api_id: apiId,
          api_hash: apiHash,
          bot_token: bot.botToken!,
          bot_username: bot.username!,
          bot_user_id: bot.id,
          login_code: SANDBOX_LOGIN_CODE,
          users,
        };
      })(),
  };
}
