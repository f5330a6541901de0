/**
 * The accounts side of the world (world/index.ts AccountsSide): users and bots, auth keys,
 * login codes and 2FA, uploaded files and documents, and the bots' flood limits, all over the
 * world's SQLite database. rpc/accounts.ts reaches the parts the World type does not show through
 * `accountsOf(world.db)`.
 */
import { randomBytes } from 'node:crypto';
import { Api } from 'telegram';
import { RpcError } from '../../contract.js';
import type { Schedule } from '../callbacks.js';
import type { Db } from '../db.js';
import type { AccountsSide } from '../index.js';
import { DEFAULT_LIMITS, type Limits } from '../world.js';
import { createAuthKeyStore, type AccountAuthKeys } from './authKeys.js';
import { createFileStore, type FileStore } from './files.js';
import { createFloodGate } from './flood.js';
import { createSrpChallenge, type SrpChallenge } from './srp.js';
import { createAccounts, digitsOf, SANDBOX_LOGIN_CODE, type Accounts } from './users.js';

export { createAuthKeyStore } from './authKeys.js';
export { createAccounts, SANDBOX_LOGIN_CODE, SANDBOX_BOT_USERNAME } from './users.js';
export { createFileStore } from './files.js';
export { createFloodGate } from './flood.js';

/** How long a login code stays usable (Telegram: a few minutes). */
export const LOGIN_CODE_TTL_MS = 5 * 60_000;

export interface LoginCodes {
  /** Issues a phone_code_hash for a phone (auth.sendCode). */
  issue(phone: string): string;
  /** Checks a code against a phone_code_hash; throws PHONE_CODE_* errors. */
  check(phone: string, hash: string, code: string): void;
}

export interface PendingPasswords {
  /** Remembers that this auth key passed the login code of a 2FA account. */
  awaitPassword(authKeyId: bigint, userId: number): void;
  pendingUser(authKeyId: bigint): number | undefined;
  clear(authKeyId: bigint): void;
  /** A fresh SRP challenge for account.getPassword. */
  challenge(userId: number): { srpId: bigint; challenge: SrpChallenge };
  takeChallenge(userId: number, srpId: bigint): SrpChallenge | undefined;
}

export interface AccountsInternals {
  readonly keys: AccountAuthKeys;
  readonly accounts: Accounts;
  readonly files: FileStore;
  readonly codes: LoginCodes;
  readonly passwords: PendingPasswords;
  readonly nowMs: () => number;
  /** The world's limits (live: tests change them on a running world); help.getAppConfig reports the upload ones. */
  readonly limits: Limits;
  /**
   * Accounts with Telegram Premium (uploads up to upload_max_fileparts_premium). SIMPLIFICATION:
   * in memory and set only by tests (setPremium); nothing else about Premium is modelled.
   */
  readonly premium: Set<number>;
  /** Where clients reach this DC (help.getConfig); set by the emulator once it listens. */
  endpoint: { host: string; port: number; dcId: number };
}

const internalsByDb = new WeakMap<Db, AccountsInternals>();

export function maybeAccountsOf(db: Db): AccountsInternals | undefined {
  return internalsByDb.get(db);
}

/** The accounts side opened over this database (throws when it was opened without one). */
export function accountsOf(db: Db): AccountsInternals {
  const a = internalsByDb.get(db);
  if (!a) throw new Error('this world was opened without the accounts side of src/emulator/world/accountsSide; open it with createAccountsSide');
  return a;
}

function createLoginCodes(db: Db, accounts: Accounts, nowMs: () => number, loginCode: string): LoginCodes {
  db.exec('CREATE TABLE IF NOT EXISTS login_codes (hash TEXT PRIMARY KEY, phone TEXT NOT NULL, created_ms INTEGER NOT NULL)');
  const insert = db.prepare<[string, string, number]>('INSERT INTO login_codes (hash, phone, created_ms) VALUES (?, ?, ?)');
  const get = db.prepare<[string], { phone: string; created_ms: number }>('SELECT phone, created_ms FROM login_codes WHERE hash = ?');
  const drop = db.prepare<[string]>('DELETE FROM login_codes WHERE hash = ?');
  return {
    issue(phone) {
      if (!accounts.byPhone(phone)) {
        // SIMPLIFICATION: no sign-up; only the seeded phones exist.
        throw new RpcError(400, 'PHONE_NUMBER_INVALID');
      }
      const hash = randomBytes(9).toString('hex');
      insert.run(hash, digitsOf(phone), nowMs());
      return hash;
    },
    check(phone, hash, code) {
      if (!hash) throw new RpcError(400, 'PHONE_CODE_HASH_EMPTY');
      if (!code) throw new RpcError(400, 'PHONE_CODE_EMPTY');
      const row = get.get(hash);
      if (!row || row.phone !== digitsOf(phone)) throw new RpcError(400, 'PHONE_CODE_EXPIRED');
      if (nowMs() - row.created_ms > LOGIN_CODE_TTL_MS) {
        drop.run(hash);
        throw new RpcError(400, 'PHONE_CODE_EXPIRED');
      }
      if (code !== loginCode) throw new RpcError(400, 'PHONE_CODE_INVALID');
      drop.run(hash);
    },
  };
}

