/**
 * `npm run bench -- upload [--mib N] [--window W] [--connections C]`: a file of N MiB (default
 * 1024, at most 2000: Telegram's 4000 parts of 512 KiB) uploaded to the DC emulator by Courier's
 * path and, in the same run, by stock GramJS `client.uploadFile` with workers 1 and 4.
 *
 * The emulator runs as a child process (`node --import tsx src/main.ts emulator`) so its CPU
 * never counts against the client's event loop. The file is written once from a seeded AES-CTR
 * keystream (incompressible, like media) and read from the page cache by every run. Stock runs go
 * first, with GramJS's own cipher; Courier's run installs fastIge (src/telegram/fastIge.ts), as the
 * service does at start. Prints one JSON line {"bench":"upload", ...}; see
 * src/telegram/mediaUploadBench.ts for what each figure measures.
 */
import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_UPLOAD_CONNECTIONS, DEFAULT_UPLOAD_WINDOW } from '../../../telegram/files/mediaFiles.js';
import { connectBenchBot, courierUpload, stockUpload } from './benchClient.js';
import { readSandboxFile } from '../../../telegram/connection/sandbox.js';
import { BenchUsageError } from '../benchUsageError.js';
import { errorMessage } from '../../../log/logger.js';

const MIB = 1024 * 1024;
const USAGE = 'usage: bench upload [--mib N (1..2000, default 1024)] [--window W] [--connections C] (defaults: those of src/telegram/mediaFiles.ts)';

function intOption(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new BenchUsageError(`--${name} must be an integer ${min}..${max}, got ${value}; ${USAGE}`);
  return n;
}

async function writeSeededFile(path: string, size: number): Promise<void> {
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update('courier upload bench').digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(16 * MIB);
  const file = await open(path, 'w');
  try {
    for (let done = 0; done < size; done += zeros.length) {
      const chunk = cipher.update(zeros.subarray(0, Math.min(zeros.length, size - done)));
      await file.write(chunk, 0, chunk.length, done);
    }
  } finally {
    await file.close();
  }
}

/** Starts the emulator in its own process and resolves once it listens (its first stdout line says so). */
function startEmulatorProcess(dataDir: string): Promise<{ stop(): Promise<void> }> {
  const main = fileURLToPath(new URL('../../../main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'emulator', '--data-dir', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (data: Buffer) => {
      out += data.toString('utf8');
      if (!out.includes('listening on')) return;
      child.stdout.off('data', onData);
      child.stdout.resume(); // keep draining its log so it never blocks on a full pipe
      resolve({
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the emulator exited (code ${code}) before listening: ${out.trim()}`)));
  });
}

export async function benchUpload(args: string[], out: (line: string) => void): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({ args, options: { mib: { type: 'string' }, window: { type: 'string' }, connections: { type: 'string' } }, strict: true }));
  } catch (err) {
    throw new BenchUsageError(`upload: ${errorMessage(err)}; ${USAGE}`);
  }
  const mib = intOption(values.mib, 'mib', 1024, 1, 2000);
  const windowSize = intOption(values.window, 'window', DEFAULT_UPLOAD_WINDOW, 1, 64);
  const connections = intOption(values.connections, 'connections', DEFAULT_UPLOAD_CONNECTIONS, 1, 8);
  const size = mib * MIB;

  const dir = mkdtempSync(join(tmpdir(), 'courier-bench-upload-'));
  const emulatorDir = join(dir, 'emulator');
  const emulator = await startEmulatorProcess(emulatorDir);
  try {
    const filePath = join(dir, 'upload.bin');
    await writeSeededFile(filePath, size);
    const client = await connectBenchBot(readSandboxFile(emulatorDir));
    try {
      const stock1 = await stockUpload(client, filePath, size, 1);
      const stock4 = await stockUpload(client, filePath, size, 4);
      const courier = await courierUpload(client, filePath, size, { windowSize, connections });
      const bestStock = Math.max(stock1.mbPerSecond, stock4.mbPerSecond);
      const round = (n: number) => Math.round(n * 100) / 100;
      out(
        JSON.stringify({
          bench: 'upload',
          file_mib: mib,
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
          courier_window: windowSize,
          courier_connections: connections,
        }),
      );
    } finally {
      await client.destroy();
    }
  } finally {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}
