/**
 * Story: the emulator keeps its world across its own restart. Accounts, auth keys and messages are
 * in its data directory, so after stop and start on the same directory (and port) the bot's saved
 * session still works without logging in again, and the chat history is still there.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, type TelegramClient } from 'telegram';
import { buildSandboxClient } from '../helpers/gramClient.js';
import { connectBotClient, connectUserClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { nextMessageWithText } from '../helpers/rawUpdates.js';

describe('emulator: data survives an emulator restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'courier-emulator-restart-'));
  let emu: TestEmulator | null = null;
  const clients: TelegramClient[] = [];

  after(async () => {
    for (const c of clients) await c.destroy();
    await emu?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the bot session saved before the restart is still signed in, and the history is kept', async () => {
    emu = await startTestEmulator({ dataDir });
    const port = emu.sandbox.port;
    const bot = await connectBotClient(emu.sandbox);
    const user = await connectUserClient(emu.sandbox, emu.sandbox.users[0]!.phone);
    clients.push(bot, user);
    const arrived = nextMessageWithText(bot, 'remember me');
    const remembered = await user.sendMessage(emu.sandbox.bot_username, { message: 'remember me' });
    await arrived;
    const botSession = bot.session.save() as unknown as string;
    const userSession = user.session.save() as unknown as string;
    await bot.destroy();
    await user.destroy();
    clients.length = 0;

    await emu.stop();
    emu = await startTestEmulator({ dataDir, port });
    expect(emu.sandbox.bot_token).to.be.a('string');

    // connect(), not start(): no login step may run, only the saved auth key can make this work.
    const bot2 = buildSandboxClient(emu.sandbox, emu.sandbox.api_id, emu.sandbox.api_hash, botSession);
    clients.push(bot2);
    await bot2.connect();
    expect(await bot2.checkAuthorization()).to.equal(true);
    const me = await bot2.getMe();
    expect(me.id.toString()).to.equal(String(emu.emulator.sandbox.bot_user_id));

    const user2 = await connectUserClient(emu.sandbox, emu.sandbox.users[0]!.phone, userSession);
    clients.push(user2);
    const stored = await user2.getMessages(emu.sandbox.bot_username, { ids: [remembered.id] });
    expect(stored.map((m) => m.message)).to.deep.equal(['remember me']);

    const reply = nextMessageWithText(user2, 'welcome back');
    await bot2.sendMessage(new Api.PeerUser({ userId: emu.sandbox.users[0]!.user_id as never }), { message: 'welcome back' });
    await reply;
  });
});
