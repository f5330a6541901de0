import { expect } from 'chai';
import { Api } from 'telegram';
import { computeCheck } from 'telegram/Password.js';
import { setAccountsEndpoint } from '../../../../src/emulator/rpc/accounts.js';
import { errorOf, openFixture, type Fixture } from './fixture.js';

describe('emulator accounts side: login methods', function () {
  this.timeout(20_000);
  let f: Fixture;
  beforeEach(() => {
    f = openFixture();
  });
  afterEach(() => f.close());

  const plainUser = () => f.seed.users.find((u) => !u['2fa_password'])!;
  const guardedUser = () => f.seed.users.find((u) => u['2fa_password'])!;

  it('imports the bot authorization and binds the key to the bot', async () => {
    const key = f.newKey();
    const auth = await f.call<Api.auth.Authorization>(key, new Api.auth.ImportBotAuthorization({ flags: 0, apiId: f.seed.api_id, apiHash: f.seed.api_hash, botAuthToken: f.seed.bot_token }));
    const user = auth.user as Api.User;
    expect(user.bot).to.equal(true);
    expect(user.self).to.equal(true);
    expect(user.id.toString()).to.equal(String(f.seed.bot_user_id));
    expect(f.world.authKeys.userOf(key)).to.equal(f.seed.bot_user_id);
    expect(f.world.authKeys.keysOf(f.seed.bot_user_id)).to.deep.equal([key]);
  });

  it('refuses a wrong app or a wrong token', async () => {
    const key = f.newKey();
    const req = (apiHash: string, token: string) => new Api.auth.ImportBotAuthorization({ flags: 0, apiId: f.seed.api_id, apiHash, botAuthToken: token });
    expect(await errorOf(f.call(key, req('0'.repeat(32), f.seed.bot_token)))).to.equal('API_ID_INVALID');
    expect(await errorOf(f.call(key, req(f.seed.api_hash, `${f.seed.bot_user_id}:${'y'.repeat(35)}`)))).to.equal('ACCESS_TOKEN_INVALID');
    expect(f.world.authKeys.userOf(key)).to.equal(null);
  });

  it('signs a user in with the code, rejecting a wrong or expired code', async () => {
    const key = f.newKey();
    const u = plainUser();
    const sendCode = () => f.call<Api.auth.SentCode>(key, new Api.auth.SendCode({ phoneNumber: u.phone, apiId: f.seed.api_id, apiHash: f.seed.api_hash, settings: new Api.CodeSettings({}) }));
    const sent = await sendCode();
    expect(sent.type).to.be.instanceOf(Api.auth.SentCodeTypeApp);
    const signIn = (hash: string, code: string) => f.call<Api.auth.Authorization>(key, new Api.auth.SignIn({ phoneNumber: u.phone, phoneCodeHash: hash, phoneCode: code }));
    expect(await errorOf(signIn(sent.phoneCodeHash, '11111'))).to.equal('PHONE_CODE_INVALID');
    f.clock.ms += 10 * 60_000;
    expect(await errorOf(signIn(sent.phoneCodeHash, f.seed.login_code))).to.equal('PHONE_CODE_EXPIRED');
    const again = await sendCode();
    const auth = await signIn(again.phoneCodeHash, f.seed.login_code);
    expect((auth.user as Api.User).phone).to.equal(u.phone.replace('+', ''));
    expect(f.world.authKeys.userOf(key)).to.equal(u.user_id);
    await f.call(key, new Api.auth.LogOut());
    expect(f.world.authKeys.userOf(key)).to.equal(null);
  });

  it('asks a 2FA user for the password and checks it by SRP (GramJS computeCheck)', async () => {
    const key = f.newKey();
    const u = guardedUser();
    const sent = await f.call<Api.auth.SentCode>(key, new Api.auth.SendCode({ phoneNumber: u.phone, apiId: f.seed.api_id, apiHash: f.seed.api_hash, settings: new Api.CodeSettings({}) }));
    expect(await errorOf(f.call(key, new Api.auth.SignIn({ phoneNumber: u.phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: f.seed.login_code })))).to.equal('SESSION_PASSWORD_NEEDED');
    expect(f.world.authKeys.userOf(key)).to.equal(null);

    const pw1 = await f.call<Api.account.Password>(key, new Api.account.GetPassword());
    expect(pw1.hasPassword).to.equal(true);
    const wrong = await computeCheck(pw1, 'not the password');
    expect(await errorOf(f.call(key, new Api.auth.CheckPassword({ password: wrong })))).to.equal('PASSWORD_HASH_INVALID');
    expect(f.world.authKeys.userOf(key)).to.equal(null);

    const pw2 = await f.call<Api.account.Password>(key, new Api.account.GetPassword());
    const right = await computeCheck(pw2, u['2fa_password']!);
    const auth = await f.call<Api.auth.Authorization>(key, new Api.auth.CheckPassword({ password: right }));
    expect(auth.user.id.toString()).to.equal(String(u.user_id));
    expect(f.world.authKeys.userOf(key)).to.equal(u.user_id);
  });

  it('refuses account methods to an auth key that is not signed in', async () => {
    const key = f.newKey();
    expect(await errorOf(f.call(key, new Api.users.GetUsers({ id: [new Api.InputUserSelf()] })))).to.equal('AUTH_KEY_UNREGISTERED');
  });

  it('answers users.getUsers, users.getFullUser and contacts.resolveUsername', async () => {
    const key = f.newKey();
    await f.call(key, new Api.auth.ImportBotAuthorization({ flags: 0, apiId: f.seed.api_id, apiHash: f.seed.api_hash, botAuthToken: f.seed.bot_token }));
    const [self, other] = await f.call<Api.User[]>(key, new Api.users.GetUsers({ id: [new Api.InputUserSelf(), new Api.InputUser({ userId: plainUser().user_id as never, accessHash: 0 as never })] }));
    expect(self!.self).to.equal(true);
    expect(self!.botInfoVersion).to.equal(1);
    expect(other!.self).to.equal(false);
    expect(other!.phone, 'phones are shown to their owner only').to.equal(undefined);
    const full = await f.call<Api.users.UserFull>(key, new Api.users.GetFullUser({ id: new Api.InputUserSelf() }));
    expect(full.fullUser.id.toString()).to.equal(String(f.seed.bot_user_id));
    const resolved = await f.call<Api.contacts.ResolvedPeer>(key, new Api.contacts.ResolveUsername({ username: 'courier_sandbox_bot' }));
    expect((resolved.peer as Api.PeerUser).userId.toString()).to.equal(String(f.seed.bot_user_id));
    expect(await errorOf(f.call(key, new Api.contacts.ResolveUsername({ username: 'nobody_here' })))).to.equal('USERNAME_NOT_OCCUPIED');
  });

  it('answers help.getConfig with the endpoint and help.getNearestDc', async () => {
    const key = f.newKey();
    setAccountsEndpoint(f.world, { host: '127.0.0.1', port: 40404, dcId: 2 });
    const cfg = await f.call<Api.Config>(key, new Api.help.GetConfig());
    expect(cfg.dcOptions.map((o) => [o.id, o.ipAddress, o.port])).to.deep.equal([[2, '127.0.0.1', 40404]]);
    const nearest = await f.call<Api.NearestDc>(key, new Api.help.GetNearestDc());
    expect(nearest.thisDc).to.equal(2);
  });
});
