/**
 * Child-process entry of `bench download`: the DC emulator with one big document already sent by
 * the sandbox's first user to the bot, as if the user had uploaded it (emulator/world/
 * inProcessUsers.ts sendDiskFileAs, read from disk part by part). Also registers a fresh auth key
 * for the bench's raw ceiling client (ceilingClient.ts), which then needs no key exchange.
 *
 * `node --import tsx emulatorWithFile.ts DATA_DIR FILE`; prints one line
 * `bench-emulator-ready {"port":..,"bot_message_id":..,"auth_key":"hex"}` and runs until SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../../../emulator/index.js';
import { authKeyIdOf } from '../../../emulator/mtproto/crypto.js';
import { sendDiskFileAs } from '../../../emulator/world/inProcessUsers.js';
import { userBox } from '../../../emulator/world/messageStore.js';

export const emulatorWithFileFilename = fileURLToPath(import.meta.url);

export interface EmulatorWithFileReady {
  port: number;
  /** The document's message id in the bot's own box (for messages.getMessages). */
  bot_message_id: number;
  /** Hex of a 256-byte auth key the emulator already knows (not signed in). */
  auth_key: string;
}

export const READY_PREFIX = 'bench-emulator-ready ';

if (process.argv[1] === emulatorWithFileFilename) {
  const [dataDir, filePath] = process.argv.slice(2);
  const emulator = await startEmulator({ dataDir: dataDir!, port: 0 });
  const { world, sandbox } = emulator;
  const userId = sandbox.users[0]!.user_id;
  const botId = sandbox.bot_user_id;
  sendDiskFileAs(world, userId, { user: botId }, { path: filePath!, fileName: 'bench.bin', mimeType: 'application/octet-stream' });
  const [message] = world.store.latest(userBox(botId), 1, { user: userId });
  const authKey = randomBytes(256);
  world.authKeys.put(authKeyIdOf(authKey), authKey);
  const ready: EmulatorWithFileReady = { port: emulator.server.port, bot_message_id: message!.id, auth_key: authKey.toString('hex') };
  console.log(`${READY_PREFIX}${JSON.stringify(ready)}`);
  process.once('SIGTERM', () => void emulator.close().then(() => process.exit(0)));
}
