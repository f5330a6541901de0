/**
 * Stories told with a second, independent client library. mtcute (@mtcute/node 0.30.3) speaks its
 * own layer (227), which the emulator serves next to GramJS's 198 from one world
 * (src/emulator/layers/): it logs in knowing only sandbox.json, talks to GramJS clients, falls
 * behind and catches up with getDifference, and after its own restart catches up from the state
 * it stored.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallbackQuery, Message } from '@mtcute/node';
import { BotKeyboard, InputMedia, type Document } from '@mtcute/node';
import { Api } from 'telegram';
import { connectBotClient, connectUserClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { buildMtcuteClient, nextMtcuteMessage, startMtcuteBot, startMtcuteUser } from '../helpers/mtcuteClient.js';
import { messagesIn, nextMessageWithText, nextUpdate } from '../helpers/rawUpdates.js';
import { seededBytes, sha256Hex } from '../helpers/seededBytes.js';

describe('emulator with mtcute (layer 227)', function () {
  this.timeout(60_000);
  let emu: TestEmulator;
  const dir = mkdtempSync(join(tmpdir(), 'courier-mtcute-'));
  const open: { destroy(): Promise<void> }[] = [];
  const keep = <T extends { destroy(): Promise<void> }>(c: T): T => (open.push(c), c);

  before(async () => {
    emu = await startTestEmulator(process.env.EMU_LOG ? { log: (l: string) => console.error('[emu]', l) } : {});
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.destroy();
  });
  after(async () => {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const firstUser = () => emu.sandbox.users.find((u) => !u['2fa_password'])!;

  it('a bot logs in knowing only sandbox.json, and receives live a message a GramJS user sends', async () => {
    const bot = keep(await startMtcuteBot(emu.sandbox));
    const me = await bot.getMe();
    expect(me.id).to.equal(emu.emulator.sandbox.bot_user_id);
    expect(me.isBot).to.equal(true);
    expect(me.username).to.equal(emu.sandbox.bot_username);
    const user = keep(await connectUserClient(emu.sandbox, firstUser().phone));
    const arrived = nextMtcuteMessage(bot, 'hello from gramjs');
    await user.sendMessage(emu.sandbox.bot_username, { message: 'hello from gramjs' });
    const m = await arrived;
    expect(m.sender.id).to.equal(firstUser().user_id);
  });

  it('a user logs in with the code, and a user with 2FA with the code and password (SRP)', async () => {
    const plain = keep(await startMtcuteUser(emu.sandbox, firstUser().phone));
    expect((await plain.getMe()).id).to.equal(firstUser().user_id);
    const guarded = emu.sandbox.users.find((u) => u['2fa_password']);
    expect(guarded, 'sandbox.json lists a user with a 2FA password').to.not.equal(undefined);
    const client = keep(await startMtcuteUser(emu.sandbox, guarded!.phone));
    const me = await client.getMe();
    expect(me.id).to.equal(guarded!.user_id);
    expect(me.isBot).to.equal(false);
  });

  it('an mtcute user and a GramJS bot talk both ways, live', async () => {
    const bot = keep(await connectBotClient(emu.sandbox));
    const user = keep(await startMtcuteUser(emu.sandbox, firstUser().phone));
    const toBot = nextMessageWithText(bot, 'hi gramjs bot');
    await user.sendText(emu.sandbox.bot_username, 'hi gramjs bot');
    await toBot;
    const toUser = nextMtcuteMessage(user, 'hi mtcute user');
    await bot.sendMessage(new Api.PeerUser({ userId: firstUser().user_id as never }), { message: 'hi mtcute user' });
    expect((await toUser).sender.id).to.equal(emu.emulator.sandbox.bot_user_id);
  });

  it('a GramJS user presses an mtcute bot\'s inline button and gets the bot\'s answer', async () => {
    const bot = keep(await startMtcuteBot(emu.sandbox));
    const user = keep(await connectUserClient(emu.sandbox, firstUser().phone));
    const hello = nextMtcuteMessage(bot, '/start');
    await user.sendMessage(emu.sandbox.bot_username, { message: '/start' });
    await hello;
    const shown = nextMessageWithText(user, 'pick one');
    await bot.sendText(firstUser().user_id, 'pick one', { replyMarkup: BotKeyboard.inline([[BotKeyboard.callback('Yes', 'yes')]]) });
    const keyboard = await shown;
    const answered = new Promise<CallbackQuery>((resolve) => {
      bot.onCallbackQuery.add((q) => {
        void bot.answerCallbackQuery(q, { text: `you said ${q.dataStr ?? '?'}` }).then(() => resolve(q));
      });
    });
    const answer = await user.invoke(new Api.messages.GetBotCallbackAnswer({ peer: emu.sandbox.bot_username, msgId: keyboard.id, data: Buffer.from('yes') }));
    expect(answer.message).to.equal('you said yes');
    expect((await answered).user.id).to.equal(firstUser().user_id);
  });

  it('a 12 MB document an mtcute bot uploads (upload.saveBigFilePart) is downloaded byte for byte by a GramJS user and by the bot', async function () {
    this.timeout(180_000); // 36 MB through AES-IGE on a shared 2-core machine
    const data = seededBytes('courier mtcute 12 MB file', 12 * 1024 * 1024);
    const bot = keep(await startMtcuteBot(emu.sandbox));
    const user = keep(await connectUserClient(emu.sandbox, firstUser().phone));
    const hello = nextMtcuteMessage(bot, '/start');
    await user.sendMessage(emu.sandbox.bot_username, { message: '/start' });
    await hello;
    const received = nextUpdate(user, 'the document', (u) => messagesIn(u).find((m) => m.message?.media instanceof Api.MessageMediaDocument)?.message ?? undefined, 150_000);
    const sent = await bot.sendMedia(firstUser().user_id, InputMedia.document(data, { fileName: 'big.bin', fileMime: 'application/octet-stream' }));
    const viaGram = (await user.downloadMedia(await received)) as Buffer;
    expect(sha256Hex(viaGram)).to.equal(sha256Hex(data));
    const viaMtcute = await bot.downloadAsBuffer(sent.media as Document);
    expect(sha256Hex(Buffer.from(viaMtcute))).to.equal(sha256Hex(data));
  });

  it('an mtcute bot that missed pushes finds the gap and fetches the difference', async () => {
    const bot = keep(await startMtcuteBot(emu.sandbox));
    const user = keep(await connectUserClient(emu.sandbox, firstUser().phone));
    const botId = emu.emulator.sandbox.bot_user_id;
    const seen: string[] = [];
    bot.onNewMessage.add((m: Message) => void seen.push(m.text));
    emu.emulator.world.faults.withholdPushes(botId, true);
    await user.sendMessage(emu.sandbox.bot_username, { message: 'sent while withheld 1' });
    await user.sendMessage(emu.sandbox.bot_username, { message: 'sent while withheld 2' });
    emu.emulator.world.faults.withholdPushes(botId, false);
    const last = nextMtcuteMessage(bot, 'pushed after the gap');
    await user.sendMessage(emu.sandbox.bot_username, { message: 'pushed after the gap' });
    await last;
    await waitUntil(() => seen.includes('sent while withheld 2'));
    expect(seen.filter((t) => t.startsWith('sent while withheld')).sort()).to.deep.equal(['sent while withheld 1', 'sent while withheld 2']);
  });

  it('after its own restart an mtcute bot receives, from its stored state, the messages sent while it was away', async () => {
    const storagePath = join(dir, 'bot.session');
    const first = await startMtcuteBot(emu.sandbox, { storagePath });
    const user = keep(await connectUserClient(emu.sandbox, firstUser().phone));
    const before = nextMtcuteMessage(first, 'before the restart');
    await user.sendMessage(emu.sandbox.bot_username, { message: 'before the restart' });
    await before;
    await first.destroy();

    await user.sendMessage(emu.sandbox.bot_username, { message: 'while away 1' });
    await user.sendMessage(emu.sandbox.bot_username, { message: 'while away 2' });

    const again = keep(await buildMtcuteClient(emu.sandbox, { storagePath }));
    const seen: string[] = [];
    again.onNewMessage.add((m: Message) => void seen.push(m.text));
    await again.start({ botToken: emu.sandbox.bot_token });
    await waitUntil(() => seen.includes('while away 2'));
    expect(seen).to.include('while away 1');
    expect(seen).to.not.include('before the restart');
  });
});

async function waitUntil(done: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

