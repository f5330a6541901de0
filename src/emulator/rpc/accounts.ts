/**
 * The accounts side's methods: auth.* (login by bot token, by code, by 2FA password; logout),
 * account.getPassword, users.*, contacts.resolveUsername, help.getConfig / getNearestDc /
 * getAppConfig and upload.*. State lives in world/accountsSide (reached with accountsOf(world.db)).
 */
import { Api } from 'telegram';
import { RpcError } from '../contract.js';
import { long, num } from '../world/db.js';
import { accountsOf, createAccountsSide, maybeAccountsOf, type AccountsInternals } from '../world/accountsSide/index.js';
import { answerAppConfig } from '../world/accountsSide/appConfig.js';
import { SRP_G, SRP_PRIME, verifySrpProof } from '../world/accountsSide/srp.js';
import type { World } from '../world/world.js';
import type { RpcCall, RpcMethod } from './dispatch.js';

/**
 * Where clients reach this DC, for help.getConfig's dc_options; called by the emulator once it
 * listens. A no-op for a world opened with another accounts side.
 */
export function setAccountsEndpoint(world: World, endpoint: { host: string; port: number; dcId: number }): void {
  const a = maybeAccountsOf(world.db);
  if (a) a.endpoint = { ...endpoint };
}

/** Marks an account as Premium (its uploads may have upload_max_fileparts_premium parts) or not. */
export function setPremium(world: World, userId: number, on: boolean): void {
  const premium = accountsOf(world.db).premium;
  if (on) premium.add(userId);
  else premium.delete(userId);
}

function checkApp(a: AccountsInternals, apiId: number, apiHash: string): void {
  const app = a.accounts.app();
  if (apiId !== app.apiId || apiHash !== app.apiHash) throw new RpcError(400, 'API_ID_INVALID');
}

function signedIn(a: AccountsInternals, call: RpcCall, userId: number): Api.auth.Authorization {
  a.keys.bind(call.ctx.authKeyId, userId);
  a.passwords.clear(call.ctx.authKeyId);
  return new Api.auth.Authorization({ user: a.accounts.toApiUser(userId, userId) });
}

/** The account an InputUser names, as `viewerId` may address it; throws USER_ID_INVALID. */
export function resolveInputUser(a: AccountsInternals, input: Api.TypeInputUser, viewerId: number): number {
  if (input instanceof Api.InputUserSelf) return viewerId;
  if (input instanceof Api.InputUser) {
    const id = num(input.userId);
    const u = a.accounts.get(id);
    // SIMPLIFICATION: bots may use access_hash 0 for users they have seen (min constructors are not modelled).
    if (u && (id === viewerId || u.accessHash === BigInt(input.accessHash.toString()) || a.accounts.isBot(viewerId))) return id;
  }
  if (input instanceof Api.InputUserFromMessage) {
    const id = num(input.userId);
    if (a.accounts.exists(id)) return id;
  }
  throw new RpcError(400, 'USER_ID_INVALID');
}

function config(a: AccountsInternals, nowSec: number): Api.Config {
  const { host, port, dcId } = a.endpoint;
  return new Api.Config({
    date: nowSec,
    expires: nowSec + 3600,
    testMode: false,
    thisDc: dcId,
    dcOptions: [new Api.DcOption({ id: dcId, ipAddress: host, port, ipv6: host.includes(':') })],
    dcTxtDomainName: 'localhost',
    chatSizeMax: 200,
    megagroupSizeMax: 200000,
    forwardedCountMax: 100,
    onlineUpdatePeriodMs: 210000,
    offlineBlurTimeoutMs: 5000,
    offlineIdleTimeoutMs: 30000,
    onlineCloudTimeoutMs: 300000,
    notifyCloudDelayMs: 30000,
    notifyDefaultDelayMs: 1500,
    pushChatPeriodMs: 60000,
    pushChatLimit: 2,
    editTimeLimit: 172800,
    revokeTimeLimit: 2147483647,
    revokePmTimeLimit: 2147483647,
    ratingEDecay: 2419200,
    stickersRecentLimit: 200,
    channelsReadMediaPeriod: 604800,
    callReceiveTimeoutMs: 20000,
    callRingTimeoutMs: 90000,
    callConnectTimeoutMs: 30000,
    callPacketTimeoutMs: 10000,
    meUrlPrefix: 'https://t.me/',
    captionLengthMax: 1024,
    messageLengthMax: 4096,
    webfileDcId: dcId,
  });
}

