/**
 * Story: a user writes to the bot and gets an answer. The user's GramJS client sends a text to the
 * bot's username; the bot (a second GramJS client) receives it as a raw update and replies to the
 * chat it came from; the user receives the reply live and finds both messages stored in the chat.
 */
import { expect } from 'chai';
import { Api, type TelegramClient } from 'telegram';
import { startBotAndUser, type TestEmulator } from '../helpers/emulator.js';
import { nextMessageWithText } from '../helpers/rawUpdates.js';

describe('emulator: a user and the bot exchange messages', () => {
  let emu: TestEmulator;
  let bot: TelegramClient;
  let user: TelegramClient;
  let stop: (() => Promise<void>) | undefined;

  before(async () => {
    ({ emu, bot, user, stop } = await startBotAndUser());
  });
  after(async () => stop?.());

  it('the bot receives the user message as a raw update, replies, and the user sees the reply', async () => {
    const me = emu.sandbox.users[0]!;
    const botGotIt = nextMessageWithText(bot, 'hello bot');
    const sent = await user.sendMessage(emu.sandbox.bot_username, { message: 'hello bot' });
    expect(sent.message).to.equal('hello bot');

    const incoming = await botGotIt;
    expect(incoming.out).to.equal(false);
    expect(incoming.peerUserId).to.equal(String(me.user_id));

    const userGotReply = nextMessageWithText(user, 'hello user');
    await bot.sendMessage(new Api.PeerUser({ userId: me.user_id as never }), { message: 'hello user', replyTo: incoming.id });
    const reply = await userGotReply;
    expect(reply.out).to.equal(false);
    expect(reply.peerUserId).to.equal(String(emu.emulator.sandbox.bot_user_id));

    const stored = await user.getMessages(emu.sandbox.bot_username, { ids: [sent.id, reply.id] });
    expect(stored.map((m) => m.message)).to.deep.equal(['hello bot', 'hello user']);
  });
});
