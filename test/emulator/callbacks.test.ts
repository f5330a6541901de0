/**
 * Story: inline buttons always answer. The bot sends a message with an inline keyboard; the user
 * presses the button (messages.getBotCallbackAnswer), the bot receives updateBotCallbackQuery and
 * answers (messages.setBotCallbackAnswer), and the user's call returns that answer. A second press
 * the bot ignores ends, on the user's side, in BOT_RESPONSE_TIMEOUT.
 */
import { expect } from 'chai';
import { Api, type TelegramClient } from 'telegram';
import { Button } from 'telegram/tl/custom/button.js';
import { startBotAndUser, type TestEmulator } from '../helpers/emulator.js';
import { nextMessageWithText, nextUpdate } from '../helpers/rawUpdates.js';

/** Short, so the unanswered press fails fast; the emulator reads it from its limits. */
const CALLBACK_TIMEOUT_MS = 1500;

describe('emulator: inline keyboard callbacks', () => {
  let emu: TestEmulator;
  let bot: TelegramClient;
  let user: TelegramClient;
  let stop: (() => Promise<void>) | undefined;

  before(async () => {
    ({ emu, bot, user, stop } = await startBotAndUser({ limits: { callbackTimeoutMs: CALLBACK_TIMEOUT_MS } }));
    // The bot can only write to a user who started it: the user says hello first.
    const hello = nextMessageWithText(bot, '/start');
    await user.sendMessage(emu.sandbox.bot_username, { message: '/start' });
    await hello;
  });
  after(async () => stop?.());

  it('a pressed button is answered by the bot, and an unanswered press times out for the user', async () => {
    const me = emu.sandbox.users[0]!;
    const shown = nextMessageWithText(user, 'pick one');
    await bot.sendMessage(new Api.PeerUser({ userId: me.user_id as never }), { message: 'pick one', buttons: [[Button.inline('Yes', Buffer.from('yes'))]] });
    const keyboard = await shown;

    const query = nextUpdate(bot, 'callback query', (u) => (u instanceof Api.UpdateBotCallbackQuery ? u : undefined));
    const press = user.invoke(new Api.messages.GetBotCallbackAnswer({ peer: emu.sandbox.bot_username, msgId: keyboard.id, data: Buffer.from('yes') }));
    const q = await query;
    expect(Buffer.from(q.data ?? []).toString()).to.equal('yes');
    expect(q.userId.toString()).to.equal(String(me.user_id));
    expect(await bot.invoke(new Api.messages.SetBotCallbackAnswer({ queryId: q.queryId, message: 'you said yes', cacheTime: 0 }))).to.equal(true);
    const answer = await press;
    expect(answer.message).to.equal('you said yes');

    // Second press: the bot sees the query and deliberately never answers.
    const ignored = nextUpdate(bot, 'second callback query', (u) => (u instanceof Api.UpdateBotCallbackQuery ? u : undefined));
    const started = Date.now();
    const secondPress = user.invoke(new Api.messages.GetBotCallbackAnswer({ peer: emu.sandbox.bot_username, msgId: keyboard.id, data: Buffer.from('yes') }));
    const second = await ignored;
    expect(second.queryId.toString()).to.not.equal(q.queryId.toString());
    let failure: unknown = null;
    await secondPress.catch((err: unknown) => (failure = err));
    expect((failure as { errorMessage?: string } | null)?.errorMessage).to.equal('BOT_RESPONSE_TIMEOUT');
    expect(Date.now() - started).to.be.at.least(CALLBACK_TIMEOUT_MS - 50);
    // Answering after the deadline is refused: the query is gone.
    let late: unknown = null;
    await bot.invoke(new Api.messages.SetBotCallbackAnswer({ queryId: second.queryId, message: 'too late', cacheTime: 0 })).catch((err: unknown) => (late = err));
    expect((late as { errorMessage?: string } | null)?.errorMessage).to.equal('QUERY_ID_INVALID');
  });
});
