/**
 * AES-256-IGE (core.telegram.org/mtproto/description) at native speed where Node allows it, as
 * plain functions with no GramJS in their imports, so the transfer crypto thread can load them
 * alone (fastIge.ts puts them under GramJS; packetCrypto.ts seals and opens packets with them).
 *
 * IGE encryption is c_i = E(m_i ^ c_{i-1}) ^ m_{i-1}, with iv = c_0 || m_0. Writing
 * z_i = E(m_i ^ c_{i-1}) gives z_i = E(x_i ^ z_{i-1}) with x_1 = m_1, x_2 = m_2 ^ m_0 and
 * x_i = m_i ^ m_{i-2}: exactly AES-CBC over x with IV c_0. So one native CBC call does the
 * sequential AES work and c_i = z_i ^ m_{i-1} is a linear pass (about 200 MB/s overall on the
 * 2-core test machine, where native CBC alone runs 380 MB/s, against 80 MB/s for the WASM routine
 * and 40 MB/s for GramJS). IGE decryption chains through the *decryption* function, which no
 * native mode exposes, so it uses the WASM routine (about 100 MB/s there).
 */
import { createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { __getWasm, getWasmUrl, initSync } from '@mtcute/wasm';

let wasmReady = false;

/** Loads the WASM blob synchronously (58 KB, read once from node_modules). */
export function initIgeWasm(): void {
  if (wasmReady) return;
  // getWasmUrl() picks the SIMD build when the runtime validates SIMD.
  initSync(readFileSync(fileURLToPath(getWasmUrl())));
  wasmReady = true;
}

/** Whether `bytes` owns its whole memory, so moving it to another thread detaches nothing else. */
export function ownsItsMemory(bytes: Uint8Array): boolean {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
}

/** A Buffer over the same memory as `bytes` (what crosses a thread arrives as a Uint8Array). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `bytes` itself when 4-byte aligned, else an aligned copy (Int32Array views need it). */
function aligned(bytes: Buffer): Buffer {
  if (bytes.byteOffset % 4 === 0) return bytes;
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}

function wordsOf(bytes: Buffer): Int32Array {
  return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
}

/**
 * AES-256-IGE encryption of a multiple of 16 bytes via native CBC (see the header). `plain` is
 * scratch space for the CBC input and is left as it was (an unaligned one is copied first). The
 * ciphertext goes into `out` when given (plain.length bytes, 4-byte aligned for no extra copy),
 * else into the cipher's own output buffer. Returns that buffer: the ciphertext, or, with `out`,
 * a buffer of no further use that a thread hands back with its result so that the garbage is not
 * its own (cryptoThread.ts).
 */
export function ige256EncryptNative(plain: Buffer, key: Buffer, iv: Buffer, out?: Buffer): Buffer {
  if (out && out.byteOffset % 4 !== 0) {
    const ciphertext = ige256EncryptNative(plain, key, iv);
    ciphertext.copy(out);
    return ciphertext;
  }
  const words = plain.length >>> 2;
  const m = wordsOf(aligned(plain));
  const v = wordsOf(aligned(iv));
  // x_i = m_i ^ m_{i-2} in place, last word first so every m_{i-2} read is still the plaintext.
  for (let j = words - 1; j >= 8; j--) m[j] = m[j]! ^ m[j - 8]!;
  for (let j = 4; j < 8 && j < words; j++) m[j] = m[j]! ^ v[j]!;
  const cbc = createCipheriv('aes-256-cbc', key, iv.subarray(0, 16)).setAutoPadding(false);
  const zBytes = aligned(cbc.update(Buffer.from(m.buffer, m.byteOffset, plain.length)));
  const z = wordsOf(zBytes);
  // c_i = z_i ^ m_{i-1}, putting each plaintext word back just before it is needed; in place in z
  // when there is no `out` (z_i is read only at step i).
  const o = out ? wordsOf(out) : z;
  for (let j = 0; j < 4 && j < words; j++) o[j] = z[j]! ^ v[4 + j]!;
  for (let j = 4; j < 8 && j < words; j++) {
    m[j] = m[j]! ^ v[j]!;
    o[j] = z[j]! ^ m[j - 4]!;
  }
  for (let j = 8; j < words; j++) {
    m[j] = m[j]! ^ m[j - 8]!;
    o[j] = z[j]! ^ m[j - 4]!;
  }
  return zBytes;
}

/**
 * AES-256-IGE decryption of `data` (a multiple of 16 bytes) written back over it, through the
 * same WASM routine as @mtcute/wasm's ige256Decrypt (its exported module, the same steps) but
 * without the fresh output buffer that one returns: the transfer crypto thread opens every 1 MiB
 * download chunk in the buffer it arrived in and hands that buffer back, so it makes no garbage
 * of its own (an isolate lets tens of MB of dead buffers pile up before collecting them).
 */
export function ige256DecryptInPlace(data: Buffer, key: Buffer, iv: Buffer): void {
  initIgeWasm();
  const wasm = __getWasm();
  const ptr = wasm.__malloc(data.length * 2);
  try {
    // A view taken after __malloc: a grown memory detaches the views made before it.
    const memory = new Uint8Array(wasm.memory.buffer);
    memory.set(data, ptr);
    memory.set(key, wasm.__get_shared_key_buffer());
    memory.set(iv, wasm.__get_shared_iv_buffer());
    wasm.ige256_decrypt(ptr, data.length, ptr + data.length);
    data.set(new Uint8Array(wasm.memory.buffer, ptr + data.length, data.length));
  } finally {
    wasm.__free(ptr);
  }
}
