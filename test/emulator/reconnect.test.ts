/**
 * Story: a flaky network does not lose the conversation. The emulator drops every connection
 * (faults.dropAll); both GramJS clients see their connection go, reconnect on their own with the
 * same auth keys and keep exchanging messages.
 */
import { expect } from 'chai';
import { Api, type TelegramClient } from 'telegram';
import { Raw } from 'telegram/events/index.js';
import { UpdateConnectionState } from 'telegram/network/index.js';
import { startBotAndUser, type TestEmulator } from '../helpers/emulator.js';
import { nextMessageWithText } from '../helpers/rawUpdates.js';

/**
 * Resolves once `client` has lost its connection and then got it back (GramJS's own connection
 * events). The deadline only turns a reconnect that never happens into a readable failure.
 */
function reconnectOf(client: TelegramClient, who: string, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let lost = false;
    const event = new Raw({ types: [UpdateConnectionState as never] });
    const timer = setTimeout(() => {
      client.removeEventHandler(handler, event);
      reject(new Error(`the ${who} client did not lose and regain its connection within ${ms} ms`));
    }, ms);
    const handler = (update: unknown): void => {
      if (!(update instanceof UpdateConnectionState)) return;
      if (update.state === UpdateConnectionState.disconnected || update.state === UpdateConnectionState.broken) lost = true;
      else if (update.state === UpdateConnectionState.connected && lost) {
        clearTimeout(timer);
        client.removeEventHandler(handler, event);
        resolve();
      }
    };
    client.addEventHandler(handler, event);
  });
}

describe('emulator: clients survive dropped connections', () => {
  let emu: TestEmulator;
  let bot: TelegramClient;
  let user: TelegramClient;
  let stop: (() => Promise<void>) | undefined;

  before(async () => {
    ({ emu, bot, user, stop } = await startBotAndUser());
  });
  after(async () => stop?.());

  it('after faults.dropAll both clients reconnect, the user still reaches the bot and the bot still answers', async () => {
    const first = nextMessageWithText(bot, 'before the drop');
    await user.sendMessage(emu.sandbox.bot_username, { message: 'before the drop' });
    await first;

    expect(emu.emulator.server.connectionCount()).to.be.greaterThan(0);
    // The drop must really cut both clients off, or the rest of the story proves nothing.
    const reconnected = [reconnectOf(bot, 'bot'), reconnectOf(user, 'user')];
    emu.emulator.server.faults.dropAll();

    const botGotIt = nextMessageWithText(bot, 'after the drop');
    await user.sendMessage(emu.sandbox.bot_username, { message: 'after the drop' });
    const incoming = await botGotIt;

    const userGotReply = nextMessageWithText(user, 'still here');
    await bot.sendMessage(new Api.PeerUser({ userId: emu.sandbox.users[0]!.user_id as never }), { message: 'still here', replyTo: incoming.id });
    await userGotReply;
    await Promise.all(reconnected);
    expect(emu.emulator.server.connectionCount()).to.be.greaterThan(0);
  });
});
