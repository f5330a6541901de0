/**
 * GramJS fixes Courier relies on (src/telegram/connection/gramjsPatches.ts), shown against the emulator with
 * the real client: requests batched into one container all settle even when the first answer in
 * the reply container is an error. Without the patch, updates.getDifference and the second send
 * below never settle.
 */
import { expect } from 'chai';
import { Api, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import { applyGramjsPatches } from '../../src/telegram/connection/gramjsPatches.js';
import { connectBotClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

describe('GramJS patches: one failed result does not swallow the rest of its container', function () {
  this.timeout(30_000);
  let emu: TestEmulator;
  let bot: TelegramClient;

  before(async () => {
    applyGramjsPatches();
    emu = await startTestEmulator({ limits: { enabled: false } });
    bot = await connectBotClient(emu.sandbox);
  });
  after(async () => {
    await bot?.destroy();
    await emu?.stop();
  });

  it('a RANDOM_ID_DUPLICATE next to getDifference and another send: all three settle', async () => {
    const alice = emu.emulator.sandbox.users[0]!.user_id;
    const state = await bot.invoke(new Api.updates.GetState());
    emu.emulator.world.sendMessageAs(alice, { user: emu.emulator.sandbox.bot_user_id }, 'hi');
    const peer = new Api.InputPeerUser({ userId: returnBigInt(alice), accessHash: returnBigInt(0) });
    await bot.invoke(new Api.messages.SendMessage({ peer, message: 'first', randomId: returnBigInt(111) }));

    // Issued in one tick, so GramJS sends them in one container and the emulator answers in one.
    const outcomes = await Promise.allSettled([
      bot.invoke(new Api.messages.SendMessage({ peer, message: 'first', randomId: returnBigInt(111) })),
      bot.invoke(new Api.updates.GetDifference({ pts: state.pts, qts: state.qts, date: state.date })),
      bot.invoke(new Api.messages.SendMessage({ peer, message: 'second', randomId: returnBigInt(222) })),
    ]);
    expect(outcomes[0].status).to.equal('rejected');
    expect((outcomes[0] as PromiseRejectedResult).reason).to.have.property('errorMessage', 'RANDOM_ID_DUPLICATE');
    expect(outcomes[1].status).to.equal('fulfilled');
    expect((outcomes[1] as PromiseFulfilledResult<unknown>).value).to.be.instanceOf(Api.updates.Difference);
    expect(outcomes[2].status).to.equal('fulfilled');
  });
});
