/**
 * src/telegram/login/: the operator's one-time login: the dialogue (this file, plain logic) and
 * its GramJS side (loginClient.ts, which also runs it on a terminal under the session's process
 * lock). Invariants: a session is saved only after a sign-in succeeded; login/ may build a
 * client (connection/), but connection/ never imports login/.
 *
 * The operator's one-time login dialogue (`npm run login`): api_id and api_hash unless they are
 * configured, then a bot token or a phone number. A token signs in as the bot
 * (auth.importBotAuthorization); a phone number gets a login code and, when the account has
 * two-step verification, its password (core.telegram.org/api/auth, /api/srp). A wrong code or
 * password is asked again a few times with a clear message. On success the session is saved.
 *
 * The dialogue is plain logic over two seams, a Prompt and a LoginClient, so it is tested without
 * a terminal or a network; the GramJS LoginClient lives in loginClient.ts. Nothing secret (hash,
 * token, code, password, session) is ever echoed, and every answer typed hidden (and the phone
 * number, with and without its "+") is registered for redaction the moment it is read, before
 * GramJS gets a chance to log it.
 */
import { registerSecret } from '../../log/logger.js';


export interface Prompt {
  text(question: string): Promise<string>;
  /** Like text, but the answer is not shown while typed. */
  password(question: string): Promise<string>;
}

export interface LoggedInUser {
  id: string;
  username: string | null;
  firstName: string | null;
  bot: boolean;
}

export type BotSignIn = { kind: 'ok'; user: LoggedInUser } | { kind: 'token_invalid' };
export type SendCodeResult = { kind: 'sent'; phoneCodeHash: string } | { kind: 'phone_invalid' };
export type CodeSignIn =
  | { kind: 'ok'; user: LoggedInUser }
  | { kind: 'password_needed' }
  | { kind: 'code_invalid' }
  | { kind: 'code_expired' }
  | { kind: 'sign_up_required' };
export type PasswordSignIn = { kind: 'ok'; user: LoggedInUser } | { kind: 'password_invalid' };

/** The Telegram side of a login; failures the operator can correct come back as results, not throws. */
export interface LoginClient {
  connect(): Promise<void>;
  signInBot(token: string): Promise<BotSignIn>;
  sendCode(phone: string): Promise<SendCodeResult>;
  signInWithCode(phone: string, phoneCodeHash: string, code: string): Promise<CodeSignIn>;
  signInWithPassword(password: string): Promise<PasswordSignIn>;
  sessionString(): string;
  disconnect(): Promise<void>;
}

export interface LoginDeps {
  prompt: Prompt;
  createClient(apiId: number, apiHash: string): LoginClient;
  saveSession(session: string): void;
  out(line: string): void;
  isInteractive: boolean;
  /** Configured credentials; asked for when absent. */
  apiId?: number;
  apiHash?: string;
  /** A configured bot token: signs in as that bot without asking. */
  botToken?: string;
  /** How many times a wrong answer is asked again (default 3). */
  maxAttempts?: number;
  /** The command named in the closing line (default `npm start`; against a sandbox, with its --sandbox DIR). */
  startCommand?: string;
}

export class LoginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoginError';
  }
}

export const EXIT_NOT_INTERACTIVE = 2;

const BOT_TOKEN = /^\d+:[\w-]+$/;
const PHONE = /^\+?[\d\s()-]{5,20}$/;

/** Returns the process exit code: 0 logged in, 2 no terminal; other failures throw LoginError. */
export async function runLogin(deps: LoginDeps): Promise<number> {
  if (!deps.isInteractive) {
    deps.out('login needs a terminal to ask for the token or code; run `npm run login` in an interactive shell (not under CI or with redirected input).');
    return EXIT_NOT_INTERACTIVE;
  }
  const tries = deps.maxAttempts ?? 3;
  // Given credentials (configured, or a sandbox's) are masked like typed ones.
  registerSecret(deps.apiHash);
  registerSecret(deps.botToken);
  const ask = async (question: string, secret = false) => {
    const answer = (await (secret ? deps.prompt.password(question) : deps.prompt.text(question))).trim();
    if (secret) registerSecret(answer);
    return answer;
  };

  const apiId = deps.apiId ?? Number(await askUntil(deps, tries, () => ask('api_id (from https://my.telegram.org):'), (a) => /^\d{1,12}$/.test(a) && Number(a) > 0, 'api_id is a number, e.g. 123456.'));
  const apiHash = deps.apiHash ?? (await askUntil(deps, tries, () => ask('api_hash:', true), (a) => /^[0-9a-f]{32}$/i.test(a), 'api_hash is 32 hexadecimal characters.'));

  const client = deps.createClient(apiId, apiHash);
  await client.connect();
  try {
    const user = await signIn(deps, client, ask, tries);
    deps.saveSession(client.sessionString());
    const name = user.username ? `@${user.username}` : (user.firstName ?? 'an account without a name');
    deps.out(`Logged in as ${name} (id ${user.id}${user.bot ? ', a bot' : ''}). Start Courier with \`${deps.startCommand ?? 'npm start'}\`.`);
    return 0;
  } finally {
    await client.disconnect();
  }
}

