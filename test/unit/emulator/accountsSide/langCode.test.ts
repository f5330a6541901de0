/**
 * The user's language as Telegram gives it to bots: the `user` constructor's flags.22 lang_code
 * ("Language code of the user", core.telegram.org/constructor/user) comes from the lang_code the
 * user's app declared in initConnection (core.telegram.org/method/initConnection), is shown to bot
 * viewers only, and follows the user's latest initConnection.
 */
import { expect } from 'chai';
import { Api } from 'telegram';
import { unwrapInvoke } from '../../../../src/emulator/mtproto/unwrap.js';
import { accountsOf } from '../../../../src/emulator/world/accountsSide/index.js';
import { long } from '../../../../src/emulator/world/db.js';
import { openFixture, type Fixture } from './fixture.js';

const init = (langCode: string, query: Api.AnyRequest): Api.InitConnection =>
  new Api.InitConnection({ apiId: 1, deviceModel: 'test', systemVersion: '1', appVersion: '1', systemLangCode: 'en', langPack: '', langCode, query });

describe('emulator: initConnection lang_code reaches bots as the user’s lang_code', function () {
  this.timeout(20_000);
  let f: Fixture;
  let botKey: bigint;
  let aliceKey: bigint;
  let bobKey: bigint;
  beforeEach(() => {
    f = openFixture();
    botKey = f.newKey();
    aliceKey = f.newKey();
    bobKey = f.newKey();
    f.world.authKeys.noteConnection!(botKey, { langCode: 'en' });
    accountsOf(f.world.db).keys.bind(botKey, f.seed.bot_user_id);
    accountsOf(f.world.db).keys.bind(aliceKey, alice().user_id);
    accountsOf(f.world.db).keys.bind(bobKey, f.seed.users[1]!.user_id);
  });
  afterEach(() => f.close());

  const alice = () => f.seed.users[0]!;
  const seenBy = async (viewerKey: bigint, userId: number): Promise<Api.User> => {
    const [u] = await f.call<Api.TypeUser[]>(viewerKey, new Api.users.GetUsers({ id: [new Api.InputUser({ userId: long(userId), accessHash: long(accountsOf(f.world.db).accounts.get(userId)!.accessHash) })] }));
    if (!(u instanceof Api.User)) throw new Error(`user ${userId} came back as ${u?.className}`);
    return u;
  };
  const langAsBotSees = async (): Promise<string | undefined> => (await seenBy(botKey, alice().user_id)).langCode;

  it('unwrapping a call reports the lang_code its initConnection declared', () => {
    const wrapped = new Api.InvokeWithLayer({ layer: 198, query: init('fa-IR', new Api.help.GetConfig()) });
    const { request, layer, init: declared } = unwrapInvoke(wrapped);
    expect(request).to.be.instanceOf(Api.help.GetConfig);
    expect(layer).to.equal(198);
    expect(declared).to.deep.equal({ langCode: 'fa-IR' });
    expect(unwrapInvoke(new Api.help.GetConfig()).init).to.equal(null);
  });

  it('a bot sees the language of the user’s app; a user without one carries none', async () => {
    expect(await langAsBotSees()).to.equal(undefined);
    f.world.authKeys.noteConnection!(aliceKey, { langCode: 'ru' });
    expect(await langAsBotSees()).to.equal('ru');
  });

  it('only bots see it: not another user, not the user themself, and a bot has none of its own', async () => {
    f.world.authKeys.noteConnection!(aliceKey, { langCode: 'ru' });
    expect((await seenBy(bobKey, alice().user_id)).langCode).to.equal(undefined);
    expect((await seenBy(aliceKey, alice().user_id)).langCode).to.equal(undefined);
    expect((await seenBy(botKey, f.seed.bot_user_id)).langCode).to.equal(undefined);
    expect((await seenBy(aliceKey, f.seed.bot_user_id)).langCode).to.equal(undefined);
  });

  it('follows the latest initConnection over all the user’s keys, also at the same millisecond', async () => {
    const phoneKey = f.newKey();
    accountsOf(f.world.db).keys.bind(phoneKey, alice().user_id);
    f.world.authKeys.noteConnection!(aliceKey, { langCode: 'ru' });
    f.world.authKeys.noteConnection!(phoneKey, { langCode: 'fa' });
    expect(await langAsBotSees()).to.equal('fa');
    f.world.authKeys.noteConnection!(aliceKey, { langCode: 'en' });
    expect(await langAsBotSees()).to.equal('en');
    // A key signed out no longer speaks for the user.
    accountsOf(f.world.db).keys.unbind(aliceKey);
    expect(await langAsBotSees()).to.equal('fa');
  });

  it('a language declared before sign-in counts once the key signs in, and survives a restart', async () => {
    const fresh = f.newKey();
    f.world.authKeys.noteConnection!(fresh, { langCode: 'ru' });
    expect(await langAsBotSees()).to.equal(undefined);
    accountsOf(f.world.db).keys.bind(fresh, alice().user_id);
    expect(await langAsBotSees()).to.equal('ru');
    f.reopen();
    expect(await langAsBotSees()).to.equal('ru');
  });

  it('the bot gets it with the users of its difference; the sender’s own difference shows none', async () => {
    f.world.authKeys.noteConnection!(aliceKey, { langCode: 'ru' });
    const botFrom = f.world.differences.state(f.seed.bot_user_id);
    const aliceFrom = f.world.differences.state(alice().user_id);
    f.world.sendMessageAs(alice().user_id, { user: f.seed.bot_user_id }, 'привет');
    const diff = await f.call<Api.updates.Difference>(botKey, new Api.updates.GetDifference({ pts: botFrom.pts, date: botFrom.date, qts: botFrom.qts }));
    expect(diff).to.be.instanceOf(Api.updates.Difference);
    const sender = diff.users.find((u) => u.id.toString() === String(alice().user_id));
    expect((sender as Api.User).langCode).to.equal('ru');
    const own = await f.call<Api.updates.Difference>(aliceKey, new Api.updates.GetDifference({ pts: aliceFrom.pts, date: aliceFrom.date, qts: aliceFrom.qts }));
    expect(own.users.length).to.be.greaterThan(0);
    expect(own.users.map((u) => (u as Api.User).langCode)).to.deep.equal(own.users.map(() => undefined));
  });
});
