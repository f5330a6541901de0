import { expect } from 'chai';
import { RpcError } from '../../../../src/emulator/contract.js';
import { createFloodGate } from '../../../../src/emulator/world/accountsSide/flood.js';
import { DEFAULT_LIMITS, type Limits } from '../../../../src/emulator/world/world.js';

const BOT = 1;
const USER = 2;

function gate(limits: Partial<Limits & { enabled: boolean }> = {}) {
  const clock = { ms: 1_000_000 };
  const g = createFloodGate({ nowMs: () => clock.ms, limits: { ...DEFAULT_LIMITS, ...limits }, isBot: (id) => id === BOT });
  const send = (peer: Parameters<typeof g>[1], from = BOT): string => {
    try {
      g(from, peer);
      return 'ok';
    } catch (e) {
      expect(e).to.be.instanceOf(RpcError);
      expect((e as RpcError).code).to.equal(420);
      return (e as RpcError).errorMessage;
    }
  };
  return { clock, send };
}

describe('emulator accounts side: bot flood limits', () => {
  it('allows a burst of 3 to one chat, then about 1 per second', () => {
    const { clock, send } = gate();
    expect([1, 2, 3].map(() => send({ user: 7 }))).to.deep.equal(['ok', 'ok', 'ok']);
    expect(send({ user: 7 })).to.equal('FLOOD_WAIT_1');
    expect(send({ user: 8 }), 'another chat has its own bucket').to.equal('ok');
    clock.ms += 1000;
    expect(send({ user: 7 })).to.equal('ok');
    expect(send({ user: 7 })).to.equal('FLOOD_WAIT_1');
  });

  it('limits a group to 20 a minute and answers how long to wait', () => {
    const { clock, send } = gate({ botMessagesPerChatPerSecond: 100, botChatBurst: 100 });
    for (let i = 0; i < 20; i++) expect(send({ channel: 9 })).to.equal('ok');
    expect(send({ channel: 9 })).to.equal('FLOOD_WAIT_3');
    clock.ms += 3000;
    expect(send({ channel: 9 })).to.equal('ok');
  });

  it('limits a bot to 30 a second overall', () => {
    const { send } = gate();
    const results = Array.from({ length: 31 }, (_, i) => send({ user: 100 + i }));
    expect(results.slice(0, 30).every((r) => r === 'ok')).to.equal(true);
    expect(results[30]).to.equal('FLOOD_WAIT_1');
  });

  it('does not limit users, nor anyone when disabled', () => {
    const { send } = gate();
    for (let i = 0; i < 50; i++) expect(send({ user: 7 }, USER)).to.equal('ok');
    const off = gate({ enabled: false });
    for (let i = 0; i < 50; i++) expect(off.send({ chat: 7 })).to.equal('ok');
  });
});
