/**
 * Crypto primitives for the emulator. Hashes and RSA come from node:crypto (OpenSSL); AES-256-IGE
 * comes from @mtcute/wasm, which is several times faster than GramJS's pure-JS IGE, so the emulator
 * is never the bottleneck when a client uploads big files.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getWasmUrl, ige256Decrypt, ige256Encrypt, initSync } from '@mtcute/wasm';

let wasmReady = false;

/** Loads the wasm module once; Node has no fetch-free async loader, so read the file and init synchronously. */
function ensureWasm(): void {
  if (wasmReady) return;
  initSync(readFileSync(fileURLToPath(getWasmUrl())));
  wasmReady = true;
}

export function sha1(...parts: Buffer[]): Buffer {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
}

export function sha256(...parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

export function aesIgeEncrypt(data: Buffer, key: Buffer, iv: Buffer): Buffer {
  ensureWasm();
  const out = ige256Encrypt(data, key, iv);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

export function aesIgeDecrypt(data: Buffer, key: Buffer, iv: Buffer): Buffer {
  ensureWasm();
  const out = ige256Decrypt(data, key, iv);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** Big-endian unsigned bytes -> bigint. */
export function bigintFromBytes(b: Buffer): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${b.toString('hex')}`);
}

/** bigint -> big-endian unsigned bytes, left-padded to `size` when given. */
export function bigintToBytes(n: bigint, size?: number): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const raw = Buffer.from(hex, 'hex');
  if (size === undefined || raw.length >= size) return raw;
  return Buffer.concat([Buffer.alloc(size - raw.length), raw]);
}

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

/** auth_key_id: the lower 64 bits of SHA1(auth_key) (core.telegram.org/mtproto/description#key-identifier-auth-key-id). */
export function authKeyIdOf(authKey: Buffer): bigint {
  return sha1(authKey).readBigUInt64LE(12);
}
