/**
 * Story: the language of a user's app reaches the bot. A real GramJS user client declares its
 * language (TelegramClient option langCode → initConnection lang_code); the bot, another real
 * GramJS client, finds it in the user objects Telegram gives bots (user.lang_code), and it follows
 * the user when they reconnect with another language.
 */
import { expect } from 'chai';
import { Api, type TelegramClient } from 'telegram';
import { nextMessageWithText } from '../helpers/rawUpdates.js';
import { connectBotClient, connectUserClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

describe('emulator: the user’s app language reaches the bot as lang_code', function () {
  this.timeout(60_000);
  let emu: TestEmulator;
  let bot: TelegramClient;
  const clients: TelegramClient[] = [];

  before(async () => {
    emu = await startTestEmulator();
    bot = await connectBotClient(emu.sandbox);
  });
  after(async () => {
    for (const c of clients) await c.destroy();
    await bot?.destroy();
    await emu?.stop();
  });

  const connect = async (phone: string, langCode: string, session = ''): Promise<TelegramClient> => {
    const c = await connectUserClient(emu.sandbox, phone, session, langCode);
    clients.push(c);
    return c;
  };
  // A bot may name a user with access_hash 0 (docs/emulator.md, Access hashes).
  const fetchUser = async (viewer: TelegramClient, userId: number): Promise<Api.User> => {
    const [u] = await viewer.invoke(new Api.users.GetUsers({ id: [new Api.InputUser({ userId: userId as never, accessHash: 0 as never })] }));
    if (!(u instanceof Api.User)) throw new Error(`user ${userId} came back as ${u?.className}`);
    return u;
  };

  it('a bot sees the language the user’s app declared, and the new one after the user reconnects with another', async () => {
    const alice = emu.sandbox.users[0]!;
    const ru = await connect(alice.phone, 'ru');
    expect((await fetchUser(bot, alice.user_id)).langCode).to.equal('ru');

    // The message the bot receives comes with the same user object when the bot fetches it.
    const arrived = nextMessageWithText(bot, 'привет');
    await ru.sendMessage(emu.sandbox.bot_username, { message: 'привет' });
    const { id } = await arrived;
    const fetched = (await bot.invoke(new Api.messages.GetMessages({ id: [new Api.InputMessageID({ id })] }))) as Api.messages.Messages;
    const sender = fetched.users.find((u) => u.id.toString() === String(alice.user_id)) as Api.User;
    expect(sender.langCode).to.equal('ru');

    const session = (ru.session.save() as unknown as string) ?? '';
    await ru.destroy();
    await connect(alice.phone, 'fa', session);
    expect((await fetchUser(bot, alice.user_id)).langCode).to.equal('fa');
  });
});
