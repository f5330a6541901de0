/**
 * src/telegram/: everything that touches GramJS, in sub-rooms whose arrows point down:
 * - connection/ builds the client (real DCs or the sandbox emulator) and patches GramJS;
 * - session/    the session file (mode 0600) and the one-process-per-session lock;
 * - login/      the operator's login dialogue and its GramJS side;
 * - rpc/        what every caller shares about one request: RPC error codes, the one
 *               flood-wait helper, input peers, the id of a sent message;
 * - updates/    the pure gap engine (engine.ts, channelEngine.ts) and its I/O loop, fed from
 *               GramJS's raw containers and stored in the inbox;
 * - outbox/     the pure send limiter and the BotPort that waits its turn under it;
 * - files/      media downloads and uploads over MTProto.
 *
 * This file is the room's composition root: it connects a client and wires the sub-rooms into
 * the TelegramLink the service uses (src/app.ts). It is the only file here that imports from
 * both connection/ and login/; no sub-room imports this file.
 */
import type { Api } from 'telegram';
import { setTimeout as delay } from 'node:timers/promises';
import { logger } from '../log/logger.js';
import type { BotPort } from '../domain/botPort.js';
import type { TelegramFiles } from '../domain/mediaPorts.js';
import { buildTelegramClient, serverIdentity, type TelegramSettings, type TelegramTarget } from './connection/client.js';
import { isTransportConnected } from './connection/connectionState.js';
import { createGramLoginClient, loggedInUser } from './login/loginClient.js';
import { rpcErrorCode } from './rpc/rpcErrors.js';
import { createGramBotPort } from './outbox/gramBotPort.js';
import { createLimitedPort } from './outbox/limitedPort.js';
import type { SendRateLimits } from './outbox/rateLimiter.js';
import { createTelegramFiles } from './files/mediaFiles.js';
import { mediaRefOf } from './files/mediaRef.js';
import { SANDBOX_DIFFERENCE_SLICE_LIMIT, startUpdates, type RunningUpdates, type UpdatesSetup } from './updates/service.js';

const log = logger('telegram');

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
  /** The update state's owner (this bot on this server) is filled in here, where both are known. */
  startUpdates(setup: Omit<UpdatesSetup, 'owner'>): RunningUpdates;
  /** Downloads and uploads of media jobs over MTProto. */
  readonly files: TelegramFiles;
  /** Whether the connection to Telegram is up right now (health checks and the "Telegram down" alert). */
  connected?(): boolean;
  /** The outbox's queue and FLOOD_WAIT count since start (metrics). */
  outboxStats?(): { waiting: number; floodWaits: number };
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
  /**
   * Without a session, sign in with this bot token (a new auth key of the bot's own). A queue
   * worker does this: it must never use the service's session (two processes on one auth key end
   * in AUTH_KEY_DUPLICATED).
   */
  botToken?: string | null;
  /** workers/transferCrypto.ts's `filename`: big media packets are sealed and opened in that thread (absent: on the main thread). */
  cryptoWorkerFile?: string;
}

/**
 * Connects and returns the service's view of the client (src/app.ts's TelegramLink). Without a
 * session only the sandbox may continue: it imports the sandbox bot's authorization, no prompts.
 */
export async function connectTelegram(args: ConnectArgs): Promise<TelegramLink> {
  const { client, session } = buildTelegramClient(args.target, args.session, args.telegram, args.logLevel);
  try {
    await client.connect();
    if (args.session === null) {
      const token = args.target.kind === 'sandbox' ? args.target.sandbox.bot_token : args.botToken;
      if (!token) throw new Error('no session: run `npm run login` first');
      const login = createGramLoginClient(client, session, args.target.apiId, args.target.apiHash);
      const result = await login.signInBot(token);
      if (result.kind !== 'ok') {
        throw new Error(
          args.target.kind === 'sandbox'
            ? 'the sandbox refused its own bot token; delete the sandbox data directory and start the emulator again'
            : 'Telegram refused the bot token (telegram.botToken); check it with @BotFather',
        );
      }
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
      files: createTelegramFiles(client, {
        ...(args.cryptoWorkerFile ? { cryptoWorkerFile: args.cryptoWorkerFile } : {}),
        onUpdates: (result) => updates?.feed(result),
        onAppConfigError: (error) => log.warn('help.getAppConfig failed; splitting results at the last known upload limit', { error: String(error) }),
      }),
      startUpdates: (setup) =>
        (updates = startUpdates(client, {
          mediaOf: mediaRefOf,
          ...setup,
          owner: { accountId: user.id, server: serverIdentity(args.target) },
          // pts_limit is sent only where its meaning is measured (the sandbox): Telegram documents none.
          differenceSliceLimit: setup.differenceSliceLimit ?? (args.target.kind === 'sandbox' ? SANDBOX_DIFFERENCE_SLICE_LIMIT : null),
        })),
      connected: () => isTransportConnected(client),
      outboxStats: () => port.stats(),
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