const authHandlers: Record<string, RpcMethod> = {
  'auth.ImportBotAuthorization': (req: Api.auth.ImportBotAuthorization, call) => {
    const a = accountsOf(call.world.db);
    checkApp(a, req.apiId, req.apiHash);
    const bot = a.accounts.byBotToken(req.botAuthToken);
    if (!bot || !bot.isBot) throw new RpcError(400, 'ACCESS_TOKEN_INVALID');
    return signedIn(a, call, bot.id);
  },
  'auth.SendCode': (req: Api.auth.SendCode, call) => {
    const a = accountsOf(call.world.db);
    checkApp(a, req.apiId, req.apiHash);
    const hash = a.codes.issue(req.phoneNumber);
    // SIMPLIFICATION: the code is "sent" to the app (sentCodeTypeApp), i.e. nowhere; it is the sandbox login code.
    return new Api.auth.SentCode({ type: new Api.auth.SentCodeTypeApp({ length: 5 }), phoneCodeHash: hash, timeout: 60 });
  },
  'auth.SignIn': (req: Api.auth.SignIn, call) => {
    const a = accountsOf(call.world.db);
    const user = a.accounts.byPhone(req.phoneNumber);
    if (!user) throw new RpcError(400, 'PHONE_NUMBER_INVALID');
    a.codes.check(req.phoneNumber, req.phoneCodeHash, req.phoneCode ?? '');
    if (user.srp) {
      // core.telegram.org/api/srp: the code alone is not enough; auth.checkPassword completes the login.
      a.passwords.awaitPassword(call.ctx.authKeyId, user.id);
      throw new RpcError(401, 'SESSION_PASSWORD_NEEDED');
    }
    return signedIn(a, call, user.id);
  },
  'auth.CheckPassword': (req: Api.auth.CheckPassword, call) => {
    const a = accountsOf(call.world.db);
    const userId = a.passwords.pendingUser(call.ctx.authKeyId) ?? (call.userId || undefined);
    const user = userId === undefined ? undefined : a.accounts.get(userId);
    if (!user?.srp) throw new RpcError(400, 'PASSWORD_HASH_INVALID');
    const pw = req.password;
    if (!(pw instanceof Api.InputCheckPasswordSRP)) throw new RpcError(400, 'PASSWORD_HASH_INVALID');
    const challenge = a.passwords.takeChallenge(user.id, BigInt(pw.srpId.toString()));
    if (!challenge) throw new RpcError(400, 'SRP_ID_INVALID');
    if (!verifySrpProof(user.srp, challenge, pw.A, pw.M1)) throw new RpcError(400, 'PASSWORD_HASH_INVALID');
    return signedIn(a, call, user.id);
  },
  'auth.LogOut': (_req: Api.auth.LogOut, call) => {
    const a = accountsOf(call.world.db);
    a.keys.unbind(call.ctx.authKeyId);
    a.passwords.clear(call.ctx.authKeyId);
    return new Api.auth.LoggedOut({});
  },
  'account.GetPassword': (_req: Api.account.GetPassword, call) => {
    const a = accountsOf(call.world.db);
    const userId = a.passwords.pendingUser(call.ctx.authKeyId) ?? call.userId;
    const user = a.accounts.get(userId);
    const common = {
      newAlgo: new Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow({ salt1: Buffer.alloc(8), salt2: Buffer.alloc(16), g: SRP_G, p: SRP_PRIME }),
      newSecureAlgo: new Api.SecurePasswordKdfAlgoPBKDF2HMACSHA512iter100000({ salt: Buffer.alloc(8) }),
      secureRandom: Buffer.alloc(32),
    };
    if (!user?.srp) return new Api.account.Password({ hasPassword: false, ...common });
    const { srpId, challenge } = a.passwords.challenge(user.id);
    return new Api.account.Password({
      hasPassword: true,
      currentAlgo: new Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow({ salt1: user.srp.salt1, salt2: user.srp.salt2, g: SRP_G, p: SRP_PRIME }),
      srp_B: challenge.B,
      srpId: long(srpId),
      ...(user.passwordHint ? { hint: user.passwordHint } : {}),
      ...common,
    });
  },
};

