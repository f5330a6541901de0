import { expect } from 'chai';
import { Api } from 'telegram';
import { RpcError } from '../../../../src/emulator/contract.js';
import { long } from '../../../../src/emulator/world/db.js';
import { ALICE, BOB, BOT, openHarness, type Harness } from './fixtures.js';

const texts = (msgs: Api.TypeMessage[]): string[] => msgs.map((m) => (m as Api.Message).message);

describe('emulator world: differences', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('getDifference returns exactly the missed events, in order, then differenceEmpty', () => {
    h = openHarness();
    h.world.messaging.send(ALICE, { user: BOT }, { text: 'seen' });
    const seen = h.world.differences.state(BOT);
    h.world.messaging.send(ALICE, { user: BOT }, { text: 'm1' });
    h.world.messaging.send(BOB, { user: BOT }, { text: 'm2' });
    h.world.messaging.edit(ALICE, { user: BOT }, 2, { text: 'm1 edited' });
    const d = h.world.differences.difference(BOT, { pts: seen.pts, qts: seen.qts, date: seen.date }) as Api.updates.Difference;
    expect(d).to.be.instanceOf(Api.updates.Difference);
    expect(texts(d.newMessages)).to.deep.equal(['m1', 'm2']);
    expect(d.otherUpdates).to.have.length(1);
    expect(d.otherUpdates[0]).to.be.instanceOf(Api.UpdateEditMessage);
    expect(d.state.pts).to.equal(4);
    expect(d.users.map((u) => Number(u.id))).to.include.members([ALICE, BOB, BOT]);
    const again = h.world.differences.difference(BOT, { pts: d.state.pts, qts: d.state.qts, date: d.state.date });
    expect(again).to.be.instanceOf(Api.updates.DifferenceEmpty);
  });

  it('600 missed messages come back over at least 5 slices with no duplicates and nothing lost', () => {
    h = openHarness({ differenceLimits: { pageSize: 100 } });
    h.world.faults.withholdPushes(BOT, true);
    for (let i = 0; i < 600; i++) h.world.messaging.send(i % 2 ? ALICE : BOB, { user: BOT }, { text: `n${i}`, randomId: BigInt(i + 1) });
    expect(h.pushed(BOT)).to.have.length(0);
    let state = { pts: 0, qts: 0, date: 0 };
    const got: string[] = [];
    let slices = 0;
    for (;;) {
      const d = h.world.differences.difference(BOT, state);
      if (d instanceof Api.updates.DifferenceSlice) {
        slices++;
        got.push(...texts(d.newMessages));
        state = d.intermediateState;
      } else if (d instanceof Api.updates.Difference) {
        got.push(...texts(d.newMessages));
        break;
      } else throw new Error(`unexpected ${d.className}`);
    }
    expect(slices).to.be.at.least(5);
    expect(got).to.deep.equal(Array.from({ length: 600 }, (_, i) => `n${i}`));
  });

  it('a client further behind than tooLongAfter gets differenceTooLong; a fault forces it once', () => {
    h = openHarness({ differenceLimits: { tooLongAfter: 10 } });
    for (let i = 0; i < 11; i++) h.world.messaging.send(ALICE, { user: BOT }, { text: `x${i}` });
    const far = h.world.differences.difference(BOT, { pts: 0, qts: 0, date: 0 });
    expect(far).to.be.instanceOf(Api.updates.DifferenceTooLong);
    expect((far as Api.updates.DifferenceTooLong).pts).to.equal(11);
    expect(h.world.differences.difference(BOT, { pts: 1, qts: 0, date: 0 })).to.be.instanceOf(Api.updates.Difference);
    expect(h.world.differences.difference(BOT, { pts: 5, qts: 0, date: 0, ptsTotalLimit: 3 })).to.be.instanceOf(Api.updates.DifferenceTooLong);
    h.world.faults.forceDifferenceTooLong(BOT);
    expect(h.world.differences.difference(BOT, { pts: 11, qts: 0, date: 0 })).to.be.instanceOf(Api.updates.DifferenceTooLong);
    expect(h.world.differences.difference(BOT, { pts: 11, qts: 0, date: 0 })).to.be.instanceOf(Api.updates.DifferenceEmpty);
  });

  it('a forced differenceTooLong stands when asked again from the same pts without pts_limit, and clears from the current pts', () => {
    h = openHarness();
    for (let i = 0; i < 5; i++) h.world.messaging.send(ALICE, { user: BOT }, { text: `x${i}` });
    h.world.faults.forceDifferenceTooLong(BOT);
    expect(h.world.differences.difference(BOT, { pts: 2, qts: 0, date: 0, ptsLimit: 1000 })).to.be.instanceOf(Api.updates.DifferenceTooLong);
    expect(h.world.differences.difference(BOT, { pts: 2, qts: 0, date: 0 })).to.be.instanceOf(Api.updates.DifferenceTooLong);
    h.world.messaging.send(ALICE, { user: BOT }, { text: 'after' });
    const next = h.world.differences.difference(BOT, { pts: 5, qts: 0, date: 0 });
    expect(next).to.be.instanceOf(Api.updates.Difference);
    expect((next as Api.updates.Difference).newMessages).to.have.length(1);
  });

  it('qts events come back in other_updates and move the qts of the state', () => {
    h = openHarness();
    h.world.log.appendQts(BOT, (qts) => new Api.UpdateBotStopped({ userId: long(ALICE), date: 1, stopped: true, qts }));
    const d = h.world.differences.difference(BOT, { pts: 0, qts: 0, date: 0 }) as Api.updates.Difference;
    expect(d.otherUpdates[0]).to.be.instanceOf(Api.UpdateBotStopped);
    expect(d.state.qts).to.equal(1);
  });

  it('getChannelDifference pages a supergroup by its own pts, and is too long past the limit', () => {
    h = openHarness({ differenceLimits: { channelTooLongAfter: 50 } });
    const channel = h.world.chats.createSupergroup('sg', ALICE, [BOT, BOB]);
    for (let i = 0; i < 30; i++) h.world.messaging.send(i % 2 ? ALICE : BOB, { channel }, { text: `c${i}` });
    const empty = h.world.differences.channelDifference(BOT, channel, { pts: 30, limit: 100 });
    expect(empty).to.be.instanceOf(Api.updates.ChannelDifferenceEmpty);
    const first = h.world.differences.channelDifference(BOT, channel, { pts: 10, limit: 15 }) as Api.updates.ChannelDifference;
    expect(first.final).to.equal(false);
    expect(first.pts).to.equal(25);
    const second = h.world.differences.channelDifference(BOT, channel, { pts: first.pts, limit: 15 }) as Api.updates.ChannelDifference;
    expect(second.final).to.equal(true);
    expect(second.pts).to.equal(30);
    expect(texts([...first.newMessages, ...second.newMessages])).to.deep.equal(Array.from({ length: 20 }, (_, i) => `c${i + 10}`));
    for (let i = 0; i < 30; i++) h.world.messaging.send(ALICE, { channel }, { text: `more${i}` });
    const tooLong = h.world.differences.channelDifference(BOT, channel, { pts: 5, limit: 10 }) as Api.updates.ChannelDifferenceTooLong;
    expect(tooLong).to.be.instanceOf(Api.updates.ChannelDifferenceTooLong);
    expect((tooLong.dialog as Api.Dialog).pts).to.equal(60);
    expect(tooLong.messages).to.have.length(10);
    expect(() => h.world.differences.channelDifference(BOT, 999, { pts: 0, limit: 10 })).to.throw(RpcError).with.property('errorMessage', 'CHANNEL_INVALID');
  });
});
