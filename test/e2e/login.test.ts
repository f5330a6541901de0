/**
 * Story: the operator logs in once. The login dialogue runs over real GramJS against the emulator
 * with a scripted terminal: a bot token; and a user with two-step verification who first types a
 * wrong code and a wrong password. Each run ends with a saved session that starts a client.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { initLogging } from '../../src/log/logger.js';
import { buildTelegramClient, resolveTarget, type TelegramSettings } from '../../src/telegram/connection/client.js';
import { runLogin, type Prompt } from '../../src/telegram/login/login.js';
import { createGramLoginClient } from '../../src/telegram/login/loginClient.js';
import { loadSession, saveSession } from '../../src/telegram/session/sessionFile.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const settings: TelegramSettings = { sessionName: 'courier', requestRetries: 2, floodSleepThresholdSeconds: 5 };

function scripted(answers: string[]): Prompt {
  const next = async () => {
    const a = answers.shift();
    if (a === undefined) throw new Error('the login asked more than the script has');
    return a;
  };
  return { text: next, password: next };
}

describe('npm run login against the sandbox', () => {
  let emu: TestEmulator;
  let dir: string;

  before(async () => {
    initLogging({ level: 'error', format: 'json' }, { stream: new PassThrough() });
    emu = await startTestEmulator();
  });
  after(async () => {
    await emu?.stop();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-login-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function login(answers: string[]) {
    const target = resolveTarget(settings, dir, emu.dataDir);
    const out: string[] = [];
    const code = await runLogin({
      prompt: scripted(answers),
      isInteractive: true,
      out: (l) => out.push(l),
      apiId: target.apiId,
      apiHash: target.apiHash,
      saveSession: (s) => saveSession(target.sessionFile, s),
      createClient: (apiId, apiHash) => {
        const { client, session } = buildTelegramClient(target, null, settings, 'error');
        return createGramLoginClient(client, session, apiId, apiHash);
      },
    });
    return { code, out, target };
  }

  /** The saved session really is logged in: a fresh client built from it knows who it is. */
  async function whoAmI(target: ReturnType<typeof resolveTarget>): Promise<string> {
    const { client } = buildTelegramClient(target, loadSession(target.sessionFile), settings, 'error');
    await client.connect();
    try {
      const me = await client.getMe();
      return me.id.toString();
    } finally {
      await client.destroy();
    }
  }

  it('a bot token logs in as the bot', async () => {
    const { code, out, target } = await login([emu.sandbox.bot_token]);
    expect(code).to.equal(0);
    expect(out.at(-1)).to.match(new RegExp(`^Logged in as @${emu.sandbox.bot_username} \\(id \\d+, a bot\\)`));
    expect(await whoAmI(target)).to.equal(String(emu.emulator.sandbox.bot_user_id));
    expect(out.join('\n')).to.not.include(emu.sandbox.bot_token);
  });

  it('a user with 2FA: a wrong code, then the code, a wrong password, then the password', async () => {
    const carol = emu.sandbox.users.find((u) => u['2fa_password'])!;
    const { code, out, target } = await login([carol.phone, '00000', emu.sandbox.login_code, 'not-it', carol['2fa_password']!]);
    expect(code).to.equal(0);
    expect(out.some((l) => /code is not right/.test(l))).to.equal(true);
    expect(out.some((l) => /password is not right/.test(l))).to.equal(true);
    expect(out.at(-1)).to.match(/^Logged in as .* \(id \d+\)/);
    expect(await whoAmI(target)).to.equal(String(carol.user_id));
    expect(out.join('\n')).to.not.include(carol['2fa_password']!);
  });
});
