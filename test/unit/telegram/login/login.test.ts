import { expect } from 'chai';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MASK, redactText } from '../../../../src/log/logger.js';
import { loginOnTerminal, startCommandFor } from '../../../../src/telegram/login/loginClient.js';
import {
  EXIT_NOT_INTERACTIVE,
  LoginError,
  runLogin,
  type BotSignIn,
  type CodeSignIn,
  type LoginClient,
  type LoginDeps,
  type PasswordSignIn,
  type Prompt,
} from '../../../../src/telegram/login/login.js';

const TOKEN = '123456:AAF-secret_token';
const HASH = '0123456789abcdef0123456789abcdef';
const CODE = '24680';
const PASSWORD = 'hunter2-very-secret';
const SESSION = '1AgAOMTQ5LjE1NC4xNjcuNTABu-session-secret';

/** A prompt that plays back a script and records each question. */
class ScriptedPrompt implements Prompt {
  readonly questions: { question: string; hidden: boolean }[] = [];
  constructor(private readonly answers: string[]) {}
  private next(question: string, hidden: boolean): Promise<string> {
    this.questions.push({ question, hidden });
    const answer = this.answers.shift();
    if (answer === undefined) throw new Error(`script ran out at: ${question}`);
    return Promise.resolve(answer);
  }
  text(question: string) {
    return this.next(question, false);
  }
  password(question: string) {
    return this.next(question, true);
  }
}

class StubClient implements LoginClient {
  calls: string[] = [];
  codes: string[] = [];
  passwords: string[] = [];
  connected = false;
  constructor(private readonly account: { kind: 'bot' } | { kind: 'user'; code: string; password?: string }) {}
  async connect() {
    this.connected = true;
  }
  async disconnect() {
    this.connected = false;
  }
  async signInBot(token: string): Promise<BotSignIn> {
    this.calls.push('signInBot');
    if (this.account.kind !== 'bot' || token !== TOKEN) return { kind: 'token_invalid' };
    return { kind: 'ok', user: { id: '123456', username: 'CourierBot', firstName: 'Courier', bot: true } };
  }
  async sendCode(phone: string) {
    this.calls.push(`sendCode ${phone}`);
    return { kind: 'sent' as const, phoneCodeHash: 'h1' };
  }
  async signInWithCode(_phone: string, hash: string, code: string): Promise<CodeSignIn> {
    this.calls.push(`signInWithCode ${hash}`);
    this.codes.push(code);
    if (this.account.kind !== 'user' || code !== this.account.code) return { kind: 'code_invalid' };
    if (this.account.password) return { kind: 'password_needed' };
    return { kind: 'ok', user: { id: '777', username: null, firstName: 'Alice', bot: false } };
  }
  async signInWithPassword(password: string): Promise<PasswordSignIn> {
    this.passwords.push(password);
    if (this.account.kind !== 'user' || password !== this.account.password) return { kind: 'password_invalid' };
    return { kind: 'ok', user: { id: '777', username: 'alice', firstName: 'Alice', bot: false } };
  }
  sessionString() {
    return SESSION;
  }
}

function harness(answers: string[], client: StubClient, extra: Partial<LoginDeps> = {}) {
  const out: string[] = [];
  const saved: string[] = [];
  const created: [number, string][] = [];
  const prompt = new ScriptedPrompt(answers);
  const deps: LoginDeps = {
    prompt,
    createClient: (apiId, apiHash) => {
      created.push([apiId, apiHash]);
      return client;
    },
    saveSession: (s) => saved.push(s),
    out: (line) => out.push(line),
    isInteractive: true,
    ...extra,
  };
  return { deps, out, saved, created, prompt };
}

function expectNoSecrets(lines: string[]) {
  for (const line of lines) {
    for (const secret of [TOKEN, HASH, CODE, PASSWORD, SESSION, 'AAF-secret_token']) expect(line).to.not.include(secret);
  }
}

