/**
 * The child processes of the transfer benches: the DC emulator (so its CPU never counts against
 * the measured client's event loop) and, for `--rtt-ms` / `--mbit`, the delay proxy in front of it
 * (delayProxyMain.ts). Each child says it is ready on its stdout; its later output is drained so
 * it never blocks on a full pipe.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { delayProxyMainFilename } from './delayProxyMain.js';

export interface ChildProcessHandle {
  /** The first stdout text, up to and including the ready line. */
  readonly output: string;
  stop(): Promise<void>;
}

/** Spawns `node --import tsx SCRIPT ...args` and resolves once its stdout matches `ready`. */
export function startNodeChild(script: string, args: string[], ready: RegExp): Promise<ChildProcessHandle> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (data: Buffer) => {
      out += data.toString('utf8');
      if (!ready.test(out)) return;
      child.stdout.off('data', onData);
      child.stdout.resume();
      resolve({
        output: out,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited (code ${code}) before it was ready: ${out.trim()}`)));
  });
}

/** Starts the emulator (`src/main.ts emulator`) on a free port with its data in `dataDir`. */
export function startEmulatorProcess(dataDir: string): Promise<ChildProcessHandle> {
  const main = fileURLToPath(new URL('../../../main.ts', import.meta.url));
  return startNodeChild(main, ['emulator', '--data-dir', dataDir, '--port', '0'], /DC emulator listening on/);
}

export interface LinkShape {
  /** Added round-trip time, ms (0: none). */
  rttMs: number;
  /** Bandwidth cap per direction and connection, Mbit/s; undefined: none. */
  mbit?: number;
}

/**
 * The port clients should use to reach `targetPort` over `link`: the target itself on a plain
 * loopback link, otherwise a delay proxy child in front of it (stopped by `stop`).
 */
export async function linkTo(targetPort: number, link: LinkShape): Promise<{ port: number; stop(): Promise<void> }> {
  if (link.rttMs === 0 && link.mbit === undefined) return { port: targetPort, stop: async () => {} };
  const proxy = await startNodeChild(delayProxyMainFilename, [String(targetPort), String(link.rttMs), ...(link.mbit ? [String(link.mbit)] : [])], /delay proxy listening on \d+/);
  const port = Number(/delay proxy listening on (\d+)/.exec(proxy.output)![1]);
  return { port, stop: () => proxy.stop() };
}
