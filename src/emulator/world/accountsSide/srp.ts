/**
 * The server side of Telegram's SRP 2FA check (core.telegram.org/api/srp):
 * passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow with g = 3 and the 2048-bit
 * prime Telegram publishes, so clients accept it without a primality test.
 *
 *   SH(data, salt) = H(salt | data | salt), H = SHA256
 *   x  = PH2(password) = SH(pbkdf2(sha512, SH(SH(password, salt1), salt2), salt1, 100000), salt2)
 *   v  = g^x mod p                       (stored instead of the password)
 *   k  = H(p | g),  B = (k*v + g^b) mod p   (sent as srp_B with a fresh srp_id)
 *   u  = H(A | B),  S = (A * v^u)^b mod p, K = H(S)
 *   M1 = H(H(p) xor H(g) | H(salt1) | H(salt2) | A | B | K)
 * Numbers are hashed as 256-byte big-endian values.
 */
import { createHash, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export const SRP_PRIME_HEX =
  'c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f48198a0aa7c14058229493d22530f4dbfa336f6e0ac925139543aed44cce7c3720fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f642477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4a4a695811051907e162753b56b0f6b410dba74d8a84b2a14b3144e0ef1284754fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f0d8115f635b105ee2e4e15d04b2454bf6f4fadf034b10403119cd8e3b92fcc5b';
export const SRP_G = 3;
const P = BigInt(`0x${SRP_PRIME_HEX}`);
const G = BigInt(SRP_G);
export const SRP_PRIME = Buffer.from(SRP_PRIME_HEX, 'hex');

const sha256 = (...parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();
const sh = (data: Buffer, salt: Buffer): Buffer => sha256(salt, data, salt);

export function toBig(buf: Buffer): bigint {
  return buf.length === 0 ? 0n : BigInt(`0x${buf.toString('hex')}`);
}

export function to256(n: bigint): Buffer {
  return Buffer.from(n.toString(16).padStart(512, '0'), 'hex');
}

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = ((base % mod) + mod) % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

/** x = PH2(password, salt1, salt2). */
export function passwordHash(password: string, salt1: Buffer, salt2: Buffer): Buffer {
  const ph1 = sh(sh(Buffer.from(password, 'utf8'), salt1), salt2);
  return sh(pbkdf2Sync(ph1, salt1, 100000, 64, 'sha512'), salt2);
}

export interface SrpSecret {
  salt1: Buffer;
  salt2: Buffer;
  /** v = g^x mod p, 256 bytes. */
  verifier: Buffer;
}

/** What the server keeps instead of a password (SIMPLIFICATION: salts chosen by the server at seed time). */
export function createSrpSecret(password: string): SrpSecret {
  const salt1 = randomBytes(40);
  const salt2 = randomBytes(16);
  const x = toBig(passwordHash(password, salt1, salt2));
  return { salt1, salt2, verifier: to256(modPow(G, x, P)) };
}

export interface SrpChallenge {
  /** The server's secret exponent b. */
  b: bigint;
  /** srp_B, 256 bytes. */
  B: Buffer;
}

const K_MULT = toBig(sha256(to256(P), to256(G)));

export function createSrpChallenge(verifier: Buffer): SrpChallenge {
  const v = toBig(verifier);
  for (;;) {
    const b = toBig(randomBytes(256));
    const B = (K_MULT * v + modPow(G, b, P)) % P;
    if (B > 0n) return { b, B: to256(B) };
  }
}

/** True when the client's M1 proves it knows the password behind `secret` (constant-time compare). */
export function verifySrpProof(secret: SrpSecret, challenge: SrpChallenge, A: Buffer, M1: Buffer): boolean {
  const a = toBig(A);
  // A must be in (0, p): a client sending 0 or a multiple of p would make S predictable.
  if (a <= 0n || a >= P || M1.length !== 32) return false;
  const aBytes = to256(a);
  const u = toBig(sha256(aBytes, challenge.B));
  if (u === 0n) return false;
  const v = toBig(secret.verifier);
  const S = modPow((a * modPow(v, u, P)) % P, challenge.b, P);
  const K = sha256(to256(S));
  const hp = sha256(to256(P));
  const hg = sha256(to256(G));
  for (let i = 0; i < hp.length; i++) hp[i] = hp[i]! ^ hg[i]!;
  const expected = sha256(hp, sha256(secret.salt1), sha256(secret.salt2), aBytes, challenge.B, K);
  return timingSafeEqual(expected, M1);
}
