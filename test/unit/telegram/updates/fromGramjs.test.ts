import { expect } from 'chai';
import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import {
  batchFromGramjs,
  channelDifferenceFromGramjs,
  differenceFromGramjs,
  gramjsPlainUpdateKey,
  updateFromGramjs,
  type GramjsPayload,
} from '../../../../src/telegram/updates/fromGramjs.js';
import { UpdateEngine } from '../../../../src/telegram/updates/engine.js';

const long = (v: number | string) => returnBigInt(String(v));

function privateMessage(id: number): Api.Message {
  return new Api.Message({ id, peerId: new Api.PeerUser({ userId: long(1001) }), date: 5, message: `m${id}` });
}

function channelMessage(id: number): Api.Message {
  return new Api.Message({ id, peerId: new Api.PeerChannel({ channelId: long(555) }), date: 5, message: `c${id}` });
}

const state = (pts: number) => new Api.updates.State({ pts, qts: 3, date: 100, seq: 7, unreadCount: 0 });

describe('GramJS updates as engine input', () => {
  it('puts each update on its sequence: common pts, a channel pts, qts, or none', () => {
    expect(updateFromGramjs(new Api.UpdateNewMessage({ message: privateMessage(1), pts: 8, ptsCount: 1 }))).to.deep.include({
      kind: 'pts',
      entry: 'common',
      pts: 8,
      ptsCount: 1,
    });
    expect(updateFromGramjs(new Api.UpdateNewChannelMessage({ message: channelMessage(1), pts: 40, ptsCount: 1 }))).to.deep.include({
      entry: { channel: '555' },
      pts: 40,
    });
    expect(updateFromGramjs(new Api.UpdateReadChannelInbox({ channelId: long(555), maxId: 1, stillUnreadCount: 0, pts: 40 }))).to.deep.include({
      entry: { channel: '555' },
      ptsCount: 0,
    });
    expect(updateFromGramjs(new Api.UpdateBotStopped({ userId: long(1001), date: 1, stopped: true, qts: 12 }))).to.deep.include({
      entry: 'secondary',
      pts: 12,
      ptsCount: 1,
    });
    expect(updateFromGramjs(new Api.UpdateChannelTooLong({ channelId: long(555), pts: 41 }))).to.deep.include({
      kind: 'channelTooLong',
      channel: '555',
      pts: 41,
    });
    const callback = new Api.UpdateBotCallbackQuery({
      queryId: long(1),
      userId: long(1001),
      peer: new Api.PeerUser({ userId: long(1001) }),
      msgId: 3,
      chatInstance: long(2),
    });
    expect(updateFromGramjs(callback)).to.deep.equal({ kind: 'plain', update: callback });
    expect(gramjsPlainUpdateKey(callback)).to.equal('cb:1');
    expect(gramjsPlainUpdateKey(new Api.UpdateUserStatus({ userId: long(1), status: new Api.UserStatusEmpty() }))).to.equal(null);
  });

  it('reads seq from full containers and none from short ones', () => {
    const combined = new Api.UpdatesCombined({ updates: [], users: [], chats: [], date: 9, seqStart: 4, seq: 6 });
    expect(batchFromGramjs(combined)).to.deep.include({ kind: 'updates', seqStart: 4, seq: 6, date: 9 });
    const updates = new Api.Updates({ updates: [], users: [], chats: [], date: 9, seq: 6 });
    expect(batchFromGramjs(updates)).to.deep.include({ seqStart: 6, seq: 6 });
    const short = new Api.UpdateShortMessage({ id: 17, userId: long(1001), message: 'hi', pts: 5, ptsCount: 1, date: 10 });
    expect(batchFromGramjs(short)).to.deep.include({ seqStart: 0, seq: 0, date: 10 });
    expect(batchFromGramjs(new Api.UpdatesTooLong())).to.deep.equal({ kind: 'tooLong' });
  });

  it('feeds the engine end to end: a short message in order, a gap, the difference fills it', () => {
    const engine = new UpdateEngine<GramjsPayload>(null);
    engine.setState({ pts: 4, qts: 3, date: 100, seq: 7 }, 0);
    const first = new Api.UpdateShortMessage({ id: 17, userId: long(1001), message: 'hi', pts: 5, ptsCount: 1, date: 10 });
    expect(engine.processUpdates(batchFromGramjs(first), 0).dispatch.map((d) => d.update)).to.deep.equal([first]);

    const third = new Api.UpdateShort({ update: new Api.UpdateNewMessage({ message: privateMessage(19), pts: 7, ptsCount: 1 }), date: 11 });
    expect(engine.processUpdates(batchFromGramjs(third), 1).gap).to.equal(true);
    expect(engine.nextDifferenceRequest(600)).to.deep.equal({ kind: 'common', pts: 5, qts: 3, date: 10 });

    const missing = privateMessage(18);
    const diff = new Api.updates.Difference({
      newMessages: [missing, privateMessage(19)],
      newEncryptedMessages: [],
      otherUpdates: [],
      chats: [],
      users: [],
      state: state(7),
    });
    const result = engine.applyDifference(differenceFromGramjs(diff), 700);
    expect(result.dispatch.map((d) => (d.update as Api.Message).id)).to.deep.equal([18, 19]);
    expect(result.stateAfter).to.deep.include({ pts: 7, qts: 3, seq: 7 });
  });

  it('reads every kind of difference answer', () => {
    expect(differenceFromGramjs(new Api.updates.DifferenceEmpty({ date: 5, seq: 2 }))).to.deep.equal({ kind: 'empty', date: 5, seq: 2 });
    expect(differenceFromGramjs(new Api.updates.DifferenceTooLong({ pts: 900 }))).to.deep.equal({ kind: 'tooLong', pts: 900 });
    const slice = differenceFromGramjs(
      new Api.updates.DifferenceSlice({
        newMessages: [],
        newEncryptedMessages: [],
        otherUpdates: [],
        chats: [],
        users: [],
        intermediateState: state(50),
      }),
    );
    expect(slice).to.deep.include({ kind: 'slice', intermediateState: { pts: 50, qts: 3, date: 100, seq: 7 } });

    expect(channelDifferenceFromGramjs(new Api.updates.ChannelDifferenceEmpty({ pts: 9, timeout: 30 }))).to.deep.equal({
      kind: 'empty',
      final: true,
      pts: 9,
      timeout: 30,
    });
    const tooLong = channelDifferenceFromGramjs(
      new Api.updates.ChannelDifferenceTooLong({
        final: true,
        dialog: new Api.Dialog({
          peer: new Api.PeerChannel({ channelId: long(555) }),
          topMessage: 3,
          readInboxMaxId: 0,
          readOutboxMaxId: 0,
          unreadCount: 0,
          unreadMentionsCount: 0,
          unreadReactionsCount: 0,
          notifySettings: new Api.PeerNotifySettings({}),
          pts: 77,
        }),
        messages: [channelMessage(3)],
        chats: [],
        users: [],
      }),
    );
    expect(tooLong).to.deep.include({ kind: 'tooLong', final: true, dialogPts: 77 });
  });
});
