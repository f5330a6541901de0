/**
 * Courier as a child process for the catch-up benchmark, run exactly as an operator runs it
 * (`node --import tsx src/main.ts start --sandbox DIR`), so its CPU is its own and the in-process
 * emulator cannot slow the figures down by sharing an event loop with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEnvironment } from '../../../config/index.js';

const MAIN = fileURLToPath(new URL('../../../main.ts', import.meta.url));

export class CourierExitedError extends Error {
  constructor(code: number | null, waitingFor: string, tail: string) {
    super(`Courier exited (code ${code}) while the benchmark waited for ${waitingFor}; its last output:\n${tail}`);
    this.name = 'CourierExitedError';
  }
}

export interface CourierChild {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  readonly exited: Promise<number | null>;
  /** Resolves with the first match of `pattern` in the output; rejects if Courier exits first. */
  waitFor(pattern: RegExp, what: string): Promise<RegExpExecArray>;
  /** SIGTERM, then the exit code (a clean stop is 0). */
  stop(): Promise<number | null>;
  /** SIGKILL unless it has already exited. */
  kill(): Promise<void>;
}

/**
 * The child's environment: this process's (through src/config, the one place that reads it) minus
 * any COURIER_* setting of the developer's own, so a local config cannot change the run.
 */
function benchEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(childEnvironment({})).filter(([key]) => !key.startsWith('COURIER_'));
  return { ...Object.fromEntries(inherited), ...overrides };
}

export function startCourier(sandboxDir: string, env: Record<string, string>): CourierChild {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'start', '--sandbox', sandboxDir], {
    env: benchEnvironment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => (output += chunk.toString('utf8'));
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;

  const waitFor = (pattern: RegExp, what: string) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (!match) return;
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        resolve(match);
      };
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      void exited.then((code) => reject(new CourierExitedError(code, what, output.slice(-4000))));
      check();
    });

  return {
    child,
    output: () => output,
    exited,
    waitFor,
    stop: async () => {
      if (running()) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
  };
}
