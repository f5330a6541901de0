/**
 * How fast the emulator accepts uploads: upload.saveBigFilePart messages of 512 KiB, encrypted
 * under MTProto 2.0, sent over loopback TCP by a client in a separate worker thread
 * (uploadSender.ts), which encrypts every part before it starts the clock so its own cipher
 * speed never caps the figure.
 *
 * runUploadBench (the protocol path's ceiling), three figures from one run:
 * - accepted: MB/s of part payload from the client's first write to the last rpc_result, through
 *   the real protocol path (framing, AES-IGE decryption on the decrypt workers, msg_key check,
 *   TL parse, rpc_result), against a stub world that answers boolTrue and discards the bytes;
 * - server decrypt: MB/s of the emulator's decryptClientMessage alone, on one core;
 * - GramJS encrypt: MB/s of GramJS's pure-JavaScript AES-IGE (telegram/crypto/IGE) on the same
 *   data — the baseline a stock GramJS client reaches, so the emulator should sit well above it.
 *
 * runWorldUploadBench: the same upload against the real world (startEmulator in a temp data dir,
 * flood limits off), signed in as the sandbox bot, so every part goes through rpc/dispatch.ts and
 * is written to disk by the file store.
 */
import { randomBytes, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Api } from 'telegram';
import { RpcError, type AuthKeyStore, type CallContext, type RpcHandler, type TLObject } from '../../../emulator/contract.js';
import { authKeyIdOf } from '../../../emulator/mtproto/crypto.js';
import { decryptClientMessage, encryptClientMessage } from '../../../emulator/mtproto/envelope.js';
import { startModuleWorker } from '../../../emulator/mtproto/moduleWorker.js';
import { startEmulatorServer } from '../../../emulator/server.js';
import { startEmulator } from '../../../emulator/index.js';
import { uploadSenderFilename, type SenderInput, type SenderReport } from './uploadSender.js';

export interface UploadBenchOptions {
  /** Parts sent (default 256, i.e. 128 MiB). */
  parts?: number;
  /** Bytes per part (default 512 KiB, the largest part Telegram allows). */
  partBytes?: number;
  /** Bytes run through each single-core cipher measurement (default 64 MiB). */
  cipherBytes?: number;
  /** The server's decrypt worker threads (default: its own default; 0 = decrypt on the event loop). */
  decryptWorkers?: number;
}

export interface UploadBenchResult {
  parts: number;
  part_bytes: number;
  /** Decrypt worker threads the server ran (0: decryption on its event loop). */
  decrypt_workers: number;
  world: 'stub (boolTrue, data discarded)';
  accepted_mb_per_s: number;
  accepted_seconds: number;
  server_decrypt_mb_per_s: number;
  gramjs_ige_encrypt_mb_per_s: number;
  /** accepted / GramJS encrypt: how many stock GramJS clients' worth of encryption one emulator absorbs. */
  accepted_over_gramjs: number;
}

export class UploadBenchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UploadBenchError';
  }
}

const MB = 1e6;

/** Holds the one auth key the benchmark's client uses; nothing persists. */
class BenchAuthKeys implements AuthKeyStore {
  private readonly keys = new Map<bigint, Buffer>();
  get(id: bigint): Buffer | undefined {
    return this.keys.get(id);
  }
  put(id: bigint, key: Buffer): void {
    this.keys.set(id, key);
  }
  userOf(): number | null {
    return 1;
  }
}

/** The stub world: accepts every part, keeps nothing. */
class DiscardingUploads implements RpcHandler {
  bytes = 0;
  async invoke(_ctx: CallContext, request: Api.AnyRequest): Promise<TLObject> {
    if (request instanceof Api.upload.SaveBigFilePart) {
      this.bytes += request.bytes.length;
      return true as unknown as TLObject; // encodeResult turns `true` into boolTrue
    }
    throw new RpcError(400, 'METHOD_NOT_IN_UPLOAD_BENCH');
  }
}

function runSenderWorker(input: SenderInput): Promise<SenderReport> {
  return new Promise((resolve, reject) => {
    const worker = startModuleWorker(uploadSenderFilename, { uploadSender: input });
    worker.once('message', (report: SenderReport) => {
      resolve(report);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new UploadBenchError(`the upload sender worker exited with code ${code} before reporting`)));
  });
}

function timeMbPerSecond(bytes: number, run: () => void): number {
  const t0 = process.hrtime.bigint();
  run();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return bytes / MB / secs;
}

/** Single-core decryption of client packets, exactly as the dispatcher does it. */
function measureServerDecrypt(authKey: Buffer, partBytes: number, totalBytes: number): number {
  const authKeyId = authKeyIdOf(authKey);
  const count = Math.max(1, Math.round(totalBytes / partBytes));
  const body = randomBytes(partBytes);
  const packets = Array.from({ length: count }, (_, i) =>
    encryptClientMessage(authKey, authKeyId, { salt: 1n, sessionId: 2n, msgId: BigInt(i + 1) << 2n, seqNo: 2 * i + 1, body }),
  );
  return timeMbPerSecond(count * partBytes, () => {
    for (const p of packets) decryptClientMessage(authKey, p);
  });
}

