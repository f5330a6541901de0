/**
 * Creating an authorization key, server side (core.telegram.org/mtproto/auth_key).
 *
 *   req_pq_multi / req_pq        -> resPQ (pq = p*q, our RSA fingerprint)
 *   req_DH_params                -> server_DH_params_ok (g, dh_prime, g_a, AES-IGE encrypted)
 *   set_client_DH_params         -> dh_gen_ok, and the new auth key is stored
 *
 * One `AuthKeyHandshake` lives per connection. The p_q_inner_data may arrive in the current
 * RSA_PAD form (GramJS 2.26's Authenticator uses it) or in the older SHA1+random form (what
 * GramJS's own `RSA.encrypt` helper produces); both are accepted.
 *
 * SIMPLIFICATION: temporary keys (p_q_inner_data_temp*, auth.bindTempAuthKey) are not supported;
 * every key is a permanent key. dh_gen_retry is never sent.
 */
import { createDiffieHellman, generatePrimeSync, randomBytes } from 'node:crypto';
import { Api } from 'telegram';
import { BinaryReader } from 'telegram/extensions/index.js';
import { aesIgeDecrypt, aesIgeEncrypt, authKeyIdOf, bigintFromBytes, bigintToBytes, sha1, sha256 } from './crypto.js';
import { rsaDecryptRaw, type ServerRsaKey } from './rsaKey.js';
import { fromGramBig, gramBigToLeBytes, leBytesToGramBig, toGramBig, type BigInteger } from './tlNumbers.js';

/**
 * The 2048-bit safe prime Telegram's servers send as dh_prime; g = 3 is a generator of the
 * prime-order subgroup because dh_prime mod 3 = 2 (core.telegram.org/mtproto/auth_key, "DH key
 * exchange complete", and security_guidelines "g and dh_prime").
 */
export const DH_PRIME_HEX =
  'c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f48198a0aa7c14058229493d22530f4dbfa336f6e0ac925139543aed44cce7c3720fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f642477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4a4a695811051907e162753b56b0f6b410dba74d8a84b2a14b3144e0ef1284754fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f0d8115f635b105ee2e4e15d04b2454bf6f4fadf034b10403119cd8e3b92fcc5b';
export const DH_G = 3;
const DH_PRIME = Buffer.from(DH_PRIME_HEX, 'hex');
const DH_PRIME_N = bigintFromBytes(DH_PRIME);

/** The handshake went wrong; the connection is closed (a real server answers nothing useful either). */
export class HandshakeError extends Error {
  constructor(message: string) {
    super(`auth key exchange failed: ${message}; the client should retry with a fresh connection`);
    this.name = 'HandshakeError';
  }
}

export interface NewAuthKey {
  readonly authKey: Buffer;
  readonly authKeyId: bigint;
  /** First server salt: substr(new_nonce, 0, 8) XOR substr(server_nonce, 0, 8). */
  readonly serverSalt: bigint;
}

export interface HandshakeReply {
  readonly reply: { getBytes(): Buffer };
  readonly created?: NewAuthKey;
}

interface Pending {
  nonce: BigInteger;
  serverNonce: BigInteger;
  p: bigint;
  q: bigint;
  newNonce?: Buffer;
  dh?: ReturnType<typeof createDiffieHellman>;
}

/** Checks 1 < x < p-1 and 2^(2048-64) < x < p - 2^(2048-64) (security_guidelines, "g_a and g_b"). */
function checkDhValue(x: bigint): boolean {
  const bound = 1n << 1984n;
  return x > bound && x < DH_PRIME_N - bound;
}

function leBytesOf(n: BigInteger, size: number): Buffer {
  return gramBigToLeBytes(n, size);
}

export class AuthKeyHandshake {
  private pending: Pending | null = null;

  constructor(
    private readonly rsa: ServerRsaKey,
    private readonly nowSeconds: () => number,
  ) {}

  /** Handles one unencrypted request; returns null if it is not part of the handshake. */
  handle(request: unknown): HandshakeReply | null {
    if (request instanceof Api.ReqPqMulti || request instanceof Api.ReqPq) return { reply: this.resPq(request.nonce) };
    if (request instanceof Api.ReqDHParams) return { reply: this.dhParams(request) };
    if (request instanceof Api.SetClientDHParams) return this.clientDhParams(request);
    return null;
  }

