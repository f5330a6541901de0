import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireProcessLock, isProcessAlive, ProcessLockedError } from '../../../../src/telegram/session/processLock.js';

const LOCK_MODULE = fileURLToPath(new URL('../../../../src/telegram/session/processLock.ts', import.meta.url));

describe('process lock: one Courier per session', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-lock-'));
    file = join(dir, 'bot.session.lock');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the first taker holds the lock with its pid; a second taker is refused with a clear message', () => {
    const lock = acquireProcessLock(file);
    expect(readFileSync(file, 'utf8').trim()).to.equal(String(process.pid));
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    let caught: unknown;
    try {
      acquireProcessLock(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ProcessLockedError);
    expect((caught as ProcessLockedError).pid).to.equal(process.pid);
    expect((caught as Error).message).to.include(`pid ${process.pid}`).and.include('AUTH_KEY_DUPLICATED').and.include('Stop that process');
    lock.release();
    expect(existsSync(file)).to.equal(false);
    acquireProcessLock(file).release();
  });

  it('a lock left by a process that has exited is taken over', () => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    expect(isProcessAlive(deadPid)).to.equal(false);
    writeFileSync(file, `${deadPid}\n`);
    const lock = acquireProcessLock(file);
    expect(readFileSync(file, 'utf8').trim()).to.equal(String(process.pid));
    lock.release();
  });

  it('an empty or garbled lock file counts as stale', () => {
    writeFileSync(file, '');
    acquireProcessLock(file).release();
    writeFileSync(file, 'not a pid');
    acquireProcessLock(file).release();
  });

  it('release never removes a lock that another process took over meanwhile', () => {
    const lock = acquireProcessLock(file);
    writeFileSync(file, '999999\n');
    lock.release();
    expect(readFileSync(file, 'utf8').trim()).to.equal('999999');
  });

  it('a second process is refused while the first runs, and can start once the first has exited', async function () {
    this.timeout(30_000);
    const holderScript = `
      import { acquireProcessLock } from ${JSON.stringify(LOCK_MODULE)};
      acquireProcessLock(${JSON.stringify(file)});
      process.stdout.write('locked\\n');
      process.stdin.on('data', () => process.exit(0));
    `;
    const holder = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', holderScript], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
      holder.once('exit', (code) => reject(new Error(`holder exited early with ${code}`)));
    });
    let caught: unknown;
    try {
      acquireProcessLock(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ProcessLockedError);
    expect((caught as ProcessLockedError).pid).to.equal(holder.pid);

    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.stdin.write('bye\n');
    expect(await exited).to.equal(0);
    // The holder's exit handler removed its lock.
    expect(existsSync(file)).to.equal(false);
    acquireProcessLock(file).release();
  });
});