interface GramIge {
  encryptIge(plain: Buffer): Buffer;
}
type GramIgeClass = new (key: Buffer, iv: Buffer) => GramIge;

/** GramJS's own pure-JS AES-IGE, as every stock GramJS client encrypts each message. */
function measureGramJsEncrypt(partBytes: number, totalBytes: number): number {
  // Loaded through require: GramJS is CommonJS and its IGE module has no ESM entry of its own.
  const { IGE } = createRequire(import.meta.url)('telegram/crypto/IGE') as { IGE: GramIgeClass };
  const count = Math.max(1, Math.round(totalBytes / partBytes));
  const data = randomBytes(partBytes);
  return timeMbPerSecond(count * partBytes, () => {
    for (let i = 0; i < count; i++) new IGE(randomBytes(32), randomBytes(32)).encryptIge(data);
  });
}

export async function runUploadBench(opts: UploadBenchOptions = {}): Promise<UploadBenchResult> {
  const parts = opts.parts ?? 256;
  const partBytes = opts.partBytes ?? 512 * 1024;
  const cipherBytes = opts.cipherBytes ?? 64 * 1024 * 1024;
  if (partBytes % 1024 !== 0 || partBytes > 512 * 1024) throw new UploadBenchError(`part size ${partBytes} is not a multiple of 1 KiB up to 512 KiB (core.telegram.org/api/files)`);

  const authKey = randomBytes(256);
  const authKeys = new BenchAuthKeys();
  authKeys.put(authKeyIdOf(authKey), authKey);
  const rpc = new DiscardingUploads();
  const rsaKeyPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const server = await startEmulatorServer({ dcId: 2, rsaKeyPem, rpc, authKeys, ...(opts.decryptWorkers === undefined ? {} : { decryptWorkers: opts.decryptWorkers }) });
  const workers = await server.warmUpDecryptWorkers();
  let report: SenderReport;
  try {
    report = await runSenderWorker({ host: server.host, port: server.port, authKey, parts, partBytes });
  } finally {
    await server.close();
  }
  if (report.type === 'failed') throw new UploadBenchError(`the upload sender failed: ${report.message}`);
  if (report.accepted !== parts) throw new UploadBenchError(`the emulator accepted ${report.accepted} of ${parts} parts (errors: ${report.errors.join('; ') || 'none'})`);
  if (rpc.bytes !== parts * partBytes) throw new UploadBenchError(`the stub world saw ${rpc.bytes} bytes, expected ${parts * partBytes}`);

  const accepted = (parts * partBytes) / MB / report.seconds;
  const serverDecrypt = measureServerDecrypt(authKey, partBytes, cipherBytes);
  const gramjs = measureGramJsEncrypt(partBytes, Math.min(cipherBytes, 32 * 1024 * 1024));
  return {
    parts,
    part_bytes: partBytes,
    decrypt_workers: workers,
    world: 'stub (boolTrue, data discarded)',
    accepted_mb_per_s: round1(accepted),
    accepted_seconds: +report.seconds.toFixed(3),
    server_decrypt_mb_per_s: round1(serverDecrypt),
    gramjs_ige_encrypt_mb_per_s: round1(gramjs),
    accepted_over_gramjs: round1(accepted / gramjs),
  };
}

export interface WorldUploadBenchResult {
  world: 'real (signed-in bot, parts written to disk)';
  decrypt_workers: number;
  accepted_mb_per_s: number;
  accepted_seconds: number;
}

/** The upload against the real world: parts pass the login check and land on disk (see the header). */
export async function runWorldUploadBench(opts: Omit<UploadBenchOptions, 'cipherBytes'> = {}): Promise<WorldUploadBenchResult> {
  const parts = opts.parts ?? 256;
  const partBytes = opts.partBytes ?? 512 * 1024;
  const dataDir = mkdtempSync(join(tmpdir(), 'courier-upload-bench-'));
  try {
    const emulator = await startEmulator({ dataDir, limits: { enabled: false }, ...(opts.decryptWorkers === undefined ? {} : { decryptWorkers: opts.decryptWorkers }) });
    let report: SenderReport;
    let workers: number;
    try {
      workers = await emulator.server.warmUpDecryptWorkers();
      const authKey = randomBytes(256);
      emulator.world.authKeys.put(authKeyIdOf(authKey), authKey);
      const { api_id: apiId, api_hash: apiHash, bot_token: botToken } = emulator.sandbox;
      report = await runSenderWorker({ host: emulator.sandbox.host, port: emulator.server.port, authKey, parts, partBytes, login: { apiId, apiHash, botToken } });
    } finally {
      await emulator.close();
    }
    if (report.type === 'failed') throw new UploadBenchError(`the upload sender failed against the real world: ${report.message}`);
    if (report.accepted !== parts) throw new UploadBenchError(`the real world accepted ${report.accepted} of ${parts} parts (errors: ${report.errors.join('; ') || 'none'})`);
    return {
      world: 'real (signed-in bot, parts written to disk)',
      decrypt_workers: workers,
      accepted_mb_per_s: round1((parts * partBytes) / MB / report.seconds),
      accepted_seconds: +report.seconds.toFixed(3),
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