  private resPq(nonce: BigInteger): Api.ResPQ {
    // pq is a product of two distinct primes below 2^31, sent big-endian (auth_key, step 1 answer).
    const p = generatePrimeSync(31, { bigint: true });
    let q = generatePrimeSync(31, { bigint: true });
    while (q === p) q = generatePrimeSync(31, { bigint: true });
    const [lo, hi] = p < q ? [p, q] : [q, p];
    const serverNonce = leBytesToGramBig(randomBytes(16));
    this.pending = { nonce, serverNonce, p: lo, q: hi };
    return new Api.ResPQ({
      nonce,
      serverNonce,
      pq: bigintToBytes(lo * hi),
      serverPublicKeyFingerprints: [toGramBig(this.rsa.fingerprint)],
    });
  }

  private requirePending(nonce: BigInteger, serverNonce: BigInteger): Pending {
    const st = this.pending;
    if (!st || !st.nonce.eq(nonce) || !st.serverNonce.eq(serverNonce)) throw new HandshakeError('nonce or server_nonce does not match');
    return st;
  }

  private dhParams(req: Api.ReqDHParams): Api.ServerDHParamsOk {
    const st = this.requirePending(req.nonce, req.serverNonce);
    if (fromGramBig(req.publicKeyFingerprint) !== this.rsa.fingerprint) throw new HandshakeError('unknown RSA key fingerprint');
    if (bigintFromBytes(req.p) !== st.p || bigintFromBytes(req.q) !== st.q) throw new HandshakeError('p and q do not factor pq');
    const inner = this.decryptInnerData(req.encryptedData);
    if (!(inner instanceof Api.PQInnerData || inner instanceof Api.PQInnerDataDc)) throw new HandshakeError('p_q_inner_data expected (temporary keys are not supported)');
    if (!inner.nonce.eq(st.nonce) || !inner.serverNonce.eq(st.serverNonce)) throw new HandshakeError('inner nonce mismatch');
    st.newNonce = leBytesOf(inner.newNonce, 32);

    const dh = createDiffieHellman(DH_PRIME, Buffer.from([DH_G]));
    let gA = dh.generateKeys();
    while (!checkDhValue(bigintFromBytes(gA))) gA = dh.generateKeys();
    st.dh = dh;
    const answer = new Api.ServerDHInnerData({
      nonce: st.nonce,
      serverNonce: st.serverNonce,
      g: DH_G,
      dhPrime: DH_PRIME,
      gA: bigintToBytes(bigintFromBytes(gA), 256),
      serverTime: Math.floor(this.nowSeconds()),
    }).getBytes();
    // answer_with_hash = SHA1(answer) + answer + 0..15 random bytes, to a multiple of 16.
    const withHash = Buffer.concat([sha1(answer), answer]);
    const padded = Buffer.concat([withHash, randomBytes((16 - (withHash.length % 16)) % 16)]);
    const { key, iv } = tmpAesKey(st.newNonce, leBytesOf(st.serverNonce, 16));
    return new Api.ServerDHParamsOk({ nonce: st.nonce, serverNonce: st.serverNonce, encryptedAnswer: aesIgeEncrypt(padded, key, iv) });
  }

  /** RSA_PAD first (hash-checked), then the legacy SHA1(data)+data+padding layout. */
  private decryptInnerData(encrypted: Buffer): unknown {
    const plain = rsaDecryptRaw(this.rsa, encrypted);
    const fromPad = decodeRsaPad(plain);
    if (fromPad) return new BinaryReader(fromPad).tgReadObject();
    // Legacy: the 255 meaningful bytes are SHA1(data) + data + random (auth_key, older revision).
    const body = plain.subarray(plain.length - 255);
    const reader = new BinaryReader(body.subarray(20));
    const obj = reader.tgReadObject();
    const dataLen = reader.tellPosition();
    if (!sha1(body.subarray(20, 20 + dataLen)).equals(body.subarray(0, 20))) throw new HandshakeError('encrypted_data hash check failed');
    return obj;
  }