const userHandlers: Record<string, RpcMethod> = {
  'users.GetUsers': (req: Api.users.GetUsers, call) => {
    const a = accountsOf(call.world.db);
    return req.id.map((input) => {
      try {
        return a.accounts.toApiUser(resolveInputUser(a, input as Api.TypeInputUser, call.userId), call.userId);
      } catch {
        return new Api.UserEmpty({ id: long(input instanceof Api.InputUser ? num(input.userId) : 0) });
      }
    });
  },
  'users.GetFullUser': (req: Api.users.GetFullUser, call) => {
    const a = accountsOf(call.world.db);
    const id = resolveInputUser(a, req.id as Api.TypeInputUser, call.userId);
    const row = a.accounts.get(id)!;
    return new Api.users.UserFull({
      fullUser: new Api.UserFull({
        id: long(id),
        settings: new Api.PeerSettings({}),
        notifySettings: new Api.PeerNotifySettings({}),
        commonChatsCount: 0,
        ...(row.isBot ? { botInfo: new Api.BotInfo({ userId: long(id), description: '', commands: [] }) } : {}),
      }),
      chats: [],
      users: [a.accounts.toApiUser(id, call.userId)],
    });
  },
  'contacts.ResolveUsername': (req: Api.contacts.ResolveUsername, call) => {
    const a = accountsOf(call.world.db);
    if (!/^[A-Za-z][A-Za-z0-9_]{3,31}$/.test(req.username)) throw new RpcError(400, 'USERNAME_INVALID');
    const u = a.accounts.byUsername(req.username);
    // SIMPLIFICATION: only accounts have usernames (public chats are not resolvable).
    if (!u) throw new RpcError(400, 'USERNAME_NOT_OCCUPIED');
    return new Api.contacts.ResolvedPeer({ peer: new Api.PeerUser({ userId: long(u.id) }), chats: [], users: [a.accounts.toApiUser(u.id, call.userId)] });
  },
};

const helpHandlers: Record<string, RpcMethod> = {
  'help.GetConfig': (_req: Api.help.GetConfig, call) => config(accountsOf(call.world.db), Math.floor(call.world.nowMs() / 1000)),
  'help.GetNearestDc': (_req: Api.help.GetNearestDc, call) => {
    const dc = accountsOf(call.world.db).endpoint.dcId;
    return new Api.NearestDc({ country: 'ZZ', thisDc: dc, nearestDc: dc });
  },
  'help.GetAppConfig': (req: Api.help.GetAppConfig, call) => answerAppConfig(accountsOf(call.world.db).limits, req.hash),
};

const uploadHandlers: Record<string, RpcMethod> = {
  'upload.SaveFilePart': (req: Api.upload.SaveFilePart, call) => {
    accountsOf(call.world.db).files.savePart({ authKeyId: call.ctx.authKeyId, userId: call.userId, fileId: BigInt(req.fileId.toString()), part: req.filePart, bytes: req.bytes });
    return true;
  },
  'upload.SaveBigFilePart': (req: Api.upload.SaveBigFilePart, call) => {
    accountsOf(call.world.db).files.savePart({
      authKeyId: call.ctx.authKeyId,
      userId: call.userId,
      fileId: BigInt(req.fileId.toString()),
      part: req.filePart,
      bytes: req.bytes,
      totalParts: req.fileTotalParts,
    });
    return true;
  },
  'upload.GetFile': (req: Api.upload.GetFile, call) => accountsOf(call.world.db).files.getFile(req),
};

export const accountsHandlers: Record<string, RpcMethod> = { ...authHandlers, ...userHandlers, ...helpHandlers, ...uploadHandlers };

/** The accounts side and its methods, as startEmulator takes them (src/emulator/index.ts AccountsWiring). */
export const accountsWiring = { open: createAccountsSide, handlers: accountsHandlers } as const;
