/**
 * The emulator's RSA-2048 server key. Telegram's clients ship Telegram's public keys; a client
 * that talks to the emulator registers this one instead (src/telegram/connection/sandbox.ts). The private key
 * is generated once and persisted as PEM in the data directory, so sessions survive restarts.
 */
import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bigintFromBytes, sha1 } from './crypto.js';

export const RSA_KEY_FILE = 'server-rsa.pem';

export interface ServerRsaKey {
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
  readonly n: bigint;
  readonly e: bigint;
  /** Signed 64-bit fingerprint as it travels in resPQ (TL `long`). */
  readonly fingerprint: bigint;
}

/** Reads DIR/server-rsa.pem, creating it (mode 0600) on first start. Returns the private PEM. */
export function loadOrCreateRsaKeyPem(dataDir: string): string {
  const file = join(dataDir, RSA_KEY_FILE);
  if (existsSync(file)) {
    const pem = readFileSync(file, 'utf8');
    // A key from before the rule below is replaced: clients learn the key from sandbox.json, which
    // is rewritten at every start, and auth keys made with the old one stay valid.
    if (fingerprintHasNoLeadingZeroNibble(parseServerRsaKey(pem).fingerprint)) return pem;
  }
  mkdirSync(dataDir, { recursive: true });
  let pem: string;
  do {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
    pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  } while (!fingerprintHasNoLeadingZeroNibble(parseServerRsaKey(pem).fingerprint));
  writeFileSync(file, pem, { mode: 0o600 });
  return pem;
}

/**
 * mtcute (0.30) indexes known keys by the fingerprint's hex digits with leading zeros and looks
 * them up without, so it never finds a key whose unsigned fingerprint starts with a zero nibble
 * (1 key in 16). Telegram's own keys happen not to; the emulator never generates such a key.
 */
export function fingerprintHasNoLeadingZeroNibble(fingerprint: bigint): boolean {
  return BigInt.asUintN(64, fingerprint) >> 60n !== 0n;
}

/** TL `bytes` serialisation (core.telegram.org/mtproto/serialize): length prefix, data, pad to 4. */
function tlBytes(data: Buffer): Buffer {
  const head = data.length < 254 ? Buffer.from([data.length]) : Buffer.from([254, data.length & 0xff, (data.length >> 8) & 0xff, (data.length >> 16) & 0xff]);
  const padLen = (4 - ((head.length + data.length) % 4)) % 4;
  return Buffer.concat([head, data, Buffer.alloc(padLen)]);
}

/**
 * The key fingerprint: the lower 64 bits of SHA1(rsa_public_key), where the key is serialised as
 * the TL bare type `rsa_public_key n:string e:string` (core.telegram.org/mtproto/auth_key, step 2).
 */
export function rsaFingerprint(n: Buffer, e: Buffer): bigint {
  return sha1(tlBytes(n), tlBytes(e)).readBigInt64LE(12);
}

export function parseServerRsaKey(privatePem: string): ServerRsaKey {
  const privateKey = createPrivateKey(privatePem);
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  if (!jwk.n || !jwk.e) throw new Error('RSA key has no modulus; delete server-rsa.pem from the data directory to regenerate it');
  const nBytes = Buffer.from(jwk.n, 'base64url');
  const eBytes = Buffer.from(jwk.e, 'base64url');
  return {
    privateKey,
    publicKeyPem: publicKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    n: bigintFromBytes(nBytes),
    e: bigintFromBytes(eBytes),
    fingerprint: rsaFingerprint(nBytes, eBytes),
  };
}

/** Textbook RSA decryption (no padding): MTProto does its own padding (RSA_PAD or SHA1+random). */
export function rsaDecryptRaw(key: ServerRsaKey, data: Buffer): Buffer {
  const block = data.length < 256 ? Buffer.concat([Buffer.alloc(256 - data.length), data]) : data;
  return privateDecrypt({ key: key.privateKey, padding: constants.RSA_NO_PADDING }, block);
}