type Ask = (question: string, secret?: boolean) => Promise<string>;

async function signIn(deps: LoginDeps, client: LoginClient, ask: Ask, tries: number): Promise<LoggedInUser> {
  if (deps.botToken) {
    const result = await client.signInBot(deps.botToken);
    if (result.kind === 'ok') return result.user;
    throw new LoginError('Telegram rejected the configured bot token (telegram.botToken); copy it again from @BotFather (/mybots, API Token).');
  }
  for (let attempt = 1; ; attempt += 1) {
    const answer = await ask('Bot token (from @BotFather) or phone number (international format, e.g. +44 7700 900123):', true);
    if (BOT_TOKEN.test(answer)) {
      const result = await client.signInBot(answer);
      if (result.kind === 'ok') return result.user;
      retryOrFail(deps, attempt, tries, 'Telegram rejected that bot token; copy it again from @BotFather (/mybots, API Token).');
    } else if (PHONE.test(answer)) {
      const phone = answer.replace(/[\s()-]/g, '');
      // Telegram and GramJS write the number without its "+": mask every form it may take.
      for (const form of [phone, phone.replace(/^\+/, '')]) registerSecret(form);
      const sent = await client.sendCode(phone);
      if (sent.kind === 'sent') return signInUser(deps, client, ask, tries, phone, sent.phoneCodeHash);
      retryOrFail(deps, attempt, tries, 'Telegram does not accept that phone number; type it with the country code, e.g. +44 7700 900123.');
    } else {
      retryOrFail(deps, attempt, tries, 'That is neither a bot token (digits, a colon, then letters) nor a phone number.');
    }
  }
}

async function signInUser(deps: LoginDeps, client: LoginClient, ask: Ask, tries: number, phone: string, phoneCodeHash: string): Promise<LoggedInUser> {
  for (let attempt = 1; ; attempt += 1) {
    const typed = await ask('Login code (Telegram sent it to your app or by SMS):', true);
    const code = typed.replace(/\D/g, '');
    registerSecret(code);
    const result = await client.signInWithCode(phone, phoneCodeHash, code);
    switch (result.kind) {
      case 'ok':
        return result.user;
      case 'password_needed':
        return signInWithPassword(deps, client, ask, tries);
      case 'code_expired':
        throw new LoginError('The login code expired; run `npm run login` again to get a new one.');
      case 'sign_up_required':
        throw new LoginError('That phone number has no Telegram account; sign up in a Telegram app first, then run `npm run login` again.');
      case 'code_invalid':
        retryOrFail(deps, attempt, tries, 'That code is not right; check the latest code Telegram sent.');
    }
  }
}

async function signInWithPassword(deps: LoginDeps, client: LoginClient, ask: Ask, tries: number): Promise<LoggedInUser> {
  for (let attempt = 1; ; attempt += 1) {
    const password = await ask('This account has two-step verification; its password:', true);
    const result = await client.signInWithPassword(password);
    if (result.kind === 'ok') return result.user;
    retryOrFail(deps, attempt, tries, 'That password is not right.');
  }
}

function retryOrFail(deps: LoginDeps, attempt: number, tries: number, problem: string): void {
  if (attempt >= tries) throw new LoginError(`${problem} Gave up after ${tries} tries; run \`npm run login\` again.`);
  deps.out(`${problem} Try again (${tries - attempt} left).`);
}

async function askUntil(deps: LoginDeps, tries: number, ask: () => Promise<string>, valid: (answer: string) => boolean, problem: string): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const answer = await ask();
    if (valid(answer)) return answer;
    retryOrFail(deps, attempt, tries, problem);
  }
}
