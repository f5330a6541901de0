/** Builds real GramJS clients pointed at an emulator, with GramJS's logging silenced. */
import { Logger, TelegramClient } from 'telegram';
import { LogLevel } from 'telegram/extensions/Logger.js';
import { StringSession } from 'telegram/sessions/index.js';
import { prepareSandboxSession, sandboxClientOptions, type SandboxEndpoint } from '../../src/telegram/connection/sandbox.js';

export function buildSandboxClient(endpoint: SandboxEndpoint, apiId: number, apiHash: string, sessionString = ''): TelegramClient {
  const session = new StringSession(sessionString);
  prepareSandboxSession(session, endpoint);
  const client = new TelegramClient(session, apiId, apiHash, {
    ...sandboxClientOptions(endpoint),
    connectionRetries: 5,
    retryDelay: 100,
    autoReconnect: true,
    baseLogger: new Logger(LogLevel.NONE),
  });
  return client;
}
