/** Builds real GramJS clients pointed at an emulator, with GramJS's logging silenced. */
import { Logger, TelegramClient } from 'telegram';
import { LogLevel } from 'telegram/extensions/Logger.js';
import { StringSession } from 'telegram/sessions/index.js';
import { prepareSandboxSession, sandboxClientOptions, type SandboxEndpoint } from '../../src/telegram/connection/sandbox.js';

/**
 * `langCode` is the app language the client declares in initConnection (GramJS's default: "en");
 * Telegram shows it to bots as the user's lang_code.
 */
export function buildSandboxClient(endpoint: SandboxEndpoint, apiId: number, apiHash: string, sessionString = '', langCode?: string): TelegramClient {
  const session = new StringSession(sessionString);
  prepareSandboxSession(session, endpoint);
  const client = new TelegramClient(session, apiId, apiHash, {
    ...sandboxClientOptions(endpoint),
    connectionRetries: 5,
    retryDelay: 100,
    autoReconnect: true,
    baseLogger: new Logger(LogLevel.NONE),
    ...(langCode !== undefined ? { langCode } : {}),
  });
  return client;
}
