/**
 * The GramJS half of `npm run bench -- upload` (src/bench/upload.ts owns the emulator process and
 * the JSON line): one file uploaded to the emulator by Courier's path and by stock GramJS.
 *
 * - Courier: src/transfer/upload.ts through gramUploadSender (a sliding window of parts over
 *   several connections) with fastIge installed and parts sealed in the transfer crypto thread,
 *   exactly what createTelegramFiles' sendFile does before messages.sendMedia; measured with its peak RSS (sampled) and the event loop's p99
 *   delay (perf_hooks.monitorEventLoopDelay) while it runs.
 * - Stock: GramJS's own `client.uploadFile` with `workers` parts per batch and GramJS's
 *   pure-JavaScript AES-IGE, i.e. what a GramJS bot gets out of the box.
 * All runs upload parts only (no sendMedia), so they move the same bytes.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Logger, TelegramClient } from 'telegram';
import { CustomFile } from 'telegram/client/uploads.js';
import { LogLevel } from 'telegram/extensions/Logger.js';
import { StringSession } from 'telegram/sessions/index.js';
import { uploadFile } from '../../../transfer/upload.js';
import { installFastIge, uninstallFastIge } from '../../../telegram/files/crypto/fastIge.js';
import { restoreNoopGzip, skipNoopGzip } from '../../../telegram/files/crypto/mediaCrypto.js';
import { threadPacketCrypto } from '../../../telegram/files/crypto/cryptoPool.js';
import { filename as cryptoWorkerFile } from '../../../../workers/transferCrypto.js';
import { prepareSandboxSession, sandboxClientOptions, type SandboxDescription } from '../../../telegram/connection/sandbox.js';
import { gramUploadSender } from '../../../telegram/files/uploadInvoker.js';

export interface UploadRun {
  seconds: number;
  mbPerSecond: number;
  /** Highest resident set size sampled every 50 ms during the run. */
  peakRssMb: number;
  /** p99 of the main thread's event-loop delay during the run (10 ms resolution). */
  eventLoopP99Ms: number;
}

const MB = 1_000_000;

/** Logs in as the sandbox bot with a fresh session; GramJS's own logging silenced. */
export async function connectBenchBot(sandbox: SandboxDescription): Promise<TelegramClient> {
  const session = new StringSession('');
  prepareSandboxSession(session, sandbox);
  const client = new TelegramClient(session, sandbox.api_id, sandbox.api_hash, {
    ...sandboxClientOptions(sandbox),
    connectionRetries: 5,
    baseLogger: new Logger(LogLevel.NONE),
  });
  await client.start({ botAuthToken: sandbox.bot_token });
  return client;
}

/** Runs `upload` (or any transfer of `size` bytes) while sampling RSS and the event loop's delay. */
export async function measured(size: number, upload: () => Promise<void>): Promise<UploadRun> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  const started = performance.now();
  delay.enable();
  try {
    await upload();
  } finally {
    delay.disable();
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  return { seconds, mbPerSecond: size / MB / seconds, peakRssMb: peakRss / MB, eventLoopP99Ms: delay.percentile(99) / 1e6 };
}

export async function courierUpload(client: TelegramClient, path: string, size: number, opts: { windowSize: number; connections: number }): Promise<UploadRun> {
  installFastIge();
  skipNoopGzip();
  // As the service does (src/app.ts): big packets sealed in the transfer crypto thread.
  const crypto = threadPacketCrypto(cryptoWorkerFile);
  const sender = await gramUploadSender(client, { connections: opts.connections, crypto });
  try {
    return await measured(size, async () => {
      await uploadFile({ sendPart: sender.sendPart, filePath: path, windowSize: opts.windowSize });
    });
  } finally {
    await sender.close();
    await crypto.close();
  }
}

export async function stockUpload(client: TelegramClient, path: string, size: number, workers: number): Promise<UploadRun> {
  uninstallFastIge();
  restoreNoopGzip();
  return measured(size, async () => {
    await client.uploadFile({ file: new CustomFile('bench.bin', size, path), workers });
  });
}
