/**
 * Test fixtures around the whole emulator (protocol + world): a fresh data directory, an
 * ephemeral port, the parsed sandbox.json, and real GramJS clients logged in through
 * src/telegram/connection/sandbox.ts exactly as Courier will reach the emulator.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TelegramClient } from 'telegram';
import { startEmulator, type RunningEmulator, type StartEmulatorOptions } from '../../src/emulator/index.js';
import { readSandboxFile, type SandboxDescription } from '../../src/telegram/connection/sandbox.js';
import { buildSandboxClient } from './gramClient.js';

export interface TestEmulator {
  readonly emulator: RunningEmulator;
  readonly sandbox: SandboxDescription;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export async function startTestEmulator(opts: Partial<Omit<StartEmulatorOptions, 'dataDir'>> & { dataDir?: string } = {}): Promise<TestEmulator> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'courier-emulator-'));
  const ownDir = opts.dataDir === undefined;
  const emulator = await startEmulator({ ...opts, dataDir, port: opts.port ?? 0 });
  const sandbox = readSandboxFile(dataDir);
  return {
    emulator,
    sandbox,
    dataDir,
    stop: async () => {
      await emulator.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Logs a sandbox user in with the sandbox login code (and 2FA password when the user has one).
 * `langCode`: the app language the client declares (initConnection lang_code; GramJS's default "en").
 */
export async function connectUserClient(sandbox: SandboxDescription, phone: string, sessionString = '', langCode?: string): Promise<TelegramClient> {
  const user = sandbox.users.find((u) => u.phone === phone);
  if (!user) throw new Error(`no sandbox user with phone ${phone}; see users in sandbox.json`);
  const client = buildSandboxClient(sandbox, sandbox.api_id, sandbox.api_hash, sessionString, langCode);
  let failure: unknown = null;
  await client.start({
    phoneNumber: phone,
    phoneCode: async () => sandbox.login_code,
    password: async () => user['2fa_password'] ?? '',
    firstAndLastNames: async () => [user.first_name, ''],
    onError: async (err) => {
      failure = err;
      return true; // stop instead of retrying forever
    },
  });
  if (failure) {
    await client.destroy();
    throw failure;
  }
  return client;
}

/** Logs the sandbox bot in with its token (auth.importBotAuthorization). */
export async function connectBotClient(sandbox: SandboxDescription, sessionString = ''): Promise<TelegramClient> {
  const client = buildSandboxClient(sandbox, sandbox.api_id, sandbox.api_hash, sessionString);
  await client.start({ botAuthToken: sandbox.bot_token });
  return client;
}

/** The usual cast of an emulator story: a fresh emulator, the sandbox bot and its first user. */
export interface BotAndUser {
  emu: TestEmulator;
  bot: TelegramClient;
  user: TelegramClient;
  /** Disconnects both clients and stops the emulator. */
  stop(): Promise<void>;
}

export async function startBotAndUser(opts: Parameters<typeof startTestEmulator>[0] = {}): Promise<BotAndUser> {
  const emu = await startTestEmulator(opts);
  const bot = await connectBotClient(emu.sandbox);
  const user = await connectUserClient(emu.sandbox, emu.sandbox.users[0]!.phone);
  return {
    emu,
    bot,
    user,
    stop: async () => {
      await user.destroy();
      await bot.destroy();
      await emu.stop();
    },
  };
}
