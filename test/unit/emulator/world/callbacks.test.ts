import { expect } from 'chai';
import { Api } from 'telegram';
import { RpcError } from '../../../../src/emulator/contract.js';
import { ALICE, BOB, BOT, inlineKeyboard, openHarness, type Harness } from './fixtures.js';

describe('emulator world: callback queries', () => {
  let h: Harness;
  beforeEach(() => (h = openHarness({ callbackTimeoutMs: 5000 })));
  afterEach(() => h.close());

  const pressedQuery = (): Api.UpdateBotCallbackQuery => {
    // As Telegram sends it: an `updates` container (seq 0, no pts) that carries the pressing user.
    const last = h.pushed(BOT).at(-1) as Api.Updates;
    expect(last).to.be.instanceOf(Api.Updates);
    expect(last.seq).to.equal(0);
    const q = last.updates[0] as Api.UpdateBotCallbackQuery;
    expect(last.users.map((u) => u.id.toString())).to.deep.equal([q.userId.toString()]);
    return q;
  };

  it('a button press reaches the bot without pts and the bot answer resolves the user call', async () => {
    h.world.messaging.send(ALICE, { user: BOT }, { text: 'shift ids' });
    h.world.messaging.send(BOT, { user: ALICE }, { text: 'choose', replyMarkup: inlineKeyboard('info', 'audio') });
    const ptsBefore = h.world.log.state(BOT).pts;
    const answer = h.world.callbacks.ask(ALICE, { user: BOT }, 2, Buffer.from('audio'));
    const q = pressedQuery();
    expect(q).to.be.instanceOf(Api.UpdateBotCallbackQuery);
    expect(Buffer.from(q.data!).toString()).to.equal('audio');
    expect(Number(q.userId)).to.equal(ALICE);
    // The bot sees its own copy's id: message 2 in Alice's box is message 2 in the bot's too here only by chance of order.
    const botCopy = h.world.store.copyIn('u100', h.world.store.get('u201', 2)!.origin)!;
    expect(q.msgId).to.equal(botCopy.id);
    expect(h.world.log.state(BOT).pts).to.equal(ptsBefore);
    h.world.callbacks.answer(BOT, BigInt(q.queryId.toString()), { message: 'working on it', cacheTime: 0 });
    const a = await answer;
    expect(a.message).to.equal('working on it');
    expect(() => h.world.callbacks.answer(BOT, BigInt(q.queryId.toString()), { cacheTime: 0 })).to.throw(RpcError).with.property('errorMessage', 'QUERY_ID_INVALID');
  });

  it('a bot that never answers makes the user call fail with BOT_RESPONSE_TIMEOUT; a late answer is QUERY_ID_INVALID', async () => {
    h.world.messaging.send(BOT, { user: BOB }, { text: 'choose', replyMarkup: inlineKeyboard('x') });
    const answer = h.world.callbacks.ask(BOB, { user: BOT }, 1, Buffer.from('x'));
    const q = pressedQuery();
    h.timers.advance(4999);
    expect(h.world.callbacks.pendingCount()).to.equal(1);
    h.timers.advance(1);
    let err: unknown;
    await answer.catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(RpcError);
    expect((err as RpcError).errorMessage).to.equal('BOT_RESPONSE_TIMEOUT');
    expect(() => h.world.callbacks.answer(BOT, BigInt(q.queryId.toString()), { cacheTime: 0 })).to.throw(RpcError).with.property('errorMessage', 'QUERY_ID_INVALID');
  });

  it('data that matches no button is DATA_INVALID', () => {
    h.world.messaging.send(BOT, { user: BOB }, { text: 'choose', replyMarkup: inlineKeyboard('x') });
    expect(() => h.world.callbacks.ask(BOB, { user: BOT }, 1, Buffer.from('forged'))).to.throw(RpcError).with.property('errorMessage', 'DATA_INVALID');
  });
});
