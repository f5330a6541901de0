/**
 * The service's start and stop with a fake Telegram link: the order of shutdown, the session and
 * lock rules, and the sandbox's first-start login, without a network.
 */
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { initLogging } from '../../src/log/logger.js';
import { NoSessionError, startCourier, type CourierConfig, type CourierDeps } from '../../src/app.js';
import type { Incoming } from '../../src/domain/incoming.js';
import { texts } from '../../src/texts/index.js';
import type { TelegramLink } from '../../src/telegram/connectTelegram.js';
import type { RunningUpdates, UpdatesSetup } from '../../src/telegram/updates/service.js';
import type { MediaPool, TelegramFiles } from '../../src/domain/mediaPorts.js';

/** A pool that starts no threads: no test here runs a media job. */
const idlePool = (): MediaPool => ({
  fetchLink: () => Promise.reject(new Error('not in this test')),
  process: () => Promise.reject(new Error('not in this test')),
  hashFile: () => Promise.reject(new Error('not in this test')),
  close: async () => undefined,
});
import { openDatabase } from '../../src/storage/index.js';
import { inboxRow, markDone, storeUpdates } from '../../src/storage/inboxRepository.js';
import { ProcessLockedError } from '../../src/telegram/session/processLock.js';
import { saveSession, sessionFilePath } from '../../src/telegram/session/sessionFile.js';
import { FakePort } from '../helpers/fakeBotPort.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * A connected link whose updates the test drives, recording what happens in order. It stores each
 * emitted update through the inbox's store port as the real update sink would (with a growing
 * pts), so the app's own wiring (inbox -> per-chat queue -> router) is what runs; the engine has
 * its own tests.
 */
class FakeLink implements TelegramLink {
  readonly me = { id: '4242', username: 'CourierBot' };
  readonly port: FakePort;
  readonly events: string[] = [];
  private setup: UpdatesSetup | null = null;
  private pts = 0;
  /** No test here runs a media job. */
  readonly files: TelegramFiles = {
    download: () => Promise.reject(new Error('not in this test')),
    sendFile: () => Promise.reject(new Error('not in this test')),
    sendStored: () => Promise.reject(new Error('not in this test')),
  };
  constructor(port = new FakePort()) {
    this.port = port;
  }
  startUpdates(setup: UpdatesSetup): RunningUpdates {
    this.setup = setup;
    return {
      caughtUp: Promise.resolve(null),
      ready: Promise.resolve(),
      fresh: () => null,
      feed: () => undefined,
      stop: async () => {
        this.setup = null;
        this.events.push('unsubscribe');
      },
    };
  }
  emit(incoming: Incoming) {
    if (!this.setup) return;
    this.pts += 1;
    const chatKey = `${incoming.chat.kind}:${incoming.chat.id}`;
    this.setup.inbox.storeUpdates(
      [{ updateKey: incoming.updateKey, chatKey, kind: incoming.kind, payload: incoming, sentAt: incoming.date, receivedAt: Date.now(), recovered: false }],
      { pts: this.pts, qts: 0, date: incoming.date, seq: 0, channels: {} },
    );
  }
  async disconnect() {
    this.events.push('disconnect');
  }
}

/** A port whose ping waits until the test lets it go: an in-flight /ping handler. */
class SlowPingPort extends FakePort {
  readonly pingStarted = deferred();
  readonly pingMayFinish = deferred();
  override async ping() {
    this.pingStarted.resolve();
    await this.pingMayFinish.promise;
    return 5;
  }
}

function message(text: string, messageId: number): Incoming {
  const date = Math.floor(Date.now() / 1000);
  return { kind: 'message', updateKey: `msg:user:1:${messageId}`, chat: { kind: 'user', id: '1', accessHash: '2' }, senderId: '1', messageId, text, date };
}

