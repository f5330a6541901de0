/**
 * A STAND-IN for the emulator's accounts side, for e2e stories about messaging while the real one
 * (world/accounts.ts, rpc/auth.ts, users.ts, help.ts, upload.ts) is not in the tree yet. It
 * models only what GramJS needs to log a bot in by token and a user by login code: one bot, two
 * users (no 2FA, no files), auth keys bound to accounts in the world's own SQLite file (so the
 * restart story works). Delete it once the real accounts side registers itself with
 * setDefaultAccountsWiring.
 */
import { Api } from 'telegram';
import { RpcError } from '../../src/emulator/contract.js';
import type { AccountsWiring } from '../../src/emulator/index.js';
import { authKeyIdOf } from '../../src/emulator/mtproto/crypto.js';
import { long, num, type Db } from '../../src/emulator/world/db.js';
import type { RpcMethod } from '../../src/emulator/rpc/dispatch.js';
import { stubConfig } from './stubWorld.js';

const BOT = { id: 7001, username: 'courier_sandbox_bot', firstName: 'Courier' };
const USERS = [
  { id: 8001, phone: '+15550000001', firstName: 'Alice' },
  { id: 8002, phone: '+15550000002', firstName: 'Bob' },
];
const BOT_TOKEN = `${BOT.id}:interim-sandbox-token-aaaaaaaaaaaaaaaaa`;
const LOGIN_CODE = '12345';

function accessHashOf(id: number): bigint {
  return BigInt(id) * 1_000_003n;
}

function apiUser(id: number, viewer: number): Api.User {
  const u = USERS.find((x) => x.id === id);
  return new Api.User({
    id: long(id),
    accessHash: long(accessHashOf(id)),
    self: id === viewer,
    bot: id === BOT.id,
    firstName: u?.firstName ?? BOT.firstName,
    ...(id === BOT.id ? { username: BOT.username, botInfoVersion: 1 } : { phone: u?.phone.slice(1) }),
  });
}

function openInterimAccounts(db: Db): ReturnType<AccountsWiring['open']> {
  db.exec('CREATE TABLE IF NOT EXISTS interim_auth_keys (id TEXT PRIMARY KEY, key BLOB NOT NULL, user_id INTEGER)');
  const get = db.prepare<[string], { key: Buffer; user_id: number | null }>('SELECT key, user_id FROM interim_auth_keys WHERE id = ?');
  const put = db.prepare('INSERT OR REPLACE INTO interim_auth_keys (id, key, user_id) VALUES (?, ?, NULL)');
  const keysOf = db.prepare<[number], { id: string }>('SELECT id FROM interim_auth_keys WHERE user_id = ?');
  const exists = (id: number): boolean => id === BOT.id || USERS.some((u) => u.id === id);
  return {
    authKeys: {
      get: (id) => get.get(id.toString())?.key,
      put: (id, key) => {
        if (authKeyIdOf(key) !== id) throw new Error('auth key id does not match the key');
        put.run(id.toString(), key);
      },
      userOf: (id) => get.get(id.toString())?.user_id ?? null,
      keysOf: (userId) => keysOf.all(userId).map((r) => BigInt(r.id)),
    },
    users: { exists, isBot: (id) => id === BOT.id, toApiUser: (id, viewer) => apiUser(id, viewer) },
    resolveMedia: () => {
      throw new RpcError(400, 'MEDIA_INVALID');
    },
    seedAccounts: () => ({
      api_id: 17349,
      api_hash: 'interim0hash0000000000000000000',
      bot_token: BOT_TOKEN,
      bot_username: BOT.username,
      bot_user_id: BOT.id,
      login_code: LOGIN_CODE,
      users: USERS.map((u) => ({ phone: u.phone, first_name: u.firstName, user_id: u.id })),
    }),
  };
}

function bind(db: Db, authKeyId: bigint, userId: number): void {
  db.prepare('UPDATE interim_auth_keys SET user_id = ? WHERE id = ?').run(userId, authKeyId.toString());
}

const handlers: Record<string, RpcMethod> = {
  'help.GetConfig': () => stubConfig('127.0.0.1', 443, 2),
  'auth.ImportBotAuthorization': (req: Api.auth.ImportBotAuthorization, { world, ctx }) => {
    if (req.botAuthToken !== BOT_TOKEN) throw new RpcError(400, 'ACCESS_TOKEN_INVALID');
    bind(world.db, ctx.authKeyId, BOT.id);
    return new Api.auth.Authorization({ user: apiUser(BOT.id, BOT.id) });
  },
  'auth.SendCode': (req: Api.auth.SendCode) => {
    if (!USERS.some((u) => u.phone.replace('+', '') === req.phoneNumber.replace('+', ''))) throw new RpcError(400, 'PHONE_NUMBER_INVALID');
    return new Api.auth.SentCode({ type: new Api.auth.SentCodeTypeApp({ length: LOGIN_CODE.length }), phoneCodeHash: 'interim' });
  },
  'auth.SignIn': (req: Api.auth.SignIn, { world, ctx }) => {
    const u = USERS.find((x) => x.phone.replace('+', '') === req.phoneNumber.replace('+', ''));
    if (!u) throw new RpcError(400, 'PHONE_NUMBER_INVALID');
    if (req.phoneCode !== LOGIN_CODE) throw new RpcError(400, 'PHONE_CODE_INVALID');
    bind(world.db, ctx.authKeyId, u.id);
    return new Api.auth.Authorization({ user: apiUser(u.id, u.id) });
  },
  'users.GetUsers': (req: Api.users.GetUsers, { userId }) =>
    req.id.map((i) => apiUser(i instanceof Api.InputUserSelf ? userId : i instanceof Api.InputUser ? num(i.userId) : -1, userId)),
  'contacts.ResolveUsername': (req: Api.contacts.ResolveUsername, { userId }) => {
    if (req.username.toLowerCase() !== BOT.username) throw new RpcError(400, 'USERNAME_NOT_OCCUPIED');
    return new Api.contacts.ResolvedPeer({ peer: new Api.PeerUser({ userId: long(BOT.id) }), chats: [], users: [apiUser(BOT.id, userId)] });
  },
};

/**
 * True while startTestEmulator uses this stand-in. Stories that need what it does not model
 * (2FA/SRP, file upload and download) are pending until then; flip it when the real accounts side
 * is wired (and delete this file).
 */
export const USING_INTERIM_ACCOUNTS = true;

export const interimAccounts: AccountsWiring = { open: (db) => openInterimAccounts(db), handlers };
