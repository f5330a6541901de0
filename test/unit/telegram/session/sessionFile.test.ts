import { expect } from 'chai';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MASK, redactText } from '../../../../src/log/logger.js';
import { acquireProcessLock } from '../../../../src/telegram/session/processLock.js';
import { loadSession, sandboxSessionName, saveSession, secureSessionsDir, sessionFilePath } from '../../../../src/telegram/session/sessionFile.js';

const SESSION = '1AgAOMTQ5LjE1NC4xNjcuNTABu0Q2dW5pdC10ZXN0LXNlc3Npb24tc3RyaW5n';

describe('session file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-session-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a saved session reads back unchanged, from a file only its owner can read', () => {
    const file = sessionFilePath(join(dir, 'sessions'), 'courier');
    expect(file).to.equal(join(dir, 'sessions', 'courier.session'));
    saveSession(file, SESSION);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(loadSession(file)).to.equal(SESSION);
    // Saved through a temp file and a rename: nothing else is left in the folder.
    expect(readdirSync(join(dir, 'sessions'))).to.deep.equal(['courier.session']);
  });

  it('saving again replaces the session atomically and keeps mode 0600', () => {
    const file = sessionFilePath(dir, 'courier');
    saveSession(file, SESSION);
    saveSession(file, `${SESSION}-2`);
    expect(loadSession(file)).to.equal(`${SESSION}-2`);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
  });

  it('no file, or an empty one, means no session', () => {
    expect(loadSession(join(dir, 'missing.session'))).to.equal(null);
    writeFileSync(join(dir, 'empty.session'), '\n', { mode: 0o600 });
    expect(loadSession(join(dir, 'empty.session'))).to.equal(null);
  });

  it('a session file readable by others is tightened to 0600 when loaded', () => {
    const file = join(dir, 'loose.session');
    writeFileSync(file, `${SESSION}\n`);
    chmodSync(file, 0o644);
    expect(loadSession(file)).to.equal(SESSION);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
  });

  it('a loaded session never appears in log output', () => {
    // The secret registry is global to the process: a string no other test registers, short
    // enough that no shape rule masks it, so only loadSession() can make it disappear.
    const session = '1BvOnlyTheSessionFileTestLoadsThis-7f3a9c';
    const file = join(dir, 'secret.session');
    writeFileSync(file, `${session}\n`, { mode: 0o600 });
    expect(redactText(`connected with ${session}`), 'visible before it is loaded').to.include(session);
    loadSession(file);
    expect(redactText(`connected with ${session}`)).to.equal(`connected with ${MASK}`);
  });

  it('a new sessions folder is created private (0700)', () => {
    const sessions = join(dir, 'new', 'sessions');
    secureSessionsDir(sessions);
    expect(statSync(sessions).mode & 0o777).to.equal(0o700);
  });

  it('a sessions folder shipped as 0755 is tightened to 0700 when Courier takes the session lock at start', () => {
    // As the repository ships sessions/ (git keeps no folder modes; a checkout makes it 0755).
    const sessions = join(dir, 'sessions');
    mkdirSync(sessions);
    chmodSync(sessions, 0o755);
    const lock = acquireProcessLock(`${sessionFilePath(sessions, 'courier')}.lock`);
    lock.release();
    expect(statSync(sessions).mode & 0o777).to.equal(0o700);
  });

  it('a sandbox session is named after the emulator address, apart from the real one', () => {
    expect(sandboxSessionName('127.0.0.1', 47443)).to.equal('sandbox-127.0.0.1-47443');
    expect(sandboxSessionName('127.0.0.1', 47444)).to.not.equal(sandboxSessionName('127.0.0.1', 47443));
    expect(sandboxSessionName('::1', 5)).to.match(/^[\w.-]+$/);
  });
});
