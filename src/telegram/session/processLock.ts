/**
 * One Courier process per session. Two processes sharing an auth key make Telegram answer
 * AUTH_KEY_DUPLICATED and split the update stream between them, so updates go missing
 * (core.telegram.org/api/errors, 406 AUTH_KEY_DUPLICATED). The lock is a file next to the
 * session, created with O_EXCL and holding the owner's pid. A lock left behind by a process
 * that no longer exists is taken over; a live owner makes start fail with ProcessLockedError.
 *
 * Known limit: two processes that find the same stale lock at the same instant can both take it
 * over; the window is a few microseconds and needs a crash followed by a double start.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { secureSessionsDir } from './sessionFile.js';

export class ProcessLockedError extends Error {
  constructor(
    readonly file: string,
    readonly pid: number,
  ) {
    super(
      `Another Courier process (pid ${pid}) is already using this session (lock file ${file}). ` +
        'Stop that process first: two processes on one session make Telegram drop the session (AUTH_KEY_DUPLICATED) and lose updates.',
    );
    this.name = 'ProcessLockedError';
  }
}

export interface ProcessLock {
  readonly file: string;
  /** Removes the lock file if it is still ours. Safe to call more than once. */
  release(): void;
}

export interface ProcessLockOptions {
  /** The pid written into the lock; defaults to this process. */
  pid?: number;
  /** Whether a pid belongs to a running process; defaults to `process.kill(pid, 0)`. */
  isAlive?: (pid: number) => boolean;
}

/** `process.kill(pid, 0)` sends nothing; ESRCH means no such process, EPERM means it exists but is not ours. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function tryCreate(file: string, pid: number): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, `${pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

export function acquireProcessLock(file: string, options: ProcessLockOptions = {}): ProcessLock {
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? isProcessAlive;
  // The lock sits next to the session, so this is the first step of every start and login: the
  // folder holding the auth keys is made private to the operator here.
  secureSessionsDir(dirname(file));
  // Two rounds: the second follows the removal of a stale lock.
  for (let round = 0; round < 2; round += 1) {
    if (tryCreate(file, pid)) return heldLock(file, pid);
    const owner = readOwner(file);
    // A lock without a readable pid is a crash between create and write: stale.
    if (owner !== null && isAlive(owner)) throw new ProcessLockedError(file, owner);
    try {
      unlinkSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  const owner = readOwner(file);
  throw new ProcessLockedError(file, owner ?? 0);
}

function heldLock(file: string, pid: number): ProcessLock {
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    // Only remove the file if it is still ours (never a successor's lock).
    if (readOwner(file) === pid) {
      try {
        unlinkSync(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  };
  // A process that ends without stop() (an uncaught error, process.exit) still frees its session.
  process.on('exit', release);
  return { file, release };
}
