import { expect } from 'chai';
import { Api } from 'telegram';
import { RPCMessageToError, RPCError } from 'telegram/errors/index.js';
import { RpcError as EmulatorRpcError } from '../../../../src/emulator/contract.js';
import { floodWaitSeconds } from '../../../../src/telegram/rpc/floodWait.js';

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
