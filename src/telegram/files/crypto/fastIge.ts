/**
 * Replaces GramJS's pure-JavaScript AES-256-IGE with faster code: encryption through Node's
 * native AES-256-CBC (OpenSSL, AES-NI) plus two XOR passes, decryption through @mtcute/wasm.
 *
 * Why: every MTProto message is encrypted with AES-IGE (core.telegram.org/mtproto/description),
 * and GramJS does it in plain JavaScript (~40 MB/s here), so a 2 GB upload costs about 50 s of
 * main-thread CPU. GramJS is CommonJS and its callers (network/MTProtoState.js,
 * network/Authenticator.js) look the class up as `require("../crypto/IGE").IGE` at call time,
 * so swapping the `IGE` export of that module object changes every call site at once.
 *
 * The AES-IGE routines themselves are igeNative.ts (native CBC for encryption, WASM for
 * decryption), shared with the transfer crypto thread, which must not load GramJS.
 *
 * The replacement keeps GramJS's contract exactly: `encryptIge` pads a plaintext that is not a
 * multiple of 16 bytes with random bytes, both methods take and return Buffers. Inputs the
 * WASM routine cannot take (a ciphertext whose length is not a multiple of 16) go to the
 * original class, so even malformed server data behaves as it did before.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { ige256Decrypt } from '@mtcute/wasm';
import { asBuffer, ige256EncryptNative, initIgeWasm } from './igeNative.js';

export { ige256EncryptNative, initIgeWasm } from './igeNative.js';

/** The shape GramJS's IGE class has (telegram/crypto/IGE.d.ts). */
export interface IgeCipher {
  encryptIge(plainText: Buffer): Buffer;
  decryptIge(cipherText: Buffer): Buffer;
}
export type IgeConstructor = new (key: Buffer, iv: Buffer) => IgeCipher;

interface IgeModule {
  IGE: IgeConstructor;
}

const require = createRequire(import.meta.url);
// The very module object GramJS's own files received from require("../crypto/IGE").
const igeModule = require('telegram/crypto/IGE.js') as IgeModule;

/** GramJS's original class, captured before any patching; tests compare against it. */
export const originalIge: IgeConstructor = igeModule.IGE;

/** AES-256-IGE through native CBC (encrypt) and WebAssembly (decrypt), drop-in for GramJS's IGE. */
export class FastIge implements IgeCipher {
  private readonly key: Buffer;
  private readonly iv: Buffer;

  constructor(key: Buffer, iv: Buffer) {
    this.key = key;
    this.iv = iv;
  }

  encryptIge(plainText: Buffer): Buffer {
    const remainder = plainText.length % 16;
    const padded =
      remainder === 0 ? plainText : Buffer.concat([plainText, randomBytes(16 - remainder)]);
    return ige256EncryptNative(padded, this.key, this.iv);
  }

  decryptIge(cipherText: Buffer): Buffer {
    if (cipherText.length % 16 !== 0) {
      return new originalIge(this.key, this.iv).decryptIge(cipherText);
    }
    initIgeWasm();
    return asBuffer(ige256Decrypt(cipherText, this.key, this.iv));
  }
}

/**
 * Makes GramJS use FastIge for every later encryption. Idempotent; call it once at start-up,
 * before connecting (calling later is also safe: each message builds a fresh cipher).
 * Returns true when this call did the swap.
 */
export function installFastIge(): boolean {
  if (igeModule.IGE === FastIge) return false;
  initIgeWasm();
  igeModule.IGE = FastIge;
  return true;
}

/** Puts GramJS's own class back (for tests and for the before/after benchmark). */
export function uninstallFastIge(): void {
  igeModule.IGE = originalIge;
}

/** True when GramJS currently encrypts through FastIge. */
export function isFastIgeInstalled(): boolean {
  return igeModule.IGE === FastIge;
}
