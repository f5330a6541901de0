/**
 * The GramJS side of the login dialogue (login.ts): each step is one MTProto call, and the
 * errors an operator can correct become results (core.telegram.org/api/auth: PHONE_CODE_INVALID,
 * SESSION_PASSWORD_NEEDED; /api/srp: PASSWORD_HASH_INVALID; /method/auth.importBotAuthorization:
 * ACCESS_TOKEN_INVALID).
 */
import { Api, type TelegramClient } from 'telegram';
import { computeCheck } from 'telegram/Password.js';
import type { StringSession } from 'telegram/sessions/index.js';
import { rpcErrorCode } from '../rpc/rpcErrors.js';
import { buildTelegramClient, type TelegramSettings, type TelegramTarget } from '../connection/client.js';
import { runLogin, type BotSignIn, type CodeSignIn, type LoggedInUser, type LoginClient, type PasswordSignIn, type SendCodeResult } from './login.js';
import { acquireProcessLock } from '../session/processLock.js';
import { saveSession } from '../session/sessionFile.js';

export function loggedInUser(user: Api.TypeUser): LoggedInUser {
  if (!(user instanceof Api.User)) return { id: user.id.toString(), username: null, firstName: null, bot: false };
  return { id: user.id.toString(), username: user.username ?? null, firstName: user.firstName ?? null, bot: Boolean(user.bot) };
}

export function createGramLoginClient(client: TelegramClient, session: StringSession, apiId: number, apiHash: string): LoginClient {
  return {
    connect: () => client.connect().then(() => undefined),
    disconnect: () => client.destroy(),
    sessionString: () => session.save(),

    async signInBot(token: string): Promise<BotSignIn> {
      try {
        const auth = await client.invoke(new Api.auth.ImportBotAuthorization({ flags: 0, apiId, apiHash, botAuthToken: token }));
        if (!(auth instanceof Api.auth.Authorization)) return { kind: 'token_invalid' };
        return { kind: 'ok', user: loggedInUser(auth.user) };
      } catch (err) {
        const code = rpcErrorCode(err);
        if (code === 'ACCESS_TOKEN_INVALID' || code === 'ACCESS_TOKEN_EXPIRED' || code === 'BOT_INVALID') return { kind: 'token_invalid' };
        throw err;
      }
    },

    async sendCode(phone: string): Promise<SendCodeResult> {
      try {
        const sent = await client.invoke(new Api.auth.SendCode({ phoneNumber: phone, apiId, apiHash, settings: new Api.CodeSettings({}) }));
        if (!(sent instanceof Api.auth.SentCode)) throw new Error('Telegram logged this number in without a code; run login again.');
        return { kind: 'sent', phoneCodeHash: sent.phoneCodeHash };
      } catch (err) {
        if (rpcErrorCode(err) === 'PHONE_NUMBER_INVALID') return { kind: 'phone_invalid' };
        throw err;
      }
    },

    async signInWithCode(phone: string, phoneCodeHash: string, code: string): Promise<CodeSignIn> {
      try {
        const auth = await client.invoke(new Api.auth.SignIn({ phoneNumber: phone, phoneCodeHash, phoneCode: code }));
        if (auth instanceof Api.auth.AuthorizationSignUpRequired) return { kind: 'sign_up_required' };
        return { kind: 'ok', user: loggedInUser(auth.user) };
      } catch (err) {
        switch (rpcErrorCode(err)) {
          case 'SESSION_PASSWORD_NEEDED':
            return { kind: 'password_needed' };
          case 'PHONE_CODE_INVALID':
          case 'PHONE_CODE_EMPTY':
            return { kind: 'code_invalid' };
          case 'PHONE_CODE_EXPIRED':
            return { kind: 'code_expired' };
          default:
            throw err;
        }
      }
    },

    async signInWithPassword(password: string): Promise<PasswordSignIn> {
      // Each attempt needs fresh SRP parameters (account.getPassword), core.telegram.org/api/srp.
      const srp = await client.invoke(new Api.account.GetPassword());
      try {
        const auth = await client.invoke(new Api.auth.CheckPassword({ password: await computeCheck(srp, password) }));
        if (!(auth instanceof Api.auth.Authorization)) throw new Error('unexpected answer to auth.checkPassword');
        return { kind: 'ok', user: loggedInUser(auth.user) };
      } catch (err) {
        if (rpcErrorCode(err) === 'PASSWORD_HASH_INVALID') return { kind: 'password_invalid' };
        throw err;
      }
    },
  };
}

/**
 * How to start Courier on the session just saved: `npm start`, or against the same sandbox,
 * `npm start -- --sandbox DIR` (DIR quoted for a POSIX shell when it needs to be).
 */
export function startCommandFor(sandboxDir?: string): string {
  if (!sandboxDir) return 'npm start';
  const quoted = /^[\w@%+=:,./-]+$/.test(sandboxDir) ? sandboxDir : `'${sandboxDir.replace(/'/g, `'\\''`)}'`;
  return `npm start -- --sandbox ${quoted}`;
}

export interface TerminalLoginOptions {
  target: TelegramTarget;
  /** The --sandbox DIR given on the command line, named again in the closing hint. */
  sandboxDir?: string | undefined;
  telegram: TelegramSettings;
  logLevel: string;
  isInteractive: boolean;
  out: (line: string) => void;
}

/**
 * `npm run login` on a terminal: the dialogue with `input`'s prompts, GramJS underneath, the
 * session saved to the target's session file. The session's process lock is held meanwhile, so a
 * running Courier is never logged out from under itself.
 */
export async function loginOnTerminal(options: TerminalLoginOptions): Promise<number> {
  const { target } = options;
  const lock = acquireProcessLock(`${target.sessionFile}.lock`);
  try {
    const input = await import('input');
    let asked = false;
    const code = await runLogin({
      prompt: { text: (q) => input.text(q), password: (q) => input.password(q) },
      isInteractive: options.isInteractive,
      out: options.out,
      startCommand: startCommandFor(options.sandboxDir),
      saveSession: (s) => saveSession(target.sessionFile, s),
      ...(target.apiId > 0 && target.apiHash ? { apiId: target.apiId, apiHash: target.apiHash } : {}),
      ...(options.telegram.botToken && target.kind === 'telegram' ? { botToken: options.telegram.botToken } : {}),
      createClient: (apiId, apiHash) => {
        asked = apiId !== target.apiId || apiHash !== target.apiHash;
        const { client, session } = buildTelegramClient({ ...target, apiId, apiHash }, null, options.telegram, options.logLevel);
        return createGramLoginClient(client, session, apiId, apiHash);
      },
    });
    if (code === 0) options.out(`Session saved to ${target.sessionFile}.`);
    if (code === 0 && asked) {
      options.out('Courier needs the same api_id and api_hash to start: set telegram.apiId and telegram.apiHash in its config (see README).');
    }
    return code;
  } finally {
    lock.release();
  }
}
