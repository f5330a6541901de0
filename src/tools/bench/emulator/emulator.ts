/**
 * `npm run bench -- emulator [--parts N] [--workers N]`: the upload throughput the DC emulator
 * accepts, and what a client can encrypt, from one run. Prints one JSON line:
 * {"bench":"emulator", ...}. Figures (MB = 10^6 bytes):
 *
 * - accepted_mb_per_s: saveBigFilePart payload accepted through the protocol path with the decrypt
 *   workers on (stub world, data discarded): the emulator's ceiling;
 * - accepted_inline_mb_per_s: the same with every packet decrypted on the event loop (the
 *   emulator before the decrypt workers existed);
 * - world_accepted_mb_per_s: the same upload against the real world, signed in as the sandbox bot,
 *   parts written to disk;
 * - server_decrypt_mb_per_s: one core's AES-IGE decryption plus msg_key check;
 * - gramjs_ige_encrypt_mb_per_s / fast_client_ige_encrypt_mb_per_s: the encryption a stock GramJS
 *   client, and Courier's client with src/telegram/fastIge.ts, manages on one core — an upper
 *   bound on what one client can upload, since each part must be encrypted before it is sent.
 *
 * See src/emulator/bench/uploadBench.ts for how each upload run is made.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { round1, runUploadBench, runWorldUploadBench } from './uploadBench.js';
import { ige256EncryptNative } from '../../../telegram/files/crypto/fastIge.js';
import { BenchUsageError } from '../benchUsageError.js';
import { errorMessage } from '../../../log/logger.js';

const MB = 1e6;

function intOption(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new BenchUsageError(`--${name} must be an integer ${min}..${max}, got ${raw}`);
  return n;
}

/** Courier's client-side encryption (native AES-CBC based IGE) on one core, over `totalBytes`. */
function measureFastClientEncrypt(partBytes: number, totalBytes: number): number {
  const count = Math.max(1, Math.round(totalBytes / partBytes));
  const data = randomBytes(partBytes);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) ige256EncryptNative(data, randomBytes(32), randomBytes(32));
  return (count * partBytes) / MB / (Number(process.hrtime.bigint() - t0) / 1e9);
}

export async function benchEmulator(args: string[], out: (line: string) => void): Promise<number> {
  let parts: number | undefined;
  let workers: number | undefined;
  try {
    const { values } = parseArgs({ args, options: { parts: { type: 'string' }, workers: { type: 'string' } }, strict: true });
    parts = intOption('parts', values.parts, 1, 4000);
    workers = intOption('workers', values.workers, 0, 64);
  } catch (err) {
    if (err instanceof BenchUsageError) throw err;
    throw new BenchUsageError(`emulator: ${errorMessage(err)}; usage: bench emulator [--parts N] [--workers N]`);
  }
  const common = { ...(parts === undefined ? {} : { parts }), ...(workers === undefined ? {} : { decryptWorkers: workers }) };
  const pooled = await runUploadBench(common);
  const inline = await runUploadBench({ ...common, decryptWorkers: 0, cipherBytes: 1024 * 1024 });
  const world = await runWorldUploadBench(common);
  const fastClient = measureFastClientEncrypt(pooled.part_bytes, 64 * 1024 * 1024);
  out(
    JSON.stringify({
      bench: 'emulator',
      parts: pooled.parts,
      part_bytes: pooled.part_bytes,
      decrypt_workers: pooled.decrypt_workers,
      accepted_mb_per_s: pooled.accepted_mb_per_s,
      accepted_inline_mb_per_s: inline.accepted_mb_per_s,
      world_accepted_mb_per_s: world.accepted_mb_per_s,
      server_decrypt_mb_per_s: pooled.server_decrypt_mb_per_s,
      gramjs_ige_encrypt_mb_per_s: pooled.gramjs_ige_encrypt_mb_per_s,
      fast_client_ige_encrypt_mb_per_s: round1(fastClient),
      accepted_over_gramjs: pooled.accepted_over_gramjs,
      accepted_over_fast_client: round1(pooled.accepted_mb_per_s / fastClient),
    }),
  );
  return 0;
}
