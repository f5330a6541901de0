import { expect } from 'chai';
import { Api } from 'telegram';
import { RPCMessageToError, RPCError } from 'telegram/errors/index.js';
import { RpcError as EmulatorRpcError } from '../../../../src/emulator/contract.js';
import { floodWaitSeconds, withFloodWait } from '../../../../src/telegram/rpc/floodWait.js';

/** The error GramJS raises for a server answer rpc_error (what the bot port sees in production). */
const fromServer = (errorMessage: string, errorCode = 420) =>
  RPCMessageToError(new Api.RpcError({ errorCode, errorMessage }), new Api.messages.SendMessage({ peer: new Api.InputPeerSelf(), message: 'x' }));

describe('floodWaitSeconds (how long a flood error asks us to wait)', () => {
  it('reads the seconds of the FloodWaitError GramJS makes of FLOOD_WAIT_X and FLOOD_PREMIUM_WAIT_X', () => {
    expect(floodWaitSeconds(fromServer('FLOOD_WAIT_7'))).to.equal(7);
    expect(floodWaitSeconds(fromServer('FLOOD_PREMIUM_WAIT_3'))).to.equal(3);
  });

  it('reads the server text from a plain RPCError or the emulator\'s error', () => {
    expect(floodWaitSeconds(new RPCError('FLOOD_WAIT_12', undefined as never, 420))).to.equal(12);
    expect(floodWaitSeconds(new EmulatorRpcError(420, 'FLOOD_WAIT_2'))).to.equal(2);
  });

  it('says null for every other error', () => {
    expect(floodWaitSeconds(fromServer('MESSAGE_TOO_LONG', 400))).to.equal(null);
    expect(floodWaitSeconds(fromServer('SLOWMODE_WAIT_5', 420))).to.equal(null);
    expect(floodWaitSeconds(new Error('FLOOD_WAIT_3'))).to.equal(null);
    expect(floodWaitSeconds({ errorMessage: 'FLOOD_WAIT_x' })).to.equal(null);
    expect(floodWaitSeconds('FLOOD_WAIT_3')).to.equal(null);
    expect(floodWaitSeconds(undefined)).to.equal(null);
  });
});

describe('withFloodWait (the one loop that waits a FLOOD_WAIT out and asks again)', () => {
  /** A request that fails with each of `errors` in turn, then answers 'sent'. */
  const failingWith = (...errors: unknown[]) => {
    let calls = 0;
    const call = async () => {
      calls += 1;
      const error = errors.shift();
      if (error !== undefined) throw error;
      return 'sent';
    };
    return { call, calls: () => calls };
  };
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  beforeEach(() => sleeps.splice(0));

  it('waits as long as each short FLOOD_WAIT says and repeats the request until it goes through', async () => {
    const request = failingWith(fromServer('FLOOD_WAIT_3'), fromServer('FLOOD_PREMIUM_WAIT_2'));
    expect(await withFloodWait(request.call, { maxWaitSeconds: 60, sleep })).to.equal('sent');
    expect(request.calls()).to.equal(3);
    expect(sleeps).to.deep.equal([3000, 2000]);
  });

  it('hands a FLOOD_WAIT longer than the limit to the caller without waiting', async () => {
    const error = fromServer('FLOOD_WAIT_61');
    const request = failingWith(error);
    const failure = await withFloodWait(request.call, { maxWaitSeconds: 60, sleep }).catch((err: unknown) => err);
    expect(failure).to.equal(error);
    expect(sleeps).to.deep.equal([]);
  });

  it('hands every other error to the caller at once, and stops waiting once aborted', async () => {
    const other = fromServer('MESSAGE_TOO_LONG', 400);
    expect(await withFloodWait(failingWith(other).call, { maxWaitSeconds: 60, sleep }).catch((err: unknown) => err)).to.equal(other);
    const flood = fromServer('FLOOD_WAIT_1');
    const aborted = AbortSignal.abort();
    expect(await withFloodWait(failingWith(flood).call, { maxWaitSeconds: 60, sleep, signal: aborted }).catch((err: unknown) => err)).to.equal(flood);
    expect(sleeps).to.deep.equal([]);
  });
});
