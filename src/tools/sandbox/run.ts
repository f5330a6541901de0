/**
 * `npm run sandbox`: everything a newcomer needs to try Courier with no Telegram account.
 *
 * Starts the DC emulator in this process, runs Courier as a child process against it (as
 * `npm start -- --sandbox DIR` would), waits until Courier says it is running, then opens a
 * terminal chat as a sandbox user. Courier's own log goes to a file so the chat stays readable.
 * Everything lives under data/sandbox/, so history and sessions survive a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnvironment } from '../../config/index.js';
import { startEmulator } from '../../emulator/index.js';
import { readSandboxFile } from '../../telegram/connection/sandbox.js';
import { runSandboxChat } from './chat.js';
import { registerSandboxSecrets } from './sandboxSecrets.js';

const MAIN = fileURLToPath(new URL('../../main.ts', import.meta.url));
/** A fixed port keeps the sandbox's saved sessions valid across runs; 0 falls back to any free port. */
const DEFAULT_PORT = 47443;

export interface SandboxRunOptions {
  root: string;
  port?: number;
}

export async function runSandbox(options: SandboxRunOptions): Promise<number> {
  const emulatorDir = path.join(options.root, 'emulator');
  const courierDir = path.join(options.root, 'courier');
  fs.mkdirSync(emulatorDir, { recursive: true });
  fs.mkdirSync(courierDir, { recursive: true });

  const emulator = await startEmulatorOnPreferredPort(emulatorDir, options.port ?? DEFAULT_PORT);
  const sandbox = readSandboxFile(emulatorDir);
  registerSandboxSecrets(sandbox);
  process.stdout.write(`Sandbox Telegram DC listening on ${sandbox.host}:${sandbox.port} (data in ${options.root}).\n`);

  const logFile = path.join(options.root, 'courier.log');
  const courier = spawn(process.execPath, ['--import', 'tsx', MAIN, 'start', '--sandbox', emulatorDir], {
    env: childEnvironment({ COURIER_DATA_DIR: courierDir, COURIER_LOG_FORMAT: 'json' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  courier.stdout?.pipe(log, { end: false });
  courier.stderr?.pipe(log, { end: false });
  try {
    await waitUntilRunning(courier, logFile);
    process.stdout.write(`Courier is running (its log: ${logFile}).\n`);
    await runSandboxChat({ sandbox });
    return 0;
  } finally {
    await stopChild(courier);
    log.end();
    await emulator.close();
  }
}

async function startEmulatorOnPreferredPort(dataDir: string, port: number) {
  try {
    return await startEmulator({ dataDir, port, host: '127.0.0.1' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw err;
    return startEmulator({ dataDir, port: 0, host: '127.0.0.1' });
  }
}

/** Resolves when Courier logs that it is running; rejects if it exits first. */
function waitUntilRunning(child: ChildProcess, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      if (/Courier is running/.test(seen)) {
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`Courier stopped before it was ready (exit code ${code}); see ${logFile}.`));
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
