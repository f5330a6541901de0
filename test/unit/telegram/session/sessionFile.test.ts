import { expect } from 'chai';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactText } from '../../../../src/log/logger.js';
import { loadSession, sandboxSessionName, saveSession, sessionFilePath } from '../../../../src/telegram/session/sessionFile.js';

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
    const file = join(dir, 'secret.session');
    writeFileSync(file, `${SESSION}\n`, { mode: 0o600 });
    loadSession(file);
    expect(redactText(`connected with ${SESSION}`)).to.not.include(SESSION);
  });

  it('a sandbox session is named after the emulator address, apart from the real one', () => {
    expect(sandboxSessionName('127.0.0.1', 47443)).to.equal('sandbox-127.0.0.1-47443');
    expect(sandboxSessionName('127.0.0.1', 47444)).to.not.equal(sandboxSessionName('127.0.0.1', 47443));
    expect(sandboxSessionName('::1', 5)).to.match(/^[\w.-]+$/);
  });
});
