/**
 * Builds Courier's GramJS client: against real Telegram when api_id/api_hash are configured, or
 * against the DC emulator when a sandbox directory is given (`--sandbox DIR` or
 * telegram.sandboxDir), through src/telegram/sandbox.ts. GramJS's own log lines go to winston at
 * a quiet level. This folder is the only place that imports GramJS.
 */
import { TelegramClient, type Api } from 'telegram';
import { Logger, LogLevel } from 'telegram/extensions/Logger.js';
import { StringSession } from 'telegram/sessions/index.js';
import { setTimeout as delay } from 'node:timers/promises';
import { logger } from '../../log/logger.js';
import { prepareSandboxSession, readSandboxFile, sandboxClientOptions, type SandboxDescription } from './sandbox.js';
import type { BotPort } from '../../domain/botPort.js';
import { createGramBotPort, rpcErrorCode } from '../outbox/gramBotPort.js';
import { SANDBOX_DIFFERENCE_SLICE_LIMIT, startUpdates, type RunningUpdates, type UpdatesSetup } from '../updates/service.js';
import { createLimitedPort } from '../outbox/limitedPort.js';
import { createTelegramFiles } from '../files/mediaFiles.js';
import { mediaRefOf } from '../files/mediaRef.js';
import type { TelegramFiles } from '../../domain/mediaPorts.js';
import type { SendRateLimits } from '../outbox/rateLimiter.js';

const log = logger('telegram');
import { applyGramjsPatches } from './gramjsPatches.js';
import { createGramLoginClient, loggedInUser } from '../login/loginClient.js';
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
  const common = {
    connectionRetries: 5,
    requestRetries: telegram.requestRetries,
    floodSleepThreshold: telegram.floodSleepThresholdSeconds,
    autoReconnect: true,
    baseLogger: new WinstonGramLogger(logLevel),
  };
  if (target.kind === 'sandbox') {
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

export class SessionRevokedError extends Error {
  constructor(sessionFile: string) {
    super(`The saved session ${sessionFile} is no longer valid (logged out or revoked). Run \`npm run login\` again, then start Courier.`);
    this.name = 'SessionRevokedError';
  }
}

/** What the service needs of a connected Telegram client (a fake one in app tests). */
export interface TelegramLink {
  readonly me: { id: string; username: string | null };
  readonly port: BotPort;
  /**
   * Starts taking updates: stored state → difference to the end → live, every update stored in
   * the inbox before anything handles it (src/telegram/updates/service.ts).
   */
  startUpdates(setup: Omit<UpdatesSetup, 'owner'>): RunningUpdates;
  /** Downloads and uploads of media jobs over MTProto. */
  readonly files: TelegramFiles;
  disconnect(): Promise<void>;
}

export interface ConnectArgs {
  /** Courier's own send limits (config outbox.*). */
  outbox?: Partial<SendRateLimits>;
  target: TelegramTarget;
  session: string | null;
  saveSession: (session: string) => void;
  telegram: TelegramSettings;
  logLevel: string;
}

/**
 * Connects and returns the service's view of the client (app.ts's TelegramLink). Without a
 * session only the sandbox may continue: it imports the sandbox bot's authorization, no prompts.
 */
export async function connectTelegram(args: ConnectArgs): Promise<TelegramLink> {
  const { client, session } = buildTelegramClient(args.target, args.session, args.telegram, args.logLevel);
  try {
    await client.connect();
    if (args.session === null) {
      if (args.target.kind !== 'sandbox') throw new Error('no session: run `npm run login` first');
      const login = createGramLoginClient(client, session, args.target.apiId, args.target.apiHash);
      const result = await login.signInBot(args.target.sandbox.bot_token);
      if (result.kind !== 'ok') throw new Error('the sandbox refused its own bot token; delete the sandbox data directory and start the emulator again');
      args.saveSession(session.save());
    }
    let me: Api.TypeUser;
    try {
      me = await client.getMe();
    } catch (err) {
      const code = rpcErrorCode(err);
      if (code === 'AUTH_KEY_UNREGISTERED' || code === 'SESSION_REVOKED' || code === 'USER_DEACTIVATED') throw new SessionRevokedError(args.target.sessionFile);
      throw err;
    }
    const user = loggedInUser(me);
    let updates: RunningUpdates | null = null;
    // Every send and edit waits its turn under Courier's limits; FLOOD_WAITs are left to it
    // (maxFloodWaitSeconds 0), so that it can slow the right chat down.
    const port = createLimitedPort(createGramBotPort(client, { onUpdates: (result) => updates?.feed(result), maxFloodWaitSeconds: 0 }), {
      ...(args.outbox ? { limits: args.outbox } : {}),
      now: () => performance.now(),
      sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}),
      onFloodWait: ({ chat, seconds }) => log.warn(`FLOOD_WAIT_${seconds} sending to ${chat.kind} ${chat.id}; that chat waits, the message is kept`),
    });
    return {
      me: { id: user.id, username: user.username },
      port,
      files: createTelegramFiles(client, { onUpdates: (result) => updates?.feed(result) }),
      startUpdates: (setup) =>
        (updates = startUpdates(client, {
          mediaOf: mediaRefOf,
          ...setup,
          owner: { accountId: user.id, server: serverIdentity(args.target) },
          differenceSliceLimit: setup.differenceSliceLimit ?? (args.target.kind === 'sandbox' ? SANDBOX_DIFFERENCE_SLICE_LIMIT : null),
        })),
      disconnect: async () => {
        await port.stop();
        await client.destroy();
      },
    };
  } catch (err) {
    await client.destroy().catch(() => undefined);
    throw err;
  }
}
