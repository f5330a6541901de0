/**
 * Story: the operator logs in once. A bot logs in with its token (auth.importBotAuthorization), a
 * user with the login code, and a user with a 2FA password through SRP (account.getPassword,
 * auth.checkPassword): a wrong password is refused, the right one accepted.
 */
import { expect } from 'chai';
import type { TelegramClient } from 'telegram';
import { buildSandboxClient } from '../helpers/gramClient.js';
import { connectBotClient, connectUserClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

describe('emulator: logging in with real GramJS clients', () => {
  let emu: TestEmulator;
  const clients: TelegramClient[] = [];

  before(async () => {
    emu = await startTestEmulator();
  });
  after(async () => {
    for (const c of clients) await c.destroy();
    await emu.stop();
  });

  it('a bot logs in with its token and is the sandbox bot', async () => {
    const bot = await connectBotClient(emu.sandbox);
    clients.push(bot);
    const me = await bot.getMe();
    expect(me.bot).to.equal(true);
    expect(me.id.toString()).to.equal(String(emu.emulator.sandbox.bot_user_id));
    expect(me.username).to.equal(emu.sandbox.bot_username);
  });

  it('a bot with a wrong token is refused', async () => {
    const client = buildSandboxClient(emu.sandbox, emu.sandbox.api_id, emu.sandbox.api_hash);
    clients.push(client);
    const wrong = `${emu.emulator.sandbox.bot_user_id}:${'x'.repeat(35)}`;
    let failure: unknown = null;
    await client.start({ botAuthToken: wrong }).catch((err: unknown) => (failure = err));
    expect(String((failure as { errorMessage?: string } | null)?.errorMessage ?? failure)).to.match(/ACCESS_TOKEN_INVALID|BOT_TOKEN_INVALID/);
  });

  it('a user without 2FA logs in with the login code', async () => {
    const plain = emu.sandbox.users.find((u) => !u['2fa_password']);
    expect(plain, 'sandbox.json lists a user without a 2FA password').to.not.equal(undefined);
    const user = await connectUserClient(emu.sandbox, plain!.phone);
    clients.push(user);
    const me = await user.getMe();
    expect(me.id.toString()).to.equal(String(plain!.user_id));
    expect(me.bot ?? false).to.equal(false);
  });

  it('a user with a 2FA password is refused the wrong password and accepted with the right one (SRP)', async function () {
    const guarded = emu.sandbox.users.find((u) => u['2fa_password']);
    expect(guarded, 'sandbox.json lists a user with a 2FA password').to.not.equal(undefined);
    const client = buildSandboxClient(emu.sandbox, emu.sandbox.api_id, emu.sandbox.api_hash);
    clients.push(client);
    const offered = ['not-the-password', guarded!['2fa_password']!];
    const errors: string[] = [];
    await client.start({
      phoneNumber: guarded!.phone,
      phoneCode: async () => emu.sandbox.login_code,
      password: async () => offered.shift() ?? '',
      firstAndLastNames: async () => [guarded!.first_name, ''],
      onError: async (err) => {
        errors.push((err as { errorMessage?: string }).errorMessage ?? err.message);
        return errors.length > 2; // one wrong password is expected; more means something else broke
      },
    });
    expect(errors).to.deep.equal(['PASSWORD_HASH_INVALID']);
    expect(offered).to.have.length(0);
    const me = await client.getMe();
    expect(me.id.toString()).to.equal(String(guarded!.user_id));
  });
});
