import { expect } from 'chai';
import { Api } from 'telegram';
import { ALICE, BOB, BOT, keyOf, openHarness, type Harness } from './fixtures.js';

describe('emulator world: pts accounting and live pushes', () => {
  let h: Harness;
  beforeEach(() => (h = openHarness()));
  afterEach(() => h.close());

  it('pts advances per event and per recipient', () => {
    h.world.messaging.send(ALICE, { user: BOT }, { text: '1' });
    h.world.messaging.send(BOB, { user: BOT }, { text: '2' });
    h.world.messaging.send(BOT, { user: ALICE }, { text: '3' }, keyOf(BOT));
    expect(h.world.log.state(BOT).pts).to.equal(3);
    expect(h.world.log.state(ALICE).pts).to.equal(2);
    expect(h.world.log.state(BOB).pts).to.equal(1);
    h.world.messaging.readHistory(BOT, { user: ALICE }, 3);
    expect(h.world.log.state(BOT).pts).to.equal(4);
    const pts = h.pushed(BOT).map((u) => (u as Api.UpdateShortMessage).pts);
    expect(pts).to.deep.equal([1, 2]);
  });

  it('withheld pushes still advance pts, leaving a gap the client can recover', () => {
    h.world.messaging.send(ALICE, { user: BOT }, { text: 'live' });
    h.world.faults.withholdPushes(BOT, true);
    h.world.messaging.send(ALICE, { user: BOT }, { text: 'lost 1' });
    h.world.messaging.send(ALICE, { user: BOT }, { text: 'lost 2' });
    h.world.faults.withholdPushes(BOT, false);
    const last = h.world.messaging.send(ALICE, { user: BOT }, { text: 'after' });
    expect((last as Api.UpdateShortSentMessage).pts).to.equal(4);
    const seen = h.pushed(BOT).map((u) => (u as Api.UpdateShortMessage).pts);
    expect(seen).to.deep.equal([1, 4]);
    const d = h.world.differences.difference(BOT, { pts: 1, qts: 0, date: 0 }) as Api.updates.Difference;
    expect(d.newMessages.map((m) => (m as Api.Message).message)).to.deep.equal(['lost 1', 'lost 2', 'after']);
  });

  it('a supergroup that moved while pushes were withheld gets updateChannelTooLong when they resume', () => {
    const channel = h.world.chats.createSupergroup('sg', ALICE, [BOT]);
    h.world.faults.withholdPushes('all', true);
    h.world.messaging.send(ALICE, { channel }, { text: 'while away' });
    h.world.faults.withholdPushes('all', false);
    const pushed = h.pushed(BOT);
    expect(pushed).to.have.length(1);
    const u = (pushed[0] as Api.UpdateShort).update as Api.UpdateChannelTooLong;
    expect(u).to.be.instanceOf(Api.UpdateChannelTooLong);
    expect(Number(u.channelId)).to.equal(channel);
    expect(u.pts).to.equal(1);
  });

  it('the sender other sessions get the message with the out flag; the calling session does not', () => {
    h.world.messaging.send(ALICE, { user: BOB }, { text: 'from another device' });
    const mine = h.pushed(ALICE)[0] as Api.UpdateShortMessage;
    expect(mine.out).to.equal(true);
    expect(Number(mine.userId)).to.equal(BOB);
    h.pushes.clear();
    h.world.messaging.send(ALICE, { user: BOB }, { text: 'from this device' }, keyOf(ALICE));
    expect(h.pushed(ALICE)).to.have.length(0);
    expect(h.pushed(BOB)).to.have.length(1);
  });
});