function createPendingPasswords(verifierOf: (userId: number) => Buffer): PendingPasswords {
  // SIMPLIFICATION: in memory; a restart between the code and the password means sending the code again.
  const pending = new Map<bigint, number>();
  const challenges = new Map<number, { srpId: bigint; challenge: SrpChallenge }>();
  return {
    awaitPassword: (k, u) => void pending.set(k, u),
    pendingUser: (k) => pending.get(k),
    clear: (k) => void pending.delete(k),
    challenge(userId) {
      const c = { srpId: randomBytes(8).readBigInt64LE(), challenge: createSrpChallenge(verifierOf(userId)) };
      challenges.set(userId, c);
      return c;
    },
    takeChallenge(userId, srpId) {
      const c = challenges.get(userId);
      if (!c || c.srpId !== srpId) return undefined;
      challenges.delete(userId); // one M1 per srp_id: a wrong guess needs a new account.getPassword
      return c.challenge;
    },
  };
}

export function createAccountsSide(db: Db, ctx: { nowMs: () => number; schedule: Schedule; limits: Limits }): AccountsSide {
  const keys = createAuthKeyStore(db, ctx.nowMs);
  const accounts = createAccounts(db, (userId) => keys.langCodeOf(userId));
  const premium = new Set<number>();
  const maxParts = (userId: number): number =>
    premium.has(userId) ? (ctx.limits.uploadMaxFilepartsPremium ?? DEFAULT_LIMITS.uploadMaxFilepartsPremium!) : (ctx.limits.uploadMaxFileparts ?? DEFAULT_LIMITS.uploadMaxFileparts!);
  const files = createFileStore(db, ctx.nowMs, maxParts);
  const codes = createLoginCodes(db, accounts, ctx.nowMs, SANDBOX_LOGIN_CODE);
  // An account without a password still gets a well-formed challenge nobody can answer.
  const passwords = createPendingPasswords((userId) => accounts.get(userId)?.srp?.verifier ?? Buffer.alloc(256));
  internalsByDb.set(db, { keys, accounts, files, codes, passwords, nowMs: ctx.nowMs, limits: ctx.limits, premium, endpoint: { host: '127.0.0.1', port: 443, dcId: 2 } });
  return {
    authKeys: keys,
    users: accounts,
    flood: createFloodGate({ nowMs: ctx.nowMs, limits: ctx.limits, isBot: (id) => accounts.isBot(id) }),
    resolveMedia: (ownerId, media) => resolveMedia(files, ownerId, media),
    seedAccounts: () => accounts.seedAccounts(),
    close: () => void internalsByDb.delete(db),
  };
}

function resolveMedia(files: FileStore, ownerId: number, media: Api.TypeInputMedia): Api.TypeMessageMedia {
  if (media instanceof Api.InputMediaUploadedDocument) {
    const doc = files.commitUpload(ownerId, media.file, 'document', media.mimeType || 'application/octet-stream', media.attributes, media.thumb);
    return new Api.MessageMediaDocument({ document: files.toApiDocument(doc) });
  }
  if (media instanceof Api.InputMediaUploadedPhoto) {
    const doc = files.commitUpload(ownerId, media.file, 'photo', 'image/jpeg', []);
    return new Api.MessageMediaPhoto({ photo: files.toApiPhoto(doc) });
  }
  if (media instanceof Api.InputMediaDocument && media.id instanceof Api.InputDocument) {
    const doc = files.find(BigInt(media.id.id.toString()), BigInt(media.id.accessHash.toString()));
    if (!doc) throw new RpcError(400, 'MEDIA_INVALID');
    return new Api.MessageMediaDocument({ document: files.toApiDocument(doc) });
  }
  if (media instanceof Api.InputMediaPhoto && media.id instanceof Api.InputPhoto) {
    const doc = files.find(BigInt(media.id.id.toString()), BigInt(media.id.accessHash.toString()));
    if (!doc || doc.kind !== 'photo') throw new RpcError(400, 'MEDIA_INVALID');
    return new Api.MessageMediaPhoto({ photo: files.toApiPhoto(doc) });
  }
  throw new RpcError(400, 'MEDIA_INVALID');
}
