/**
 * src/telegram/session/: the bot's login, kept between runs: the session file (this file) and
 * the one-process-per-session lock beside it (processLock.ts). Invariants: a session file is
 * only ever replaced whole and readable by its owner alone; one process at a time uses a session.
 *
 * The session file: `<paths.sessions>/<name>.session` holds one GramJS StringSession (the auth
 * key and the DC it belongs to). Whoever reads it can act as the bot, so it is created with mode
 * 0600 (written to a private temp file, then renamed over the old one, so a crash never leaves a
 * half-written session), and a file found with a looser mode is tightened with a warning. The
 * sessions folder is kept at 0700 the same way, checked on every start and login (the process lock
 * is taken there first), since the repository's own sessions/ arrives as 0755.
 *
 * A sandbox session is named after the emulator's host:port, so a session made against the
 * emulator never replaces, or is mistaken for, the one for real Telegram.
 */
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { errorMessage, logger, registerSecret } from '../../log/logger.js';

const log = logger('session');

export const SESSION_MODE = 0o600;
export const SESSIONS_DIR_MODE = 0o700;

export class SessionFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionFileError';
  }
}

/** The session name used against an emulator at host:port. */
export function sandboxSessionName(host: string, port: number): string {
  return `sandbox-${host}-${port}`.replace(/[^\w.-]/g, '_');
}

export function sessionFilePath(sessionsDir: string, sessionName: string): string {
  return join(sessionsDir, `${sessionName}.session`);
}

/**
 * Creates the sessions folder with mode 0700, or tightens an existing one that group or others
 * may enter or list. A folder Courier cannot chmod (owned by someone else) gets a warning only:
 * the session files in it are 0600 anyway.
 */
export function secureSessionsDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: SESSIONS_DIR_MODE });
  const mode = statSync(dir).mode & 0o777;
  if ((mode & ~SESSIONS_DIR_MODE) === 0) return;
  try {
    chmodSync(dir, SESSIONS_DIR_MODE);
    log.warn(`sessions folder ${dir} was open to others (mode ${mode.toString(8)}); tightened it to 700`);
  } catch (err) {
    log.warn(`sessions folder ${dir} is open to others (mode ${mode.toString(8)}) and could not be tightened (${errorMessage(err)}); run chmod 700 on it`);
  }
}

/**
 * Reads a session file; null when there is none (or it is empty). Registers the session string
 * as a secret so it never reaches a log line.
 */
export function loadSession(file: string): string | null {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if ((mode & ~SESSION_MODE) !== 0) {
    chmodSync(file, SESSION_MODE);
    log.warn(`session file ${file} was readable by others (mode ${mode.toString(8)}); tightened it to 600`);
  }
  const session = readFileSync(file, 'utf8').trim();
  if (session === '') return null;
  registerSecret(session);
  return session;
}

/** Writes a session string atomically with mode 0600 and checks the mode really is 0600. */
export function saveSession(file: string, session: string): void {
  registerSecret(session);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  // 'wx' refuses to follow an existing path; the mode applies at creation, before any byte is written.
  const fd = openSync(temp, 'wx', SESSION_MODE);
  try {
    writeSync(fd, `${session}\n`);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(temp);
    throw err;
  }
  closeSync(fd);
  // The umask may only remove bits, but a filesystem may ignore modes altogether: set and check.
  chmodSync(temp, SESSION_MODE);
  renameSync(temp, file);
  const mode = statSync(file).mode & 0o777;
  if (mode !== SESSION_MODE) {
    throw new SessionFileError(
      `session file ${file} has mode ${mode.toString(8)} instead of 600 (the filesystem ignores permissions?); keep sessions on a filesystem that honours them`,
    );
  }
}
