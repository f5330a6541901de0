/**
 * The running service: `startCourier` takes the session's process lock, loads the session, opens
 * the database, connects to Telegram (or the sandbox) and feeds incoming messages to the bot's
 * router; `stop()` undoes it in reverse so no accepted work is cut off.
 *
 * Order matters: the lock comes first (a second process must not even connect with the same
 * auth key), and on stop the feed is closed before waiting for handlers, so nothing new starts
 * while the in-flight ones finish (up to shutdown.graceMs).
 */
import { buildBotRouter } from './bot/commands.js';
import { logger } from './log.js';
import { openDatabase } from './storage/index.js';
import { connectTelegram, loginTarget, MissingApiCredentialsError, type TelegramLink, type TelegramSettings, type TelegramTarget } from './telegram/client.js';
import { acquireProcessLock } from './telegram/processLock.js';
import { loadSession, saveSession } from './telegram/sessionFile.js';

const log = logger('app');

/** The parts of Config the service reads (structurally a subset of Config). */
export interface CourierConfig {
  telegram: TelegramSettings;
  paths: { sessions: string };
  database: { file: string };
  log: { level: string };
  shutdown: { graceMs: number };
}

export class NoSessionError extends Error {
  constructor(readonly sessionFile: string) {
    super(
      `Courier is not logged in yet (no session at ${sessionFile}). Run \`npm run login\` once: it asks for api_id, api_hash and ` +
        'the bot token and saves the session; then start Courier again. (With --sandbox DIR the first start logs in as the sandbox bot by itself.)',
    );
    this.name = 'NoSessionError';
  }
}

export interface CourierDeps {
  connect(args: { target: TelegramTarget; session: string | null; saveSession: (session: string) => void }): Promise<TelegramLink>;
  openDatabase(file: string): { close(): void };
}

export interface RunningCourier {
  readonly me: { id: string; username: string | null };
  /** Handlers currently running. */
  inFlight(): number;
  /** Stops taking updates, lets running handlers finish (up to graceMs), disconnects, closes, unlocks. */
  stop(): Promise<void>;
}

export interface StartOptions {
  sandboxDir?: string | undefined;
  deps?: Partial<CourierDeps>;
}

export async function startCourier(config: CourierConfig, options: StartOptions = {}): Promise<RunningCourier> {
  const deps: CourierDeps = {
    connect: (args) => connectTelegram({ ...args, telegram: config.telegram, logLevel: config.log.level }),
    openDatabase,
    ...options.deps,
  };
  // Credentials may be missing here: with no session either, the operator's next step is `npm run login`.
  const target = loginTarget(config.telegram, config.paths.sessions, options.sandboxDir);
  const lock = acquireProcessLock(`${target.sessionFile}.lock`);
  const undo: (() => void | Promise<void>)[] = [() => lock.release()];
  const unwind = async () => {
    for (const step of undo.reverse()) await step();
  };
  try {
    const session = loadSession(target.sessionFile);
    if (session === null && target.kind !== 'sandbox') throw new NoSessionError(target.sessionFile);
    if (target.apiId === 0 || !target.apiHash) throw new MissingApiCredentialsError();
    const db = deps.openDatabase(config.database.file);
    undo.push(() => db.close());
    const link = await deps.connect({ target, session, saveSession: (s) => saveSession(target.sessionFile, s) });
    undo.push(() => link.disconnect());
    return run(config, link, unwind);
  } catch (err) {
    await unwind();
    throw err;
  }
}

function run(config: CourierConfig, link: TelegramLink, unwind: () => Promise<void>): RunningCourier {
  const router = buildBotRouter({ botUsername: link.me.username });
  const inFlight = new Set<Promise<void>>();
  let accepting = true;

  const unsubscribe = link.onIncoming((incoming) => {
    if (!accepting) return;
    const handled = router
      .handle(incoming, link.port)
      .catch((err: unknown) => {
        log.error(`handling ${incoming.updateKey} failed: ${err instanceof Error ? err.message : String(err)}`);
      })
      .finally(() => inFlight.delete(handled));
    inFlight.add(handled);
  });
  const name = link.me.username ? `@${link.me.username}` : 'a bot without a username';
  log.info(`Courier is running as ${name} (id ${link.me.id})`);

  let stopping: Promise<void> | null = null;
  const stop = async (): Promise<void> => {
    accepting = false;
    unsubscribe();
    const pending = inFlight.size;
    if (pending > 0) log.info(`stopping: waiting for ${pending} running handler(s), at most ${config.shutdown.graceMs} ms`);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      Promise.allSettled([...inFlight]).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), config.shutdown.graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (!finished) log.warn(`stopping: ${inFlight.size} handler(s) still running after ${config.shutdown.graceMs} ms; disconnecting anyway`);
    await unwind();
    log.info('Courier stopped');
  };

  return {
    me: link.me,
    inFlight: () => inFlight.size,
    stop: () => (stopping ??= stop()),
  };
}
