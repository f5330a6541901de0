/**
 * Deterministic "random" test data: the AES-256-CTR keystream of a key derived from a seed. Fast
 * (native), reproducible across runs, and incompressible like real media.
 */
import { createCipheriv, createHash } from 'node:crypto';

export function seededBytes(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
