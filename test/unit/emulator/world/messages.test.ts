import { expect } from 'chai';
import { Api } from 'telegram';
import { RpcError } from '../../../../src/emulator/contract.js';
import { ALICE, BOB, BOT, inlineKeyboard, keyOf, openHarness, type Harness } from './fixtures.js';

describe('emulator world: messages', () => {
  let h: Harness;
  beforeEach(() => (h = openHarness()));
  afterEach(() => h.close());

  it('a private text message reaches the bot as updateShortMessage and the sender gets updateShortSentMessage', () => {
    const result = h.world.messaging.send(ALICE, { user: BOT }, { text: 'hello', randomId: 1n }, keyOf(ALICE));
    expect(result).to.be.instanceOf(Api.UpdateShortSentMessage);
    const sent = result as Api.UpdateShortSentMessage;
    expect(sent.out).to.equal(true);
    expect(sent.id).to.equal(1);
    expect(sent.pts).to.equal(1);
    const toBot = h.pushed(BOT);
    expect(toBot).to.have.length(1);
    const short = toBot[0] as Api.UpdateShortMessage;
    expect(short).to.be.instanceOf(Api.UpdateShortMessage);
    expect(short.message).to.equal('hello');
    expect(Number(short.userId)).to.equal(ALICE);
    expect(short.out).to.equal(false);
    // The sending session itself is answered by the result, not by a push.
    expect(h.pushed(ALICE)).to.have.length(0);
  });

  it('each participant has its own message id space', () => {
    h.world.messaging.send(ALICE, { user: BOB }, { text: 'a1' });
    h.world.messaging.send(ALICE, { user: BOB }, { text: 'a2' });
    const r = h.world.messaging.send(ALICE, { user: BOT }, { text: 'to bot' }) as Api.UpdateShortSentMessage;
    expect(r.id).to.equal(3);
    const toBot = h.pushed(BOT)[0] as Api.UpdateShortMessage;
    expect(toBot.id).to.equal(1);
  });

  it('a message with reply markup goes out as a full updates container with updateMessageID for the sender', () => {
    const result = h.world.messaging.send(BOT, { user: ALICE }, { text: 'pick', randomId: 77n, replyMarkup: inlineKeyboard('a') }, keyOf(BOT));
    expect(result).to.be.instanceOf(Api.Updates);
    const u = result as Api.Updates;
    expect(u.updates[0]).to.be.instanceOf(Api.UpdateMessageID);
    expect((u.updates[0] as Api.UpdateMessageID).randomId!.toString()).to.equal('77');
    expect(u.updates[1]).to.be.instanceOf(Api.UpdateNewMessage);
    expect(u.seq).to.equal(1);
    const toAlice = h.pushed(ALICE)[0] as Api.Updates;
    expect(toAlice).to.be.instanceOf(Api.Updates);
    const msg = (toAlice.updates[0] as Api.UpdateNewMessage).message as Api.Message;
    expect(msg.replyMarkup).to.be.instanceOf(Api.ReplyInlineMarkup);
    expect(toAlice.users.map((x) => Number(x.id))).to.include.members([BOT, ALICE]);
  });

  it('a repeated random_id is refused with RANDOM_ID_DUPLICATE and sends nothing', () => {
    h.world.messaging.send(BOT, { user: ALICE }, { text: 'once', randomId: 5n });
    expect(() => h.world.messaging.send(BOT, { user: ALICE }, { text: 'once', randomId: 5n }))
      .to.throw(RpcError)
      .with.property('errorMessage', 'RANDOM_ID_DUPLICATE');
    expect(h.pushed(ALICE)).to.have.length(1);
    expect(h.world.log.state(ALICE).pts).to.equal(1);
    // Another sender may use the same random_id.
    h.world.messaging.send(BOB, { user: ALICE }, { text: 'mine', randomId: 5n });
    expect(h.world.log.state(ALICE).pts).to.equal(2);
  });

  it('editing keeps ids, advances pts on both sides and refuses an identical edit', () => {
    h.world.messaging.send(BOT, { user: ALICE }, { text: 'v1', replyMarkup: inlineKeyboard('x') });
    const edited = h.world.messaging.edit(BOT, { user: ALICE }, 1, { text: 'v2', replyMarkup: inlineKeyboard('x') }) as Api.Updates;
    const upd = edited.updates[0] as Api.UpdateEditMessage;
    expect(upd).to.be.instanceOf(Api.UpdateEditMessage);
    expect((upd.message as Api.Message).message).to.equal('v2');
    expect((upd.message as Api.Message).replyMarkup).to.be.instanceOf(Api.ReplyInlineMarkup);
    expect(h.world.log.state(BOT).pts).to.equal(2);
    expect(h.world.log.state(ALICE).pts).to.equal(2);
    expect(() => h.world.messaging.edit(BOT, { user: ALICE }, 1, { text: 'v2', replyMarkup: inlineKeyboard('x') })).to.throw(RpcError).with.property('errorMessage', 'MESSAGE_NOT_MODIFIED');
    expect(() => h.world.messaging.edit(BOT, { user: ALICE }, 1, { replyMarkup: inlineKeyboard('x') }))
      .to.throw(RpcError)
      .with.property('errorMessage', 'MESSAGE_NOT_MODIFIED');
    expect(() => h.world.messaging.edit(BOT, { user: ALICE }, 42, { text: 'nope' })).to.throw(RpcError).with.property('errorMessage', 'MESSAGE_ID_INVALID');
    expect(() => h.world.messaging.edit(ALICE, { user: BOT }, 1, { text: 'not mine' })).to.throw(RpcError).with.property('errorMessage', 'MESSAGE_AUTHOR_REQUIRED');
  });

  it("a bot's edit that leaves reply_markup out removes the inline keyboard, as on Telegram", () => {
    h.world.messaging.send(BOT, { user: ALICE }, { text: 'pick one', replyMarkup: inlineKeyboard('x') });
    const edited = h.world.messaging.edit(BOT, { user: ALICE }, 1, { text: 'done' }) as Api.Updates;
    expect(((edited.updates[0] as Api.UpdateEditMessage).message as Api.Message).replyMarkup).to.equal(undefined);
    // Removing it again changes nothing.
    expect(() => h.world.messaging.edit(BOT, { user: ALICE }, 1, { text: 'done' })).to.throw(RpcError).with.property('errorMessage', 'MESSAGE_NOT_MODIFIED');
  });

  it('deleting with revoke removes every copy and advances pts by the number of messages', () => {
    h.world.messaging.send(ALICE, { user: BOB }, { text: '1' });
    h.world.messaging.send(ALICE, { user: BOB }, { text: '2' });
    const affected = h.world.messaging.delete(ALICE, [1, 2, 99], true);
    expect(affected.ptsCount).to.equal(2);
    expect(affected.pts).to.equal(4);
    expect(h.world.log.state(BOB).pts).to.equal(4);
    expect(h.world.messaging.byIds(BOB, 'u202', [1, 2]).messages.every((m) => m instanceof Api.MessageEmpty)).to.equal(true);
  });

  it('a basic group message gives every member a copy and updateShortChatMessage', () => {
    const chat = h.world.chats.createGroup('g', ALICE, [BOB, BOT]);
    const r = h.world.messaging.send(ALICE, { chat }, { text: 'hi all' }, keyOf(ALICE));
    expect(r).to.be.instanceOf(Api.UpdateShortSentMessage);
    for (const member of [BOB, BOT]) {
      const u = h.pushed(member)[0] as Api.UpdateShortChatMessage;
      expect(u).to.be.instanceOf(Api.UpdateShortChatMessage);
      expect(Number(u.chatId)).to.equal(chat);
      expect(h.world.log.state(member).pts).to.equal(1);
    }
  });

  it('a supergroup message advances the channel pts once, not the members pts', () => {
    const channel = h.world.chats.createSupergroup('sg', ALICE, [BOB, BOT]);
    const r = h.world.messaging.send(ALICE, { channel }, { text: 'in sg', randomId: 9n }, keyOf(ALICE)) as Api.Updates;
    expect(r.updates[1]).to.be.instanceOf(Api.UpdateNewChannelMessage);
    expect(h.world.log.channelPts(channel)).to.equal(1);
    expect(h.world.log.state(BOB).pts).to.equal(0);
    const toBob = h.pushed(BOB)[0] as Api.Updates;
    const m = (toBob.updates[0] as Api.UpdateNewChannelMessage).message as Api.Message;
    expect(m.out).to.equal(false);
    expect(((r.updates[1] as Api.UpdateNewChannelMessage).message as Api.Message).out).to.equal(true);
    expect(() => h.world.messaging.send(ALICE, { channel: 424242 }, { text: 'x' })).to.throw(RpcError).with.property('errorMessage', 'CHANNEL_INVALID');
  });

  it('data survives closing and reopening the world from the same data dir', () => {
    const channel = h.world.chats.createSupergroup('sg', ALICE, [BOT]);
    h.world.messaging.send(ALICE, { user: BOT }, { text: 'before restart', randomId: 3n });
    h.world.messaging.send(ALICE, { channel }, { text: 'sg before' });
    h = h.reopen();
    expect(h.world.log.state(BOT).pts).to.equal(1);
    expect(h.world.log.channelPts(channel)).to.equal(1);
    const { messages } = h.world.messaging.byIds(BOT, 'u100', [1]);
    expect((messages[0] as Api.Message).message).to.equal('before restart');
    expect(() => h.world.messaging.send(ALICE, { user: BOT }, { text: 'again', randomId: 3n })).to.throw(RpcError);
    const next = h.world.messaging.send(ALICE, { user: BOT }, { text: 'after' }) as Api.UpdateShortSentMessage;
    expect(next.id).to.equal(2);
  });
});
