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
 * IGE encryption is c_i = E(m_i ^ c_{i-1}) ^ m_{i-1}, with iv = c_0 || m_0. Writing
 * z_i = E(m_i ^ c_{i-1}) gives z_i = E(x_i ^ z_{i-1}) with x_1 = m_1, x_2 = m_2 ^ m_0 and
 * x_i = m_i ^ m_{i-2}: exactly AES-CBC over x with IV c_0. So one native CBC call does the
 * sequential AES work and c_i = z_i ^ m_{i-1} is a linear pass (about 390 MB/s overall against
 * 100 MB/s for the WASM routine and 40 MB/s for GramJS). IGE decryption chains through the
 * *decryption* function, which no native mode exposes, so it uses the WASM routine (~160 MB/s).
 *
 * The replacement keeps GramJS's contract exactly: `encryptIge` pads a plaintext that is not a
 * multiple of 16 bytes with random bytes, both methods take and return Buffers. Inputs the
 * WASM routine cannot take (a ciphertext whose length is not a multiple of 16) go to the
 * original class, so even malformed server data behaves as it did before.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { getWasmUrl, ige256Decrypt, initSync } from '@mtcute/wasm';

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

let wasmReady = false;

/** Loads the WASM blob synchronously (58 KB, read once from node_modules). */
export function initIgeWasm(): void {
  if (wasmReady) return;
  // getWasmUrl() picks the SIMD build when the runtime validates SIMD.
  initSync(readFileSync(fileURLToPath(getWasmUrl())));
  wasmReady = true;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A 32-bit view of `bytes`, copying only when the bytes are not 4-aligned. */
function wordsOf(bytes: Buffer): Int32Array {
  let aligned = bytes;
  if (bytes.byteOffset % 4 !== 0) {
    aligned = Buffer.allocUnsafeSlow(bytes.length);
    bytes.copy(aligned);
  }
  return new Int32Array(aligned.buffer, aligned.byteOffset, aligned.length >>> 2);
}

/** AES-256-IGE encryption of a multiple of 16 bytes, via native CBC (see the header). */
export function ige256EncryptNative(plain: Buffer, key: Buffer, iv: Buffer): Buffer {
  const words = plain.length >>> 2;
  const m = wordsOf(plain);
  const v = wordsOf(iv);
  const xBytes = Buffer.allocUnsafeSlow(plain.length);
  const x = new Int32Array(xBytes.buffer, 0, words);
  // Word j belongs to block j >> 2; blocks 1 and 2 (words 0..7) use m_0 = iv[16..32).
  for (let j = 0; j < 4 && j < words; j++) x[j] = m[j]!;
  for (let j = 4; j < 8 && j < words; j++) x[j] = m[j]! ^ v[j]!;
  for (let j = 8; j < words; j++) x[j] = m[j]! ^ m[j - 8]!;
  const cbc = createCipheriv('aes-256-cbc', key, iv.subarray(0, 16)).setAutoPadding(false);
  const zBytes = cbc.update(xBytes);
  const z = wordsOf(zBytes);
  for (let j = 0; j < 4 && j < words; j++) z[j] = z[j]! ^ v[4 + j]!;
  for (let j = 4; j < words; j++) z[j] = z[j]! ^ m[j - 4]!;
  return Buffer.from(z.buffer, z.byteOffset, plain.length);
}

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