/** Resolves once `condition` holds, checking after each turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('the running service: start and stop', () => {
  before(() => {
    initLogging({ level: 'error', format: 'json' }, { stream: new PassThrough() });
  });

  let dir: string;
  let config: CourierConfig;
  let events: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-app-'));
    events = [];
    config = {
      telegram: { apiId: 12345, apiHash: '0123456789abcdef0123456789abcdef', sessionName: 'courier', requestRetries: 3, floodSleepThresholdSeconds: 20 },
      paths: { sessions: join(dir, 'sessions'), temp: join(dir, 'tmp') },
      jobs: { poolSize: 1, perUserInFlight: 2, perUserQueued: 5, maxFileBytes: 2 ** 31, maxDurationSeconds: 3600, minFreeDiskBytes: 0, jobTimeoutSeconds: 600, progressIntervalMs: 3000 },
      links: { allowLoopback: false, allowedPorts: [], denyCidrs: [], timeoutMs: 30_000, deadlineSeconds: 600, minBytesPerSecond: 10_240, maxRedirects: 5, maxBytes: 2 ** 31 },
      media: { ffmpegPath: null, ffprobePath: null },
      database: { file: join(dir, 'courier.db') },
      log: { level: 'error' },
      admins: [],
      updates: {
        chatConcurrency: 4,
        delayedNoteSeconds: 60,
        offlineAlertSeconds: 900,
        gapTimeoutMs: 500,
        idleDifferenceSeconds: 900,
        differenceSliceLimit: 1000,
        oldMessages: { maxAgeHours: null, action: 'handle' },
      },
      shutdown: { graceMs: 5_000 },
    };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function deps(link: FakeLink, seen: { session?: string | null } = {}): Partial<CourierDeps> {
    return {
      connect: async ({ session }) => {
        seen.session = session;
        return link;
      },
      openDatabase: recordedDatabase,
      createPool: idlePool,
    };
  }

  /** The real database, with its close recorded in `events`. */
  function recordedDatabase(file: string) {
    const db = openDatabase(file);
    const close = db.close.bind(db);
    db.close = () => {
      events.push('db closed');
      return close();
    };
    return db;
  }

  const sessionFile = () => sessionFilePath(config.paths.sessions, 'courier');

  it('without a session it refuses to start, says to run npm run login, and leaves no lock behind', async () => {
    let caught: unknown;
    try {
      await startCourier(config, { deps: deps(new FakeLink()) });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(NoSessionError);
    expect((caught as Error).message).to.include('npm run login');
    expect(existsSync(`${sessionFile()}.lock`)).to.equal(false);
    expect(events).to.deep.equal([]);
  });

  it('a handler in flight finishes before stop resolves; then it disconnects, closes the database and unlocks', async () => {
    saveSession(sessionFile(), 'stored-session');
    const port = new SlowPingPort();
    const link = new FakeLink(port);
    const seen: { session?: string | null } = {};
    const courier = await startCourier(config, { deps: deps(link, seen) });
    expect(seen.session).to.equal('stored-session');
    expect(existsSync(`${sessionFile()}.lock`)).to.equal(true);

    link.emit(message('/ping', 10));
    await port.pingStarted.promise;
    expect(courier.inFlight()).to.equal(1);

    let stopped = false;
    const stopping = courier.stop().then(() => {
      stopped = true;
    });
    // Updates arriving once stop has begun are not taken.
    link.emit(message('hello', 11));
    expect(courier.inFlight()).to.equal(1);
    expect(stopped).to.equal(false);

    port.pingMayFinish.resolve();
    await stopping;
    expect(port.sent.map((s) => s.text)).to.deep.equal(['pong (5 ms round trip to Telegram)']);
    link.events.push(...events);
    expect(link.events).to.deep.equal(['unsubscribe', 'disconnect', 'db closed']);
    expect(existsSync(`${sessionFile()}.lock`)).to.equal(false);
  });

  it('a handler that outlives shutdown.graceMs does not hold the shutdown hostage', async () => {
    saveSession(sessionFile(), 'stored-session');
    config.shutdown.graceMs = 20;
    const port = new SlowPingPort();
    const link = new FakeLink(port);
    const courier = await startCourier(config, { deps: deps(link) });
    link.emit(message('/ping', 10));
    await port.pingStarted.promise;
    await courier.stop();
    expect(link.events).to.deep.equal(['unsubscribe', 'disconnect']);
    expect(port.sent).to.have.length(0);
    port.pingMayFinish.resolve();
  });

  it('messages are answered while running: /start, and a hint quoting other text', async () => {
    saveSession(sessionFile(), 'stored-session');
    const link = new FakeLink();
    // The real database this time: opened (migrated) at start, closed at stop.
    const courier = await startCourier(config, { deps: { connect: async () => link, createPool: idlePool } });
    expect(existsSync(config.database.file)).to.equal(true);
    link.emit(message('/start', 1));
    link.emit(message('hello', 2));
    await until(() => link.port.sent.length === 2);
    await courier.stop();
    expect(link.port.sent.map((s) => [s.text, s.opts.replyTo])).to.deep.equal([
      [texts.en.welcome, undefined],
      [texts.en.hint, 2],
    ]);
  });

  it('handled updates older than three days are pruned from the inbox at start; recent and pending ones stay', async () => {
    saveSession(sessionFile(), 'stored-session');
    const before = openDatabase(config.database.file);
    const row = (id: number) => ({ updateKey: `msg:user:1:${id}`, chatKey: 'user:1', kind: 'message', payload: message('x', id), sentAt: 1, receivedAt: 1, recovered: false });
    storeUpdates(before, [row(1), row(2), row(3)], { pts: 3, qts: 0, date: 1, seq: 0, channels: {} });
    const day = 24 * 3600_000;
    markDone(before, 1, 'done', Date.now() - 4 * day);
    markDone(before, 2, 'done', Date.now() - day);
    before.close();
    const courier = await startCourier(config, { deps: deps(new FakeLink()) });
    await courier.stop();
    const after = openDatabase(config.database.file);
    expect([1, 2, 3].map((id) => inboxRow(after, id)?.status ?? 'gone')).to.deep.equal(['gone', 'done', 'done']);
    after.close();
  });

  it('a second start on the same session is refused while the first runs', async () => {
    saveSession(sessionFile(), 'stored-session');
    const courier = await startCourier(config, { deps: deps(new FakeLink()) });
    let caught: unknown;
    try {
      await startCourier(config, { deps: deps(new FakeLink()) });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ProcessLockedError);
    await courier.stop();
    const again = await startCourier(config, { deps: deps(new FakeLink()) });
    await again.stop();
  });

  it('a failed connect releases everything it took', async () => {
    saveSession(sessionFile(), 'stored-session');
    let caught: unknown;
    try {
      await startCourier(config, {
        deps: {
          connect: async () => {
            throw new Error('network down');
          },
          openDatabase: recordedDatabase,
          createPool: idlePool,
        },
      });
    } catch (err) {
      caught = err;
    }
    expect((caught as Error).message).to.equal('network down');
    expect(events).to.deep.equal(['db closed']);
    expect(existsSync(`${sessionFile()}.lock`)).to.equal(false);
  });

  it('with a sandbox and no session it connects without one and saves the session it gets, mode 0600', async () => {
    const sandboxDir = join(dir, 'sandbox');
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(sandboxDir);
    writeFileSync(
      join(sandboxDir, 'sandbox.json'),
      JSON.stringify({
        host: '127.0.0.1',
        port: 40001,
        dc_id: 2,
        api_id: 1,
        api_hash: 'h',
        bot_token: '1:x',
        bot_username: 'CourierBot',
        login_code: '12345',
        rsa_public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        rsa_fingerprint: '1',
        users: [],
      }),
    );
    const link = new FakeLink();
    const seen: { session?: string | null } = {};
    const courier = await startCourier(config, {
      sandboxDir,
      deps: {
        connect: async ({ session, saveSession: save, target }) => {
          seen.session = session;
          expect(target.kind).to.equal('sandbox');
          save('sandbox-session');
          return link;
        },
        openDatabase,
        createPool: idlePool,
      },
    });
    await courier.stop();
    expect(seen.session).to.equal(null);
    const file = sessionFilePath(config.paths.sessions, 'sandbox-127.0.0.1-40001');
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    // The real session name is untouched.
    expect(existsSync(sessionFile())).to.equal(false);
  });
});