  private clientDhParams(req: Api.SetClientDHParams): HandshakeReply {
    const st = this.requirePending(req.nonce, req.serverNonce);
    if (!st.newNonce || !st.dh) throw new HandshakeError('set_client_DH_params before req_DH_params');
    const { key, iv } = tmpAesKey(st.newNonce, leBytesOf(st.serverNonce, 16));
    if (req.encryptedData.length % 16 !== 0) throw new HandshakeError('encrypted_data is not a whole number of AES blocks');
    const plain = aesIgeDecrypt(req.encryptedData, key, iv);
    const reader = new BinaryReader(plain.subarray(20));
    const inner = reader.tgReadObject();
    if (!sha1(plain.subarray(20, 20 + reader.tellPosition())).equals(plain.subarray(0, 20))) throw new HandshakeError('client_DH_inner_data hash check failed');
    if (!(inner instanceof Api.ClientDHInnerData)) throw new HandshakeError('client_DH_inner_data expected');
    if (!inner.nonce.eq(st.nonce) || !inner.serverNonce.eq(st.serverNonce)) throw new HandshakeError('client_DH_inner_data nonce mismatch');
    if (!checkDhValue(bigintFromBytes(inner.gB))) throw new HandshakeError('g_b is out of the safe range');

    const authKey = bigintToBytes(bigintFromBytes(st.dh.computeSecret(inner.gB)), 256);
    const keyHash = sha1(authKey);
    const auxHash = keyHash.subarray(0, 8);
    // new_nonce_hash1 = lower 128 bits of SHA1(new_nonce + 0x01 + auth_key_aux_hash).
    const newNonceHash1 = sha1(st.newNonce, Buffer.from([1]), auxHash).subarray(4, 20);
    const serverNonceBytes = leBytesOf(st.serverNonce, 16);
    const salt = Buffer.alloc(8);
    for (let i = 0; i < 8; i++) salt[i] = st.newNonce[i]! ^ serverNonceBytes[i]!;
    this.pending = null;
    return {
      reply: new Api.DhGenOk({ nonce: st.nonce, serverNonce: st.serverNonce, newNonceHash1: leBytesToGramBig(newNonceHash1) }),
      created: { authKey, authKeyId: authKeyIdOf(authKey), serverSalt: salt.readBigInt64LE(0) },
    };
  }
}

/**
 * tmp_aes_key = SHA1(new_nonce + server_nonce) + substr(SHA1(server_nonce + new_nonce), 0, 12);
 * tmp_aes_iv  = substr(SHA1(server_nonce + new_nonce), 12, 8) + SHA1(new_nonce + new_nonce) + substr(new_nonce, 0, 4).
 */
export function tmpAesKey(newNonce: Buffer, serverNonce: Buffer): { key: Buffer; iv: Buffer } {
  const a = sha1(newNonce, serverNonce);
  const b = sha1(serverNonce, newNonce);
  const c = sha1(newNonce, newNonce);
  return {
    key: Buffer.concat([a, b.subarray(0, 12)]),
    iv: Buffer.concat([b.subarray(12, 20), c, newNonce.subarray(0, 4)]),
  };
}

/**
 * Undoes RSA_PAD (auth_key, step 2): key_aes_encrypted = temp_key_xor(32) + aes_encrypted(224);
 * temp_key = temp_key_xor XOR SHA256(aes_encrypted); data_with_hash = AES-IGE-decrypt(aes_encrypted,
 * temp_key, iv = 0) = reverse(data_with_padding)(192) + SHA256(temp_key + data_with_padding)(32).
 * Returns data_with_padding, or null when the hash does not match (i.e. the legacy layout).
 */
export function decodeRsaPad(plain: Buffer): Buffer | null {
  if (plain.length !== 256) return null;
  const tempKeyXor = plain.subarray(0, 32);
  const aesEncrypted = plain.subarray(32);
  const h = sha256(aesEncrypted);
  const tempKey = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) tempKey[i] = tempKeyXor[i]! ^ h[i]!;
  const dataWithHash = aesIgeDecrypt(aesEncrypted, tempKey, Buffer.alloc(32));
  const dataWithPadding = Buffer.from(dataWithHash.subarray(0, 192)).reverse();
  if (!sha256(tempKey, dataWithPadding).equals(dataWithHash.subarray(192))) return null;
  return dataWithPadding;
}
