/**
 * Story: a flaky network does not lose the conversation. The emulator drops every connection
 * (faults.dropAll); both GramJS clients reconnect on their own with the same auth keys and keep
 * exchanging messages.
 */
import { expect } from 'chai';
import { Api, type TelegramClient } from 'telegram';
import { startBotAndUser, type TestEmulator } from '../helpers/emulator.js';
import { nextMessageWithText } from '../helpers/rawUpdates.js';

describe('emulator: clients survive dropped connections', () => {
  let emu: TestEmulator;
  let bot: TelegramClient;
  let user: TelegramClient;
  let stop: (() => Promise<void>) | undefined;

  before(async () => {
    ({ emu, bot, user, stop } = await startBotAndUser());
  });
  after(async () => stop?.());

  it('after faults.dropAll the user still reaches the bot and the bot still answers', async () => {
    const first = nextMessageWithText(bot, 'before the drop');
    await user.sendMessage(emu.sandbox.bot_username, { message: 'before the drop' });
    await first;

    expect(emu.emulator.server.connectionCount()).to.be.greaterThan(0);
    emu.emulator.server.faults.dropAll();

    const botGotIt = nextMessageWithText(bot, 'after the drop');
    await user.sendMessage(emu.sandbox.bot_username, { message: 'after the drop' });
    const incoming = await botGotIt;

    const userGotReply = nextMessageWithText(user, 'still here');
    await bot.sendMessage(new Api.PeerUser({ userId: emu.sandbox.users[0]!.user_id as never }), { message: 'still here', replyTo: incoming.id });
    await userGotReply;
    expect(emu.emulator.server.connectionCount()).to.be.greaterThan(0);
  });
});
