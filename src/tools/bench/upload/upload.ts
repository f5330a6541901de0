/**
 * `npm run bench -- upload [--mib N] [--window W] [--connections C] [--rtt-ms R] [--mbit M]`: a file of N MiB (default
 * 1024, at most 2000: Telegram's 4000 parts of 512 KiB) uploaded to the DC emulator by Courier's
 * path and, in the same run, by stock GramJS `client.uploadFile` with workers 1 and 4.
 *
 * The emulator runs as a child process (`node --import tsx src/main.ts emulator`) so its CPU
 * never counts against the client's event loop, and each upload runs in a fresh process of its own
 * (sideProcess.ts). The file is written once from a seeded AES-CTR
 * keystream (incompressible, like media) and read from the page cache by every run. Stock runs go
 * first, with GramJS's own cipher; Courier's run installs fastIge (src/telegram/fastIge.ts), as the
 * service does at start. Prints one JSON line {"bench":"upload", ...}; see
 * src/telegram/mediaUploadBench.ts for what each figure measures.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_UPLOAD_CONNECTIONS, DEFAULT_UPLOAD_WINDOW } from '../../../telegram/files/mediaFiles.js';
import { measureInChild } from './sideProcess.js';
import { readSandboxFile } from '../../../telegram/connection/sandbox.js';
import { BenchUsageError } from '../benchUsageError.js';
import { errorMessage } from '../../../log/logger.js';
import { linkTo, startEmulatorProcess } from '../net/benchProcesses.js';
import { runWorldUploadBench } from '../emulator/uploadBench.js';

const MIB = 1024 * 1024;
const USAGE = 'usage: bench upload [--mib N (1..2000, default 1024)] [--window W] [--connections C] [--rtt-ms R (0..1000)] [--mbit M] (window and connections default to those of src/telegram/files/mediaFiles.ts)';

const intOption = (value: string | undefined, name: string, fallback: number, min: number, max: number) => intOptionOf(USAGE)(value, name, fallback, min, max);

/** Writes `size` bytes of a seeded AES-CTR keystream (incompressible, like media); returns their SHA-256 (hex). */
export async function writeSeededFile(path: string, size: number, seed = 'courier upload bench'): Promise<string> {
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(seed).digest(), Buffer.alloc(16));
  const hash = createHash('sha256');
  const zeros = Buffer.alloc(16 * MIB);
  const file = await open(path, 'w');
  try {
    for (let done = 0; done < size; done += zeros.length) {
      const chunk = cipher.update(zeros.subarray(0, Math.min(zeros.length, size - done)));
      hash.update(chunk);
      await file.write(chunk, 0, chunk.length, done);
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

/** Parses an integer option, or throws BenchUsageError naming `usage`. */
export function intOptionOf(usage: string) {
  return (value: string | undefined, name: string, fallback: number, min: number, max: number): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new BenchUsageError(`--${name} must be an integer ${min}..${max}, got ${value}; ${usage}`);
    return n;
  };
}

/** --mbit: a positive number (fractions allowed), or undefined when absent. */
export function mbitOption(value: string | undefined, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0 && n <= 100_000)) throw new BenchUsageError(`--mbit must be a number above 0 (Mbit/s), got ${value}; ${usage}`);
  return n;
}

export async function benchUpload(args: string[], out: (line: string) => void): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({ args, options: { mib: { type: 'string' }, window: { type: 'string' }, connections: { type: 'string' }, 'rtt-ms': { type: 'string' }, mbit: { type: 'string' } }, strict: true }));
  } catch (err) {
    throw new BenchUsageError(`upload: ${errorMessage(err)}; ${USAGE}`);
  }
  const mib = intOption(values.mib, 'mib', 1024, 1, 2000);
  const windowSize = intOption(values.window, 'window', DEFAULT_UPLOAD_WINDOW, 1, 64);
  const connections = intOption(values.connections, 'connections', DEFAULT_UPLOAD_CONNECTIONS, 1, 8);
  const rttMs = intOption(values['rtt-ms'], 'rtt-ms', 0, 0, 1000);
  const mbit = mbitOption(values.mbit, USAGE);
  const size = mib * MIB;

  const dir = mkdtempSync(join(tmpdir(), 'courier-bench-upload-'));
  const emulatorDir = join(dir, 'emulator');
  const emulator = await startEmulatorProcess(emulatorDir);
  try {
    const filePath = join(dir, 'upload.bin');
    await writeSeededFile(filePath, size);
    const sandbox = readSandboxFile(emulatorDir);
    const link = await linkTo(sandbox.port, { rttMs, ...(mbit ? { mbit } : {}) });
    try {
      // Each run in a fresh process of its own (sideProcess.ts), so none inherits another's heap.
      const reach = { sandbox, port: link.port };
      const stock1 = await measureInChild({ ...reach, kind: 'upload', who: 'stock', filePath, size, workers: 1 });
      const stock4 = await measureInChild({ ...reach, kind: 'upload', who: 'stock', filePath, size, workers: 4 });
      const courier = await measureInChild({ ...reach, kind: 'upload', who: 'courier', filePath, size, windowSize, connections });
      // The emulator's own ceiling: a client in a worker thread that encrypted every part before
      // the clock started, straight to an in-process emulator over loopback (no delay).
      const ceiling = await runWorldUploadBench({ parts: Math.min(256, Math.ceil(size / (512 * 1024))) });
      const bestStock = Math.max(stock1.mbPerSecond, stock4.mbPerSecond);
      const round = (n: number) => Math.round(n * 100) / 100;
      out(
        JSON.stringify({
          bench: 'upload',
          file_mib: mib,
          rtt_ms: rttMs,
          mbit: mbit ?? null,
          parts: Math.ceil(size / (512 * 1024)),
          courier_mb_s: round(courier.mbPerSecond),
          stock_workers1_mb_s: round(stock1.mbPerSecond),
          stock_workers4_mb_s: round(stock4.mbPerSecond),
          ratio_to_best_stock: round(courier.mbPerSecond / bestStock),
          courier_peak_rss_mb: round(courier.peakRssMb),
          courier_event_loop_p99_ms: round(courier.eventLoopP99Ms),
          courier_seconds: round(courier.seconds),
          stock_workers4_event_loop_p99_ms: round(stock4.eventLoopP99Ms),
          stock_workers4_peak_rss_mb: round(stock4.peakRssMb),
          emulator_ceiling_mb_s: round(ceiling.accepted_mb_per_s),
          courier_share_of_ceiling: round(courier.mbPerSecond / ceiling.accepted_mb_per_s),
          courier_window: windowSize,
          courier_connections: connections,
        }),
      );
    } finally {
      await link.stop();
    }
  } finally {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}
