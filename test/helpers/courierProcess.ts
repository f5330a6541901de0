/**
 * Courier as a child process, exactly as an operator runs it (`node --import tsx src/main.ts …`),
 * with an environment stripped of the developer's own COURIER_* settings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('COURIER_')));
  return { ...env, ...extra };
}

export interface CourierProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function runCourier(args: string[], env: Record<string, string>): CourierProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Resolves when `pattern` appears in the child's output; rejects if it exits first. */
export function waitForOutput(run: CourierProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (pattern.test(run.output())) {
        run.child.stdout!.off('data', check);
        run.child.stderr!.off('data', check);
        resolve();
      }
    };
    run.child.stdout!.on('data', check);
    run.child.stderr!.on('data', check);
    void run.exited.then((code) => reject(new Error(`Courier exited (${code}) before printing ${pattern}:\n${run.output()}`)));
    check();
  });
}

/** SIGKILL, then waits for the exit: a crash at this very moment. */
export async function killHard(run: CourierProcess): Promise<void> {
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  await run.exited;
}

/**
 * Resolves once `condition` holds; checks every `everyMs`. The deadline only turns a condition
 * that never comes into a readable failure.
 */
export async function until(condition: () => boolean, what: string, deadlineMs = 20_000, everyMs = 25): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > deadlineMs) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * The environment of a Courier child in an e2e story: its own data and session folders, log level
 * (debug with DBG=1), no offline alert for the short stops of a test, and — because the stories
 * run the emulator with its flood limits off — Courier's own send limits lifted too (the catch-up
 * benchmark measures with both on).
 */
export function storyEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const unlimited = '100000';
  return {
    COURIER_DATA_DIR: dataDir,
    COURIER_SESSION_DIR: join(dataDir, 'sessions'),
    COURIER_LOG_LEVEL: process.env.DBG ? 'debug' : 'info',
    COURIER__UPDATES__OFFLINE_ALERT_SECONDS: '3600',
    COURIER__OUTBOX__PER_SECOND: unlimited,
    COURIER__OUTBOX__BURST: unlimited,
    COURIER__OUTBOX__PER_CHAT_PER_SECOND: unlimited,
    COURIER__OUTBOX__CHAT_BURST: unlimited,
    COURIER__OUTBOX__GROUP_PER_MINUTE: unlimited,
    ...extra,
  };
}

/**
 * Inside a describe: after a failed test, prints what Courier (the story's process of the moment)
 * wrote during that test, its last 6000 characters.
 */
export function showCourierOutputOnFailure(current: () => CourierProcess | null): void {
  let mark = 0;
  beforeEach(() => {
    mark = current()?.output().length ?? 0;
  });
  afterEach(function () {
    const courier = current();
    if (this.currentTest?.state === 'failed' && courier) console.log(courier.output().slice(mark).slice(-6000));
  });
}
