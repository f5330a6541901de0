/**
 * Stories told with a second, independent client library: mtcute speaks its own layer (227),
 * which the emulator serves next to GramJS's 198 from one world (src/emulator/layers/).
 */
import { expect } from 'chai';
import { connectUserClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { nextMtcuteMessage, startMtcuteBot } from '../helpers/mtcuteClient.js';

describe('emulator with mtcute (layer 227)', function () {
  this.timeout(30_000);
  let emu: TestEmulator;
  before(async () => {
    emu = await startTestEmulator();
  });
  after(async () => {
    await emu.stop();
  });

  it('a bot logs in knowing only sandbox.json, and receives a message a GramJS user sends', async () => {
    const bot = await startMtcuteBot(emu.sandbox);
    try {
      const me = await bot.getMe();
      expect(me.id).to.equal(emu.emulator.sandbox.bot_user_id);
      expect(me.isBot).to.equal(true);
      const user = await connectUserClient(emu.sandbox, emu.sandbox.users[0]!.phone);
      try {
        const arrived = nextMtcuteMessage(bot, 'hello from gramjs');
        await user.sendMessage(emu.sandbox.bot_username, { message: 'hello from gramjs' });
        const m = await arrived;
        expect(m.sender.id).to.equal(emu.sandbox.users[0]!.user_id);
      } finally {
        await user.destroy();
      }
    } finally {
      await bot.destroy();
    }
  });
});
