import { createRequire } from 'node:module';
import { expect } from 'chai';
import sinon from 'sinon';
import {
  FastIge,
  ige256EncryptNative,
  installFastIge,
  isFastIgeInstalled,
  originalIge,
  uninstallFastIge,
} from '../../../../../src/telegram/files/crypto/fastIge.js';

/** A tiny seeded generator (xorshift32), so failures reproduce. */
function seededBytes(seed: number, length: number): Buffer {
  let state = seed >>> 0 || 1;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = state & 0xff;
  }
  return out;
}

const require = createRequire(import.meta.url);

describe('fastIge: GramJS AES-IGE replacement', () => {
  afterEach(() => uninstallFastIge());

  it('encrypts byte-identically to GramJS for random keys, IVs and lengths', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const key = seededBytes(seed * 3, 32);
      const iv = seededBytes(seed * 3 + 1, 32);
      const length = 16 * (1 + (seed * 37) % 300);
      // Offset 3 makes the input unaligned, the path GramJS's Buffer.concat can produce.
      const plain = seededBytes(seed * 3 + 2, length + 3).subarray(3);
      const expected = new originalIge(key, iv).encryptIge(plain);
      expect(new FastIge(key, iv).encryptIge(plain).equals(expected), `seed ${seed}`).to.equal(true);
      expect(ige256EncryptNative(plain, key, iv).equals(expected)).to.equal(true);
    }
  });

  it('decrypts byte-identically to GramJS, including a 512 KiB part', () => {
    for (const [seed, length] of [[1, 16], [2, 32], [3, 4096], [4, 512 * 1024 + 48]] as const) {
      const key = seededBytes(seed, 32);
      const iv = seededBytes(seed + 100, 32);
      const cipher = seededBytes(seed + 200, length);
      const expected = new originalIge(key, iv).decryptIge(cipher);
      expect(new FastIge(key, iv).decryptIge(cipher).equals(expected)).to.equal(true);
    }
  });

  it('round-trips a plaintext that is not a multiple of 16 (random padding, like GramJS)', () => {
    const key = seededBytes(7, 32);
    const iv = seededBytes(8, 32);
    const plain = seededBytes(9, 1000);
    const cipher = new FastIge(key, iv).encryptIge(plain);
    expect(cipher.length).to.equal(1008);
    const back = new originalIge(key, iv).decryptIge(cipher);
    expect(back.subarray(0, 1000).equals(plain)).to.equal(true);
  });

  it('install is idempotent and reaches the module object GramJS itself requires', () => {
    const gramIgeModule = require('telegram/crypto/IGE.js') as { IGE: unknown };
    expect(isFastIgeInstalled()).to.equal(false);
    expect(installFastIge()).to.equal(true);
    expect(installFastIge()).to.equal(false);
    expect(gramIgeModule.IGE).to.equal(FastIge);
    uninstallFastIge();
    expect(gramIgeModule.IGE).to.equal(originalIge);
  });

  it('MTProtoState encrypts through the fast class once installed, and the result decrypts', async () => {
    const { MTProtoState } = require('telegram/network/MTProtoState.js') as {
      MTProtoState: new (authKey: unknown, loggers: unknown) => {
        salt: unknown;
        encryptMessageData(data: Buffer): Promise<Buffer>;
        _calcKey(authKey: Buffer, msgKey: Buffer, client: boolean): Promise<{ key: Buffer; iv: Buffer }>;
      };
    };
    const { AuthKey } = require('telegram/crypto/AuthKey.js') as {
      AuthKey: new () => { setKey(key: Buffer): Promise<void>; getKey(): Buffer };
    };
    const { Logger } = require('telegram/extensions/Logger.js') as { Logger: new (level: string) => unknown };
    const bigInt = require('big-integer') as (n: number) => unknown;

    const authKey = new AuthKey();
    await authKey.setKey(seededBytes(11, 256));
    const state = new MTProtoState(authKey, new Logger('none'));
    state.salt = bigInt(12345);

    installFastIge();
    const spy = sinon.spy(FastIge.prototype, 'encryptIge');
    try {
      const body = seededBytes(12, 4000);
      const packet = await state.encryptMessageData(body);
      expect(spy.callCount).to.equal(1);
      const msgKey = packet.subarray(8, 24);
      const { key, iv } = await state._calcKey(authKey.getKey(), msgKey, true);
      const plain = new originalIge(key, iv).decryptIge(packet.subarray(24));
      // salt (8) + session id (8) precede the body.
      expect(plain.subarray(16, 16 + body.length).equals(body)).to.equal(true);
    } finally {
      spy.restore();
    }
  });
});
