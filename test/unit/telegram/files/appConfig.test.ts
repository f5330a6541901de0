/** The upload limit from help.getAppConfig: parsed with its hash, cached, refreshed cheaply, and safe when Telegram says nothing. */
import { expect } from 'chai';
import { Api } from 'telegram';
import { createUploadLimit, plainJson, uploadPartsOf } from '../../../../src/telegram/files/appConfig.js';

const config = (parts: number | string) =>
  new Api.JsonObject({
    value: [
      new Api.JsonObjectValue({ key: 'upload_max_fileparts_default', value: typeof parts === 'number' ? new Api.JsonNumber({ value: parts }) : new Api.JsonString({ value: parts }) }),
      new Api.JsonObjectValue({ key: 'emojies_send_dice', value: new Api.JsonArray({ value: [new Api.JsonString({ value: '🎲' })] }) }),
    ],
  });

describe('upload limit from help.getAppConfig', () => {
  it('reads upload_max_fileparts_default; a missing or malformed key gives null', () => {
    expect(plainJson(config(20))).to.deep.equal({ upload_max_fileparts_default: 20, emojies_send_dice: ['🎲'] });
    expect(uploadPartsOf(plainJson(config(20)))).to.equal(20);
    expect(uploadPartsOf(plainJson(config('many')))).to.equal(null);
    expect(uploadPartsOf({})).to.equal(null);
  });

  it('caches the answer, asks again after the TTL with the hash held, and keeps the value on "not modified"', async () => {
    const clock = { ms: 0 };
    const hashes: number[] = [];
    let answer: Api.help.TypeAppConfig = new Api.help.AppConfig({ hash: 77, config: config(20) });
    const limit = createUploadLimit({ getAppConfig: async (hash) => (hashes.push(hash), answer), now: () => clock.ms, ttlMs: 1000 });
    expect(await Promise.all([limit.maxParts(), limit.maxParts()])).to.deep.equal([20, 20]);
    expect(await limit.maxBytes()).to.equal(20 * 512 * 1024);
    expect(hashes).to.deep.equal([0]);
    clock.ms = 1500;
    answer = new Api.help.AppConfigNotModified();
    expect(await limit.maxParts()).to.equal(20);
    expect(hashes).to.deep.equal([0, 77]);
    clock.ms = 3000;
    answer = new Api.help.AppConfig({ hash: 78, config: config(4000) });
    expect(await limit.maxParts()).to.equal(4000);
  });

  it('falls back to 4000 parts before any answer and keeps the last known value when a lookup fails', async () => {
    const errors: unknown[] = [];
    const clock = { ms: 0 };
    let fail = true;
    const limit = createUploadLimit({
      getAppConfig: async () => {
        if (fail) throw new Error('network down');
        return new Api.help.AppConfig({ hash: 5, config: config(20) });
      },
      now: () => clock.ms,
      ttlMs: 1000,
      retryMs: 100,
      onError: (e) => errors.push(e),
    });
    expect(await limit.maxParts()).to.equal(4000);
    expect(errors).to.have.length(1);
    // A failure is asked again only after retryMs, not at every job.
    fail = false;
    expect(await limit.maxParts()).to.equal(4000);
    clock.ms = 100;
    expect(await limit.maxParts()).to.equal(20);
    clock.ms = 5000;
    fail = true;
    expect(await limit.maxParts()).to.equal(20);
    expect(errors).to.have.length(2);
  });
});