describe('login dialogue', () => {
  it('a bot token signs in as the bot, saves the session and says who is logged in', async () => {
    const client = new StubClient({ kind: 'bot' });
    const h = harness(['12345', HASH, TOKEN], client);
    expect(await runLogin(h.deps)).to.equal(0);
    expect(h.created).to.deep.equal([[12345, HASH]]);
    expect(client.calls).to.deep.equal(['signInBot']);
    expect(h.saved).to.deep.equal([SESSION]);
    expect(h.out.at(-1)).to.match(/^Logged in as @CourierBot \(id 123456, a bot\)/);
    expect(client.connected).to.equal(false);
    // The hash and the token are typed hidden.
    expect(h.prompt.questions.map((q) => q.hidden)).to.deep.equal([false, true, true]);
    expectNoSecrets(h.out);
  });

  it('configured api_id and api_hash are not asked again', async () => {
    const client = new StubClient({ kind: 'bot' });
    const h = harness([TOKEN], client, { apiId: 99, apiHash: HASH });
    expect(await runLogin(h.deps)).to.equal(0);
    expect(h.prompt.questions).to.have.length(1);
    expect(h.created).to.deep.equal([[99, HASH]]);
  });

  it('a phone number gets a code, and the user is logged in', async () => {
    const client = new StubClient({ kind: 'user', code: CODE });
    const h = harness(['+44 7700 900123', CODE], client, { apiId: 1, apiHash: HASH });
    expect(await runLogin(h.deps)).to.equal(0);
    expect(client.calls).to.deep.equal(['sendCode +447700900123', 'signInWithCode h1']);
    expect(h.saved).to.deep.equal([SESSION]);
    expect(h.out.at(-1)).to.match(/^Logged in as Alice \(id 777\)/);
  });

  it('a wrong code is asked again with a clear message, then the right one works', async () => {
    const client = new StubClient({ kind: 'user', code: CODE });
    const h = harness(['+447700900123', '11111', CODE], client, { apiId: 1, apiHash: HASH });
    expect(await runLogin(h.deps)).to.equal(0);
    expect(client.codes).to.deep.equal(['11111', CODE]);
    expect(h.out.some((l) => /code is not right.*Try again \(2 left\)/.test(l))).to.equal(true);
    expect(h.saved).to.have.length(1);
    expectNoSecrets(h.out);
  });

  it('two-step verification: a wrong password is asked again, then the right one logs in', async () => {
    const client = new StubClient({ kind: 'user', code: CODE, password: PASSWORD });
    const h = harness(['+447700900123', CODE, 'wrong', PASSWORD], client, { apiId: 1, apiHash: HASH });
    expect(await runLogin(h.deps)).to.equal(0);
    expect(client.passwords).to.deep.equal(['wrong', PASSWORD]);
    expect(h.out.some((l) => /password is not right/.test(l))).to.equal(true);
    expect(h.out.at(-1)).to.match(/^Logged in as @alice \(id 777\)/);
    expect(h.prompt.questions.at(-1)!.hidden).to.equal(true);
    expectNoSecrets(h.out);
  });

  it('gives up after the allowed tries with a LoginError, saving nothing', async () => {
    const client = new StubClient({ kind: 'user', code: CODE });
    const h = harness(['+447700900123', '1', '2', '3'], client, { apiId: 1, apiHash: HASH, maxAttempts: 3 });
    let caught: unknown;
    try {
      await runLogin(h.deps);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(LoginError);
    expect((caught as Error).message).to.match(/Gave up after 3 tries.*npm run login/);
    expect(h.saved).to.have.length(0);
    expect(client.connected).to.equal(false);
  });

  it('a rejected bot token is asked again', async () => {
    const client = new StubClient({ kind: 'bot' });
    const h = harness(['1:wrong', TOKEN], client, { apiId: 1, apiHash: HASH });
    expect(await runLogin(h.deps)).to.equal(0);
    expect(client.calls).to.deep.equal(['signInBot', 'signInBot']);
    expect(h.out[0]).to.match(/rejected that bot token/);
  });

  it('an answer that is neither token nor phone, and a malformed api_id, are asked again', async () => {
    const client = new StubClient({ kind: 'bot' });
    const h = harness(['abc', '12345', HASH, 'hello', TOKEN], client);
    expect(await runLogin(h.deps)).to.equal(0);
    expect(h.out.filter((l) => /Try again/.test(l))).to.have.length(2);
  });

  it('without a terminal it refuses in one line with exit code 2 and asks nothing', async () => {
    const client = new StubClient({ kind: 'bot' });
    const h = harness([], client, { isInteractive: false });
    expect(await runLogin(h.deps)).to.equal(EXIT_NOT_INTERACTIVE);
    expect(h.out).to.have.length(1);
    expect(h.out[0]).to.match(/needs a terminal/);
    expect(h.prompt.questions).to.have.length(0);
    expect(h.created).to.have.length(0);
  });
});

describe('login dialogue with a configured bot token', () => {
  it('signs in as that bot without asking anything', async () => {
    const client = new StubClient({ kind: 'bot' });
    const h = harness([], client, { apiId: 1, apiHash: HASH, botToken: TOKEN });
    expect(await runLogin(h.deps)).to.equal(0);
    expect(h.prompt.questions).to.have.length(0);
    expect(h.saved).to.deep.equal([SESSION]);
    expectNoSecrets(h.out);
  });

  it('a rejected configured token is a LoginError naming the key, not a prompt', async () => {
    const client = new StubClient({ kind: 'bot' });
    const h = harness([], client, { apiId: 1, apiHash: HASH, botToken: '1:revoked' });
    let caught: unknown;
    try {
      await runLogin(h.deps);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(LoginError);
    expect((caught as Error).message).to.include('telegram.botToken').and.not.include('1:revoked');
    expect(h.saved).to.have.length(0);
  });
});

describe('login secrets and the closing hint', () => {
  it('everything typed in secret, and the phone with or without its "+", is masked in logs from then on', async () => {
    // Values no other test registers: the registry is global to the process.
    const hash = 'feedc0de0123456789abcdef01234567';
    const phoneDigits = '447700900456';
    const code = '13579';
    const password = 'only-the-login-test-types-this';
    const line = `hash ${hash} sendCode ${phoneDigits} code ${code} password ${password}`;
    expect(redactText(line), 'all visible before the login').to.equal(line);
    const client = new StubClient({ kind: 'user', code, password });
    const h = harness(['1', hash, '+44 7700 900456', code, password], client);
    expect(await runLogin(h.deps)).to.equal(0);
    expect(redactText(line)).to.equal(`hash ${MASK} sendCode ${MASK} code ${MASK} password ${MASK}`);
    expect(redactText(`dialing +${phoneDigits}`)).to.equal(`dialing ${MASK}`);
  });

  it('a bot token typed at the prompt is masked too, even one Telegram rejects and too short to look like one', async () => {
    const token = '424242:only-the-login-test';
    expect(redactText(`token ${token}`)).to.equal(`token ${token}`);
    const client = new StubClient({ kind: 'bot' });
    const h = harness([token, TOKEN], client, { apiId: 1, apiHash: HASH });
    expect(await runLogin(h.deps)).to.equal(0);
    expect(redactText(`token ${token}`)).to.equal(`token ${MASK}`);
  });

  it('after a sandbox login the closing line names the start command for that sandbox', async () => {
    const client = new StubClient({ kind: 'bot' });
    const h = harness([TOKEN], client, { apiId: 1, apiHash: HASH, startCommand: startCommandFor('data/sandbox/emulator') });
    expect(await runLogin(h.deps)).to.equal(0);
    expect(h.out.at(-1)).to.match(/Start Courier with `npm start -- --sandbox data\/sandbox\/emulator`\.$/);
    expect(startCommandFor()).to.equal('npm start');
    expect(startCommandFor("/tmp/my sandbox's dir")).to.equal("npm start -- --sandbox '/tmp/my sandbox'\\''s dir'");
  });

  it('npm run login tightens a sessions folder shipped as 0755 to 0700', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'courier-login-'));
    try {
      const sessions = join(dir, 'sessions');
      mkdirSync(sessions);
      chmodSync(sessions, 0o755);
      const out: string[] = [];
      const code = await loginOnTerminal({
        target: { kind: 'telegram', apiId: 0, apiHash: '', sessionFile: join(sessions, 'courier.session') },
        telegram: { sessionName: 'courier', requestRetries: 0, floodSleepThresholdSeconds: 0 },
        logLevel: 'error',
        isInteractive: false,
        out: (l) => out.push(l),
      });
      expect(code).to.equal(EXIT_NOT_INTERACTIVE);
      expect(statSync(sessions).mode & 0o777).to.equal(0o700);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
