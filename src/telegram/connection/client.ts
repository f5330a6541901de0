/**
 * src/telegram/connection/: where Courier's GramJS client comes from. This file chooses the target
 * (real Telegram when api_id/api_hash are configured, or the DC emulator when a sandbox directory
 * is given: `--sandbox DIR` or telegram.sandboxDir) and builds an unconnected TelegramClient for
 * it; sandbox.ts points GramJS at the emulator; gramjsPatches.ts fixes the pinned GramJS.
 *
 * Invariants: building a client sends nothing and logs nobody in (connecting and signing in are
 * the caller's: src/telegram/connectTelegram.ts, src/telegram/login/); the patches are applied
 * before the first client exists; a sandbox session never shares a file with the real one.
 * GramJS's own log lines go to winston at a quiet level.
 */
import { TelegramClient } from 'telegram';
import { Logger, LogLevel } from 'telegram/extensions/Logger.js';
import { StringSession } from 'telegram/sessions/index.js';
import { logger } from '../../log/logger.js';
import { prepareSandboxSession, readSandboxFile, sandboxClientOptions, type SandboxDescription } from './sandbox.js';
import { applyGramjsPatches } from './gramjsPatches.js';
import { describeProxy, parseProxyUrl, ProxyConfigError } from './proxy.js';
import { sandboxSessionName, sessionFilePath } from '../session/sessionFile.js';

/** The part of Courier's config the client needs (structurally Config['telegram']). */
export interface TelegramSettings {
  apiId?: number | null | undefined;
  apiHash?: string | null | undefined;
  /** Used by the login dialogue instead of asking. */
  botToken?: string | null | undefined;
  sandboxDir?: string | null | undefined;
  sessionName: string;
  requestRetries: number;
  floodSleepThresholdSeconds: number;
  /** socks5://, socks4:// or mtproxy:// URL (proxy.ts); null = direct. */
  proxy?: string | null | undefined;
}

/** Where Courier connects: real Telegram or an emulator, with the credentials and session file for it. */
export type TelegramTarget =
  | { kind: 'telegram'; apiId: number; apiHash: string; sessionFile: string }
  | { kind: 'sandbox'; apiId: number; apiHash: string; sessionFile: string; sandbox: SandboxDescription };

export class MissingApiCredentialsError extends Error {
  constructor() {
    super(
      'api_id and api_hash are not configured. Get them at https://my.telegram.org (API development tools) and set ' +
        'telegram.apiId and telegram.apiHash in the config (see README), or try Courier without an account: npm run sandbox.',
    );
    this.name = 'MissingApiCredentialsError';
  }
}

/**
 * Chooses the target. A sandbox directory wins over configured credentials; its session file is
 * named after the emulator's host:port so it never overwrites the real session.
 */
export function resolveTarget(telegram: TelegramSettings, sessionsDir: string, sandboxDir?: string): TelegramTarget {
  const dir = sandboxDir ?? telegram.sandboxDir;
  if (dir) {
    const sandbox = readSandboxFile(dir);
    const sessionFile = sessionFilePath(sessionsDir, sandboxSessionName(sandbox.host, sandbox.port));
    return { kind: 'sandbox', apiId: sandbox.api_id, apiHash: sandbox.api_hash, sessionFile, sandbox };
  }
  if (!telegram.apiId || !telegram.apiHash) throw new MissingApiCredentialsError();
  return { kind: 'telegram', apiId: telegram.apiId, apiHash: telegram.apiHash, sessionFile: sessionFilePath(sessionsDir, telegram.sessionName) };
}

/** Like resolveTarget, but real credentials may be missing: the login dialogue asks for them (apiId 0). */
export function loginTarget(telegram: TelegramSettings, sessionsDir: string, sandboxDir?: string): TelegramTarget {
  if (sandboxDir ?? telegram.sandboxDir) return resolveTarget(telegram, sessionsDir, sandboxDir);
  return { kind: 'telegram', apiId: telegram.apiId ?? 0, apiHash: telegram.apiHash ?? '', sessionFile: sessionFilePath(sessionsDir, telegram.sessionName) };
}

/**
 * GramJS logs through a Logger object of its own; this one hands each line to winston. GramJS is
 * chatty at info (every connect, every DC switch), so it is kept at warn unless Courier runs at debug.
 */
export class WinstonGramLogger extends Logger {
  private readonly target = logger('gramjs');

  constructor(courierLevel: string) {
    super(courierLevel === 'debug' ? LogLevel.DEBUG : LogLevel.WARN);
  }

  override log(level: LogLevel, message: string): void {
    if (level === LogLevel.NONE) return;
    this.target.log(level, message);
  }
}

export interface BuiltClient {
  client: TelegramClient;
  session: StringSession;
}

export function buildTelegramClient(target: TelegramTarget, session: string | null, telegram: TelegramSettings, logLevel: string): BuiltClient {
  applyGramjsPatches();
  const stringSession = new StringSession(session ?? '');
  const proxy = telegram.proxy ? parseProxyUrl(telegram.proxy) : undefined;
  if (proxy) logger('telegram').info(`connecting to Telegram through the ${describeProxy(proxy)}`);
  const common = {
    ...(proxy ? { proxy } : {}),
    connectionRetries: 5,
    requestRetries: telegram.requestRetries,
    floodSleepThreshold: telegram.floodSleepThresholdSeconds,
    autoReconnect: true,
    baseLogger: new WinstonGramLogger(logLevel),
  };
  if (target.kind === 'sandbox') {
    if (proxy && 'MTProxy' in proxy) throw new ProxyConfigError('An MTProxy leads only to Telegram\'s own DCs, not to the sandbox emulator; unset telegram.proxy (or use a SOCKS proxy) with --sandbox.');
    prepareSandboxSession(stringSession, target.sandbox);
    const client = new TelegramClient(stringSession, target.apiId, target.apiHash, { ...common, ...sandboxClientOptions(target.sandbox), retryDelay: 200 });
    return { client, session: stringSession };
  }
  return { client: new TelegramClient(stringSession, target.apiId, target.apiHash, common), session: stringSession };
}

/**
 * The server an update state belongs to: pts and qts mean nothing on another one. An emulator
 * world is told apart by its RSA key, generated once per data directory.
 */
export function serverIdentity(target: TelegramTarget): string {
  return target.kind === 'sandbox' ? `sandbox:${target.sandbox.rsa_fingerprint}` : 'telegram';
}
