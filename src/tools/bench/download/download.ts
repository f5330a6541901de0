/**
 * `npm run bench -- download [--mib N] [--rtt-ms R] [--mbit M] [--window W] [--connections C]`:
 * a file of N MiB (default 1024) that a user sent to the bot is fetched by Courier's download path
 * (TelegramFiles.download, src/telegram/files/) into a job directory and, in the same run, by stock
 * GramJS `client.downloadMedia` (which in 2.26.22 has no parallel option: one 512 KiB request at
 * a time on the borrowed connection, with GramJS's own JavaScript AES-IGE).
 *
 * The emulator runs as a child process (emulatorWithFile.ts) holding the file, sent by the
 * sandbox's first user from a seeded AES-CTR keystream; with --rtt-ms / --mbit every connection
 * goes through the delay proxy (../net/delayProxy.ts). Every download is checked against the
 * source's SHA-256. The emulator's own ceiling (ceilingClient.ts: a raw client that does not even
 * decrypt, on loopback) is measured in the same run. Each download runs in a fresh process of its
 * own (../upload/sideProcess.ts). Prints one JSON line {"bench":"download", ...}.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Api } from 'telegram';
import { DEFAULT_DOWNLOAD_CONNECTIONS, DEFAULT_DOWNLOAD_WINDOW } from '../../../telegram/files/mediaFiles.js';
import { mediaRefOf } from '../../../telegram/files/mediaRef.js';
import { inputLocationOf } from '../../../telegram/files/mediaMessage.js';
import { readSandboxFile } from '../../../telegram/connection/sandbox.js';
import { errorMessage } from '../../../log/logger.js';
import { BenchUsageError } from '../benchUsageError.js';
import { linkTo, startNodeChild } from '../net/benchProcesses.js';
import { connectBenchBot } from '../upload/benchClient.js';
import { botMessage, measureInChild } from '../upload/sideProcess.js';
import { intOptionOf, mbitOption, writeSeededFile } from '../upload/upload.js';
import { emulatorWithFileFilename, READY_PREFIX, type EmulatorWithFileReady } from './emulatorWithFile.js';
import { measureEmulatorGive } from './ceilingClient.js';

const MIB = 1024 * 1024;
const USAGE = 'usage: bench download [--mib N (1..2000, default 1024)] [--rtt-ms R (0..1000)] [--mbit M] [--window W] [--connections C] (window and connections default to those of src/telegram/files/mediaFiles.ts)';
const intOption = intOptionOf(USAGE);

export class DownloadBenchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadBenchError';
  }
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MIB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The document message as the bot sees it (messages.getMessages by id in its own box). */

export async function benchDownload(args: string[], out: (line: string) => void): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({ args, options: { mib: { type: 'string' }, 'rtt-ms': { type: 'string' }, mbit: { type: 'string' }, window: { type: 'string' }, connections: { type: 'string' } }, strict: true }));
  } catch (err) {
    throw new BenchUsageError(`download: ${errorMessage(err)}; ${USAGE}`);
  }
  const mib = intOption(values.mib, 'mib', 1024, 1, 2000);
  const rttMs = intOption(values['rtt-ms'], 'rtt-ms', 0, 0, 1000);
  const mbit = mbitOption(values.mbit, USAGE);
  const windowSize = intOption(values.window, 'window', DEFAULT_DOWNLOAD_WINDOW, 1, 64);
  const connections = intOption(values.connections, 'connections', DEFAULT_DOWNLOAD_CONNECTIONS, 1, 8);
  const size = mib * MIB;

  const dir = mkdtempSync(join(tmpdir(), 'courier-bench-download-'));
  try {
    const source = join(dir, 'source.bin');
    const sourceHash = await writeSeededFile(source, size, 'courier download bench');
    const emulatorDir = join(dir, 'emulator');
    const emulator = await startNodeChild(emulatorWithFileFilename, [emulatorDir, source], new RegExp(`${READY_PREFIX}.*\\n`));
    try {
      rmSync(source); // the emulator holds its own copy now
      const ready = JSON.parse(emulator.output.slice(emulator.output.indexOf(READY_PREFIX) + READY_PREFIX.length).split('\n')[0]!) as EmulatorWithFileReady;
      const sandbox = readSandboxFile(emulatorDir);
      const link = await linkTo(ready.port, { rttMs, ...(mbit ? { mbit } : {}) });
      const client = await connectBenchBot({ ...sandbox, port: link.port });
      try {
        const message = await botMessage(client, ready.bot_message_id);
        const ref = mediaRefOf(message);
        if (!ref || ref.sizeBytes !== size) throw new DownloadBenchError(`the bench message carries ${ref ? `${ref.sizeBytes} bytes` : 'no file'}, expected ${size}`);
        const jobDir = join(dir, 'job');
        mkdirSync(jobDir);
        const check = async (path: string, who: string) => {
          const hash = await sha256OfFile(path);
          rmSync(path, { force: true });
          if (hash !== sourceHash) throw new DownloadBenchError(`${who}'s download differs from the file the user sent`);
        };

        // Each download in a fresh process of its own (sideProcess.ts), so none inherits another's
        // heap: stock GramJS's downloadMedia first, then Courier's files port as the service runs it.
        const reach = { sandbox, port: link.port, messageId: ready.bot_message_id, size };
        const stockPath = join(jobDir, 'stock.bin');
        const stock = await measureInChild({ ...reach, kind: 'download', who: 'stock', outputPath: stockPath });
        await check(stockPath, 'stock GramJS');
        const courierPath = join(jobDir, 'input.bin');
        const courier = await measureInChild({ ...reach, kind: 'download', who: 'courier', outputPath: courierPath, windowSize, connections });
        await check(courierPath, 'Courier');

        const ceiling = await measureEmulatorGive({
          host: '127.0.0.1',
          port: ready.port,
          authKey: Buffer.from(ready.auth_key, 'hex'),
          login: { apiId: sandbox.api_id, apiHash: sandbox.api_hash, botToken: sandbox.bot_token },
          location: inputLocationOf(ref.location) as Api.InputDocumentFileLocation,
          chunks: Math.max(1, Math.min(512, Math.floor(size / MIB))),
          connections,
          window: windowSize,
        });
        const round = (n: number) => Math.round(n * 100) / 100;
        out(
          JSON.stringify({
            bench: 'download',
            file_mib: mib,
            rtt_ms: rttMs,
            mbit: mbit ?? null,
            verified_sha256: true,
            courier_mb_s: round(courier.mbPerSecond),
            stock_download_media_mb_s: round(stock.mbPerSecond),
            ratio_to_stock: round(courier.mbPerSecond / stock.mbPerSecond),
            courier_peak_rss_mb: round(courier.peakRssMb),
            courier_event_loop_p99_ms: round(courier.eventLoopP99Ms),
            courier_seconds: round(courier.seconds),
            stock_seconds: round(stock.seconds),
            stock_event_loop_p99_ms: round(stock.eventLoopP99Ms),
            stock_peak_rss_mb: round(stock.peakRssMb),
            emulator_ceiling_mb_s: round(ceiling.mbPerSecond),
            courier_share_of_ceiling: round(courier.mbPerSecond / ceiling.mbPerSecond),
            courier_window: windowSize,
            courier_connections: connections,
          }),
        );
      } finally {
        await client.destroy();
        await link.stop();
      }
    } finally {
      await emulator.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}
