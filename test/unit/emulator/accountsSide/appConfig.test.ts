/**
 * help.getAppConfig as Telegram answers it: the client configuration with a hash, "not modified"
 * for the hash the client holds, and the upload part limit it lists enforced on uploads.
 */
import { expect } from 'chai';
import { Api } from 'telegram';
import { parseEmulatorArgs } from '../../../../src/emulator/cli.js';
import { setPremium } from '../../../../src/emulator/rpc/accounts.js';
import { long } from '../../../../src/emulator/world/db.js';
import { errorOf, openFixture, type Fixture } from './fixture.js';

/** The JSON object's keys as plain numbers. */
function numbersOf(config: Api.TypeJSONValue): Record<string, number> {
  expect(config).to.be.instanceOf(Api.JsonObject);
  const out: Record<string, number> = {};
  for (const entry of (config as Api.JsonObject).value) {
    if (entry.value instanceof Api.JsonNumber) out[entry.key] = entry.value.value;
  }
  return out;
}

describe('emulator: help.getAppConfig and the upload part limit', function () {
  let f: Fixture;
  let key: bigint;
  beforeEach(async () => {
    f = openFixture({ uploadMaxFileparts: 20 });
    key = f.newKey();
    const user = f.seed.users[0]!;
    const sent = await f.call<Api.auth.SentCode>(key, new Api.auth.SendCode({ phoneNumber: user.phone, apiId: f.seed.api_id, apiHash: f.seed.api_hash, settings: new Api.CodeSettings({}) }));
    await f.call(key, new Api.auth.SignIn({ phoneNumber: user.phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: f.seed.login_code }));
  });
  afterEach(() => f.close());

  it('lists upload_max_fileparts_default and _premium with a hash, and answers "not modified" for that hash', async () => {
    const first = await f.call<Api.help.TypeAppConfig>(key, new Api.help.GetAppConfig({ hash: 0 }));
    expect(first).to.be.instanceOf(Api.help.AppConfig);
    const { hash, config } = first as Api.help.AppConfig;
    expect(hash).to.not.equal(0);
    expect(numbersOf(config)).to.deep.equal({ upload_max_fileparts_default: 20, upload_max_fileparts_premium: 8000 });
    expect(await f.call(key, new Api.help.GetAppConfig({ hash }))).to.be.instanceOf(Api.help.AppConfigNotModified);
    // A changed limit changes the hash: the client's old hash gets the new config.
    f.world.limits.uploadMaxFileparts = 4000;
    const changed = await f.call<Api.help.TypeAppConfig>(key, new Api.help.GetAppConfig({ hash }));
    expect(changed).to.be.instanceOf(Api.help.AppConfig);
    expect((changed as Api.help.AppConfig).hash).to.not.equal(hash);
    expect(numbersOf((changed as Api.help.AppConfig).config).upload_max_fileparts_default).to.equal(4000);
  });

  it('refuses a big upload of more parts than the limit, and a part number past it', async () => {
    const part = Buffer.alloc(1024);
    const tooMany = new Api.upload.SaveBigFilePart({ fileId: long(1), filePart: 0, fileTotalParts: 21, bytes: part });
    expect(await errorOf(f.call(key, tooMany))).to.equal('FILE_PARTS_INVALID');
    const past = new Api.upload.SaveFilePart({ fileId: long(2), filePart: 20, bytes: part });
    expect(await errorOf(f.call(key, past))).to.equal('FILE_PART_INVALID');
    // At the limit it is accepted.
    const atLimit = new Api.upload.SaveBigFilePart({ fileId: long(3), filePart: 19, fileTotalParts: 20, bytes: part });
    expect(await f.call(key, atLimit)).to.equal(true);
    // A Premium account has the premium limit.
    setPremium(f.world, f.seed.users[0]!.user_id, true);
    expect(await f.call(key, tooMany)).to.equal(true);
  });

  it('takes the limit from the command line (--upload-max-fileparts)', () => {
    expect(parseEmulatorArgs(['--data-dir', 'x', '--upload-max-fileparts', '20'])).to.include({ uploadMaxFileparts: 20 });
    expect(() => parseEmulatorArgs(['--data-dir', 'x', '--upload-max-fileparts', '0'])).to.throw(/--upload-max-fileparts must be 1..8000/);
  });
});
