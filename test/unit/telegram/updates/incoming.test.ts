import { expect } from 'chai';
import { returnBigInt } from 'telegram/Helpers.js';
import { Api } from 'telegram';
import { toIncoming } from '../../../../src/telegram/updates/incoming.js';

const long = (v: number | string) => returnBigInt(String(v));

describe('incoming: GramJS updates as plain data', () => {
  it('a short private message becomes a message from that user, keyed by chat and id', () => {
    const u = new Api.UpdateShortMessage({ id: 17, userId: long(1001), message: 'hello', pts: 5, ptsCount: 1, date: 1_700_000_000 });
    expect(toIncoming(u)).to.deep.equal({
      kind: 'message',
      updateKey: 'msg:user:1001:17',
      chat: { kind: 'user', id: '1001' },
      senderId: '1001',
      messageId: 17,
      text: 'hello',
      date: 1_700_000_000,
    });
  });

  it('the bot\'s own outgoing messages are ignored', () => {
    const u = new Api.UpdateShortMessage({ out: true, id: 18, userId: long(1001), message: 'me', pts: 6, ptsCount: 1, date: 1 });
    expect(toIncoming(u)).to.equal(null);
  });

  it('a full message takes the access hash and language from the container\'s users', () => {
    const message = new Api.Message({ id: 9, peerId: new Api.PeerUser({ userId: long(1001) }), fromId: new Api.PeerUser({ userId: long(1001) }), date: 5, message: '/start' });
    const user = new Api.User({ id: long(1001), accessHash: long('-77'), langCode: 'fa', firstName: 'Sara' });
    const incoming = toIncoming(new Api.UpdateNewMessage({ message, pts: 1, ptsCount: 1 }), new Map([['1001', user]]));
    expect(incoming).to.include({ kind: 'message', updateKey: 'msg:user:1001:9', senderId: '1001', langCode: 'fa', text: '/start' });
    expect(incoming!.chat).to.deep.equal({ kind: 'user', id: '1001', accessHash: '-77' });
  });

  it('group messages name the group as the chat and the user as the sender', () => {
    const u = new Api.UpdateShortChatMessage({ id: 3, fromId: long(1001), chatId: long(555), message: 'hi all', pts: 2, ptsCount: 1, date: 6 });
    expect(toIncoming(u)).to.include({ senderId: '1001', updateKey: 'msg:chat:555:3' });
  });

  it('a button press becomes a callback with its query id and data', () => {
    const u = new Api.UpdateBotCallbackQuery({
      queryId: long('123456789012345'),
      userId: long(1001),
      peer: new Api.PeerUser({ userId: long(1001) }),
      msgId: 40,
      chatInstance: long(1),
      data: Buffer.from('act:info'),
    });
    expect(toIncoming(u, undefined, 99)).to.deep.equal({
      kind: 'callback',
      updateKey: 'cb:123456789012345',
      chat: { kind: 'user', id: '1001' },
      senderId: '1001',
      queryId: '123456789012345',
      messageId: 40,
      data: 'act:info',
      date: 99,
    });
  });
});
