/**
 * Points GramJS at a local Telegram DC emulator instead of Telegram.
 *
 * GramJS trusts only the RSA keys in `telegram/crypto/RSA`'s `_serverKeys` table (keyed by the
 * signed decimal fingerprint), and connects to port 80 for its main DC and 443 for others whatever
 * the session or DC options say. So a sandbox client needs (1) the emulator's public key registered
 * in that table, (2) a Connection class that sends every DC to the emulator's host:port, and (3) a
 * session whose main DC is the emulator's.
 */
import { createPublicKey, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { _serverKeys } from 'telegram/crypto/RSA.js';
import { returnBigInt } from 'telegram/Helpers.js';
import { ConnectionTCPFull } from 'telegram/network/connection/TCPFull.js';
import type { Session } from 'telegram/sessions/Abstract.js';
import { errorMessage } from '../../log/logger.js';

export const SANDBOX_FILE = 'sandbox.json';

export const sandboxDescriptionSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  dc_id: z.number().int().positive(),
  api_id: z.number().int().positive(),
  api_hash: z.string().min(1),
  bot_token: z.string().min(1),
  bot_username: z.string().min(1),
  login_code: z.string().min(1),
  rsa_public_key_pem: z.string().includes('PUBLIC KEY'),
  /** Signed 64-bit decimal, as GramJS keys its RSA table. */
  rsa_fingerprint: z.string().regex(/^-?\d+$/),
  users: z.array(
    z.object({
      phone: z.string().min(1),
      first_name: z.string(),
      user_id: z.number().int().positive(),
      '2fa_password': z.string().optional(),
    }),
  ),
});

export type SandboxDescription = z.infer<typeof sandboxDescriptionSchema>;
/** The fields needed to reach the emulator (the rest of sandbox.json is login material). */
export type SandboxEndpoint = Pick<SandboxDescription, 'host' | 'port' | 'dc_id' | 'rsa_public_key_pem' | 'rsa_fingerprint'>;

export class SandboxFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxFileError';
  }
}

/** Reads and validates DIR/sandbox.json, as written by the emulator (`npm run emulator`). */
export function readSandboxFile(dir: string): SandboxDescription {
  const file = join(dir, SANDBOX_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SandboxFileError(`cannot read ${file} (${errorMessage(err)}); start the emulator with --data-dir ${dir} first`);
  }
  const parsed = sandboxDescriptionSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new SandboxFileError(`${file} is not a valid sandbox description (bad fields: ${fields}); restart the emulator to rewrite it`);
  }
  return parsed.data;
}

function tlBytes(data: Buffer): Buffer {
  const head = data.length < 254 ? Buffer.from([data.length]) : Buffer.from([254, data.length & 0xff, (data.length >> 8) & 0xff, (data.length >> 16) & 0xff]);
  return Buffer.concat([head, data, Buffer.alloc((4 - ((head.length + data.length) % 4)) % 4)]);
}

/**
 * Adds the emulator's key to GramJS's trusted keys. The fingerprint is recomputed as Telegram
 * defines it (lower 64 bits of SHA1 of the TL-serialised n and e, core.telegram.org/mtproto/auth_key)
 * and must match the one the emulator advertises.
 */
export function registerSandboxRsaKey(desc: SandboxEndpoint): void {
  const jwk = createPublicKey(desc.rsa_public_key_pem).export({ format: 'jwk' });
  if (!jwk.n || !jwk.e) throw new SandboxFileError('rsa_public_key_pem is not an RSA public key; restart the emulator to rewrite sandbox.json');
  const n = Buffer.from(jwk.n, 'base64url');
  const e = Buffer.from(jwk.e, 'base64url');
  const fingerprint = createHash('sha1').update(tlBytes(n)).update(tlBytes(e)).digest().readBigInt64LE(12).toString();
  if (fingerprint !== desc.rsa_fingerprint) {
    throw new SandboxFileError('rsa_fingerprint does not match rsa_public_key_pem; the sandbox file is stale or damaged, restart the emulator');
  }
  _serverKeys.set(fingerprint, { n: returnBigInt(BigInt(`0x${n.toString('hex')}`).toString()), e: Number(BigInt(`0x${e.toString('hex')}`)) });
}

type ConnectionArgs = ConstructorParameters<typeof ConnectionTCPFull>[0];

/** A GramJS Connection class that sends every DC (main, media, other) to the emulator. */
export function sandboxConnectionClass(host: string, port: number): typeof ConnectionTCPFull {
  return class SandboxConnection extends ConnectionTCPFull {
    constructor(args: ConnectionArgs) {
      super({ ...args, ip: host, port });
    }
  };
}

/** Client options for `new TelegramClient(session, apiId, apiHash, options)`. Registers the RSA key as a side effect. */
export function sandboxClientOptions(desc: SandboxEndpoint): { connection: typeof ConnectionTCPFull; useWSS: false } {
  registerSandboxRsaKey(desc);
  return { connection: sandboxConnectionClass(desc.host, desc.port), useWSS: false };
}

/**
 * Makes the emulator's DC the session's main DC (GramJS otherwise starts at DC 2, 149.154.167.51).
 * GramJS's StringSession saves the port as a signed 16-bit number and throws for ports above
 * 32767 (typical ephemeral ports); since SandboxConnection routes by the sandbox's port anyway,
 * such a port is recorded as 443 in the session.
 */
export function prepareSandboxSession(session: Session, desc: SandboxEndpoint): void {
  const port = desc.port <= 32767 ? desc.port : 443;
  if (session.dcId !== desc.dc_id || session.serverAddress !== desc.host || session.port !== port) {
    session.setDC(desc.dc_id, desc.host, port);
  }
}
