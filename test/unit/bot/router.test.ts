import { expect } from 'chai';
import { buildBotRouter } from '../../../src/bot/commands.js';
import type { Incoming, IncomingCallback, IncomingMessage } from '../../../src/domain/incoming.js';
import { parseCommand, Router } from '../../../src/bot/router.js';
import { replyRandomId } from '../../../src/domain/randomId.js';
import { langFor, texts } from '../../../src/texts/index.js';
import { FakePort } from '../../helpers/fakeBotPort.js';

const alice = { kind: 'user' as const, id: '1001', accessHash: '-5' };

function message(text: string, extra: Partial<IncomingMessage> = {}): IncomingMessage {
  return { kind: 'message', updateKey: `msg:user:1001:${extra.messageId ?? 7}`, chat: alice, senderId: '1001', messageId: 7, text, date: 1_700_000_000, ...extra };
}

function callback(data: string, extra: Partial<IncomingCallback> = {}): IncomingCallback {
  return { kind: 'callback', updateKey: 'cb:99', chat: alice, senderId: '1001', queryId: '99', messageId: 5, data, date: 1_700_000_000, ...extra };
}

describe('bot router and commands', () => {
  it('/start welcomes the user in their language, without quoting', async () => {
    for (const [code, lang] of [['en', 'en'], ['fa-IR', 'fa'], ['ru', 'ru'], [undefined, 'en'], ['de', 'en']] as const) {
      const port = new FakePort();
      await buildBotRouter().handle(message('/start', code === undefined ? {} : { langCode: code }), port);
      expect(port.sent, `lang ${code}`).to.have.length(1);
      expect(port.sent[0]!.text).to.equal(texts[lang].welcome);
      expect(port.sent[0]!.chat).to.deep.equal(alice);
      expect(port.sent[0]!.opts.replyTo).to.equal(undefined);
    }
  });

  it('the welcome says what the bot does: media up to 2 GB, links, actions', () => {
    expect(texts.en.welcome).to.match(/video/).and.match(/2 GB/).and.match(/link/).and.match(/50 MB/);
    for (const lang of ['fa', 'ru'] as const) {
      expect(texts[lang].welcome).to.not.equal(texts.en.welcome);
      expect(texts[lang].hint).to.not.equal(texts.en.hint);
    }
  });

  it('/help answers with the help text', async () => {
    const port = new FakePort();
    await buildBotRouter().handle(message('/help', { langCode: 'ru' }), port);
    expect(port.sent.map((s) => s.text)).to.deep.equal([texts.ru.help]);
  });

  it('/ping replies pong with the measured round trip, quoting the command', async () => {
    const port = new FakePort();
    port.pingMs = 123.4;
    await buildBotRouter().handle(message('/ping', { messageId: 31 }), port);
    expect(port.sent).to.have.length(1);
    expect(port.sent[0]!.text).to.equal('pong (123 ms round trip to Telegram)');
    expect(port.sent[0]!.opts.replyTo).to.equal(31);
  });

  it('any other text gets a one-line hint as a reply to that message', async () => {
    const port = new FakePort();
    await buildBotRouter().handle(message('hello', { messageId: 12, langCode: 'fa' }), port);
    expect(port.sent).to.have.length(1);
    expect(port.sent[0]!.text).to.equal(texts.fa.hint);
    expect(port.sent[0]!.text).to.not.include('\n');
    expect(port.sent[0]!.opts.replyTo).to.equal(12);
  });

  it('a message without text (a file without a caption) gets no hint', async () => {
    const port = new FakePort();
    await buildBotRouter().handle(message(''), port);
    expect(port.sent).to.have.length(0);
  });

  it('an unknown command in a private chat gets the hint too', async () => {
    const port = new FakePort();
    await buildBotRouter().handle(message('/frobnicate'), port);
    expect(port.sent.map((s) => s.text)).to.deep.equal([texts.en.hint]);
  });

  it('in a group, plain text and other bots\' commands are left alone; own commands are answered', async () => {
    const group = { kind: 'chat' as const, id: '555' };
    const port = new FakePort();
    const router = buildBotRouter({ botUsername: 'CourierBot' });
    await router.handle(message('hello all', { chat: group }), port);
    await router.handle(message('/start@OtherBot', { chat: group }), port);
    expect(port.sent).to.have.length(0);
    await router.handle(message('/start@courierbot', { chat: group }), port);
    await router.handle(message('/what@CourierBot', { chat: group, messageId: 9 }), port);
    expect(port.sent.map((s) => s.text)).to.deep.equal([texts.en.welcome, texts.en.hint]);
    expect(port.sent[1]!.opts.replyTo).to.equal(9);
  });

  it('the same update handled twice sends with the same random ids; different updates differ', async () => {
    const port = new FakePort();
    const router = buildBotRouter();
    await router.handle(message('hello', { messageId: 7 }), port);
    await router.handle(message('hello', { messageId: 7 }), port);
    await router.handle(message('hello', { messageId: 8 }), port);
    const ids = port.sent.map((s) => s.opts.randomId);
    expect(ids[0]).to.equal(ids[1]);
    expect(ids[2]).to.not.equal(ids[0]);
    expect(ids[0]).to.equal(replyRandomId('msg:user:1001:7', 0));
  });

  it('replyRandomId is a stable signed 64-bit value, distinct per ordinal', () => {
    const a = replyRandomId('k', 0);
    expect(a).to.equal(replyRandomId('k', 0));
    expect(replyRandomId('k', 1)).to.not.equal(a);
    for (let i = 0; i < 50; i += 1) {
      const v = replyRandomId(`key${i}`, i);
      expect(v >= -(2n ** 63n) && v < 2n ** 63n).to.equal(true);
    }
    // Pinned: a change here would make re-sent replies after an upgrade not deduplicate.
    expect(replyRandomId('msg:user:1:1', 0)).to.equal(8588149589864647394n);
  });

  it('a second message for the same update gets the next ordinal', async () => {
    const port = new FakePort();
    const router = new Router().use(async (ctx) => {
      await ctx.send('one');
      await ctx.reply('two');
    });
    await router.handle(message('x'), port);
    expect(port.sent.map((s) => s.opts.randomId)).to.deep.equal([replyRandomId('msg:user:1001:7', 0), replyRandomId('msg:user:1001:7', 1)]);
  });

  it('a callback nobody handles is still answered, exactly once', async () => {
    const port = new FakePort();
    await new Router().handle(callback('x'), port);
    expect(port.answers).to.deep.equal([{ queryId: '99' }]);

    const port2 = new FakePort();
    await buildBotRouter().handle(callback('old:1', { langCode: 'ru' }), port2);
    expect(port2.answers).to.deep.equal([{ queryId: '99', text: texts.ru.callbackUnknown }]);
  });

  it('a callback handler that answers is not answered twice', async () => {
    const port = new FakePort();
    const router = new Router().callback('act:', async (ctx, data) => {
      await ctx.answer(`did ${data}`);
    });
    await router.handle(callback('act:1'), port);
    expect(port.answers).to.deep.equal([{ queryId: '99', text: 'did act:1' }]);
  });

  it('middleware runs in order and can stop the chain', async () => {
    const seen: string[] = [];
    const router = new Router()
      .use(async (_ctx, next) => {
        seen.push('a');
        await next();
        seen.push('a-after');
      })
      .use(async () => {
        seen.push('b');
      })
      .use(async () => {
        seen.push('never');
      });
    await router.handle(message('x') as Incoming, new FakePort());
    expect(seen).to.deep.equal(['a', 'b', 'a-after']);
  });

  it('parses commands with targets and arguments', () => {
    expect(parseCommand('/Ping@CourierBot  a b')).to.deep.equal({ name: 'ping', target: 'courierbot', args: 'a b' });
    expect(parseCommand('/start')).to.deep.equal({ name: 'start', target: null, args: '' });
    expect(parseCommand('hello /start')).to.equal(null);
    expect(langFor('RU-ru')).to.equal('ru');
    expect(langFor('fa')).to.equal('fa');
    expect(langFor('')).to.equal('en');
  });
});
