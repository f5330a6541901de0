/**
 * The running service: `startCourier` takes the session's process lock, loads the session, opens
 * the database, connects to Telegram (or the sandbox) and starts the update machinery: every
 * update is stored in the durable inbox first (with the update state, in one transaction), and
 * per-chat queues drain the inbox into the bot's router. `stop()` undoes it in reverse so no
 * accepted work is cut off.
 *
 * Order matters: the lock comes first (a second process must not even connect with the same
 * auth key); rows left pending by a previous run are queued before the first difference is
 * fetched, so they keep their place ahead of what arrives later; on stop, updates are no longer
 * taken before the queues are drained (up to shutdown.graceMs), and anything unfinished simply
 * stays pending in the inbox for the next start.
 */
import { filename as mediaWorkerFile } from '../workers/media.js';
import type { Database } from './storage/index.js';
import { buildBotRouter } from './bot/commands.js';
import { createInboxDrain } from './inbox/drain.js';
import { freeDiskBytes } from './jobs/runner/jobDirs.js';
import { createMediaPool, type MediaPoolOptions } from './jobs/pool/pool.js';
import type { MediaPool } from './domain/mediaPorts.js';
import { createJobRunner } from './jobs/runner/runner.js';
import type { JobRunner, RunnerConfig } from './jobs/runner/runnerTypes.js';
import { logger, errorMessage } from './log/logger.js';
import { locateFfmpeg, locateFfprobe } from './media/locate.js';
import { alertAdmins, alertAdminsText, logCatchup, type CatchupFigures } from './ops/catchupAlerts.js';
import { openDatabase } from './storage/index.js';
import { beginCatchup, deleteHandledBefore, finishCatchup, pendingChats } from './storage/inboxRepository.js';
import { createKvRepository } from './storage/kvRepository.js';
import { createPeerCache } from './storage/peerCache.js';
import { connectTelegram, loginTarget, MissingApiCredentialsError, type TelegramLink, type TelegramSettings, type TelegramTarget } from './telegram/connection/client.js';
import { acquireProcessLock } from './telegram/session/processLock.js';
import { loadSession, saveSession } from './telegram/session/sessionFile.js';
import { ChatQueue } from './inbox/chatQueue.js';
import type { CatchupReport, LoopClock } from './telegram/updates/updateLoop.js';
import type { FreshStart } from './telegram/updates/service.js';

const log = logger('app');

/** The parts of Config the service reads (structurally a subset of Config). */
export interface CourierConfig {
  telegram: TelegramSettings;
  admins: readonly number[];
  paths: { sessions: string; temp: string };
  database: { file: string };
  jobs: RunnerConfig['jobs'];
  links: RunnerConfig['links'];
  media: { ffmpegPath: string | null; ffprobePath: string | null };
  log: { level: string };
  updates: {
    chatConcurrency: number;
    delayedNoteSeconds: number;
    offlineAlertSeconds: number;
    gapTimeoutMs: number;
    idleDifferenceSeconds: number;
    /** null: Courier's choice for the target (none for Telegram, 1000 for the sandbox). */
    differenceSliceLimit: number | null;
    oldMessages: { maxAgeHours: number | null; action: 'handle' | 'acknowledge' };
    firstStart?: { backlogHours: number };
  };
  shutdown: { graceMs: number };
  /** Courier's send limits; Telegram's numbers less a margin when absent. */
  outbox?: { perSecond: number; burst: number; perChatPerSecond: number; chatBurst: number; groupPerMinute: number; floodGlobalPauseMs: number };
}

/** How often the "still alive" mark is written, from which the next start tells how long it was offline. */
const HEARTBEAT_MS = 15_000;
/** How long a chat whose handler failed waits before it is drained again. */
const RETRY_CHAT_MS = 5_000;
const MAX_RETRY_CHAT_MS = 300_000;
/**
 * Handled inbox rows are kept this long: while a row exists, a late copy of its update (Telegram
 * keeps differences for about a day) collapses on its key instead of being handled again.
 */
const INBOX_KEEP_MS = 3 * 24 * 3600_000;
const INBOX_PRUNE_EVERY_MS = 3600_000;

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
  openDatabase(file: string): Database;
  /** The clock of the update loop (tests inject one to run the 15-minute rule). */
  clock?: LoopClock;
  /** The worker pool of media jobs (a stub in tests that start no threads). */
  createPool(settings: MediaPoolOptions): MediaPool;
}

export interface RunningCourier {
  readonly me: { id: string; username: string | null };
  /** Chats whose updates are being handled right now. */
  inFlight(): number;
  /** Resolves when everything missed while Courier was down has been stored in the inbox. */
  readonly caughtUp: Promise<CatchupReport | null>;
  /** Stops taking updates, lets running handlers finish (up to graceMs), disconnects, closes, unlocks. */
  stop(): Promise<void>;
}

export interface StartOptions {
  sandboxDir?: string | undefined;
  deps?: Partial<CourierDeps>;
}

export async function startCourier(config: CourierConfig, options: StartOptions = {}): Promise<RunningCourier> {
  const deps: CourierDeps = {
    createPool: createMediaPool,
    connect: (args) => connectTelegram({ ...args, telegram: config.telegram, logLevel: config.log.level, ...(config.outbox ? { outbox: config.outbox } : {}) }),
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
    undo.push(() => void db.close());
    const [ffmpeg, ffprobe] = await Promise.all([locateFfmpeg(config.media.ffmpegPath), locateFfprobe(config.media.ffprobePath)]);
    const pool = deps.createPool({ workerFile: mediaWorkerFile, databaseFile: config.database.file, ffmpegPath: ffmpeg.path, ffprobePath: ffprobe.path, threads: config.jobs.poolSize });
    undo.push(() => pool.close());
    log.info(`media tools: ${ffmpeg.version} (${ffmpeg.source}); ${config.jobs.poolSize} worker thread(s)`);
    const link = await deps.connect({ target, session, saveSession: (s) => saveSession(target.sessionFile, s) });
    undo.push(() => link.disconnect());
    const runner = createJobRunner({
      db,
      botPort: link.port,
      files: link.files,
      pool,
      clock: { now: () => deps.clock?.now() ?? Date.now() },
      freeDiskBytes,
      config: { jobs: config.jobs, links: config.links, paths: { temp: config.paths.temp } },
      log: logger('jobs'),
    });
    await runner.start();
    undo.push(() => runner.stop());
    return await run(config, link, db, runner, deps.clock, unwind);
  } catch (err) {
    await unwind();
    throw err;
  }
}

async function run(config: CourierConfig, link: TelegramLink, db: Database, runner: JobRunner, clock: LoopClock | undefined, unwind: () => Promise<void>): Promise<RunningCourier> {
  const now = () => clock?.now() ?? Date.now();
  const router = buildBotRouter({ botUsername: link.me.username, media: { db, runner, now } });
  const kv = createKvRepository(db);
  const peers = createPeerCache(db);
  const drain = createInboxDrain({ db, router, port: link.port, now, delayedNoteSeconds: config.updates.delayedNoteSeconds, oldMessages: config.updates.oldMessages });
  /** Consecutive failed drains per chat, for the retry backoff (a chat that drains fine is forgotten). */
  const chatFailures = new Map<string, number>();
  const queue: ChatQueue = new ChatQueue({
    concurrency: config.updates.chatConcurrency,
    handle: async (chatKey) => {
      const more = await drain(chatKey);
      chatFailures.delete(chatKey);
      return more;
    },
    // A handler failed (Telegram unreachable, say): its row stays pending; try the chat again a
    // little later rather than only when its next message arrives. Each retry counts an attempt,
    // so a row that can never succeed is skipped in the end (inboxDrain maxAttempts).
    onError: (chatKey, error) => {
      const failures = (chatFailures.get(chatKey) ?? 0) + 1;
      chatFailures.set(chatKey, failures);
      const delayMs = Math.min(RETRY_CHAT_MS * 2 ** (failures - 1), MAX_RETRY_CHAT_MS);
      log.warn(`handling chat ${chatKey} failed, retrying in ${Math.round(delayMs / 1000)} s: ${errorMessage(error)}`);
      setTimeout(() => queue.notify(chatKey), delayMs).unref();
    },
  });

  const aliveAt = Number(kv.get('courier.aliveAt') ?? NaN);
  const offlineSeconds = Number.isFinite(aliveAt) ? Math.max(0, (now() - aliveAt) / 1000) : 0;
  const heartbeat = () => kv.set('courier.aliveAt', String(now()));
  heartbeat();
  const beat = setInterval(heartbeat, HEARTBEAT_MS);
  beat.unref();
  const prune = () => {
    const removed = deleteHandledBefore(db, now() - INBOX_KEEP_MS);
    if (removed > 0) log.info(`pruned ${removed} handled update(s) older than ${INBOX_KEEP_MS / 3600_000} h from the inbox`);
  };
  prune();
  const pruning = setInterval(prune, INBOX_PRUNE_EVERY_MS);
  pruning.unref();

  // Work accepted before the last stop or crash goes first, in its original order.
  for (const chatKey of pendingChats(db)) queue.notify(chatKey);

  // Read when an alert goes out: an admin's access hash may have been learnt since the start.
  const adminTargets = () => config.admins.map((id) => ({ id: String(id), accessHash: peers.accessHash('user', String(id)) }));
  const startRunId = beginCatchup(db, { startedAt: now(), offlineSeconds });
  const onCatchup = (report: CatchupReport) => {
    const id = report.reason === 'start' ? startRunId : beginCatchup(db, { startedAt: report.startedAt, offlineSeconds: 0 });
    finishCatchup(db, id, { finishedAt: report.finishedAt, recovered: report.recovered, skippedPts: report.skippedPts });
    const figures: CatchupFigures = {
      id,
      reason: report.reason,
      recovered: report.recovered,
      skippedPts: report.skippedPts,
      requests: report.requests,
      seconds: (report.finishedAt - report.startedAt) / 1000,
      offlineSeconds: report.reason === 'start' ? offlineSeconds : 0,
    };
    logCatchup(figures);
    void alertAdmins(link.port, adminTargets(), figures, config.updates.offlineAlertSeconds);
  };
  const updates = link.startUpdates({
    db,
    peers,
    gapTimeoutMs: config.updates.gapTimeoutMs,
    idleDifferenceMs: config.updates.idleDifferenceSeconds * 1000,
    differenceSliceLimit: config.updates.differenceSliceLimit,
    backlogHours: config.updates.firstStart?.backlogHours ?? 0,
    ...(clock ? { clock } : {}),
    onStored: (chatKeys) => {
      for (const chatKey of chatKeys) queue.notify(chatKey);
    },
    onCatchup,
    onError: (error, what) => log.warn(`${what} failed: ${errorMessage(error)}`),
  });
  updates.caughtUp.then(
    (report) => {
      // Nothing was missed: still close the start's catch-up entry, with zeros.
      if (report === null) onCatchup({ reason: 'start', startedAt: now(), finishedAt: now(), recovered: 0, skippedPts: 0, requests: 0 });
    },
    (error: unknown) => log.error(`catching up failed: ${errorMessage(error)}`),
  );
  // "Running" only once a state is stored: stopped before that, the next start would have none
  // and take a fresh one, skipping whatever was sent in between.
  await updates.ready;
  const fresh = updates.fresh();
  const freshText = fresh && freshStartText(fresh, Number.isFinite(aliveAt));
  if (freshText) {
    log.warn(freshText);
    void alertAdminsText(link.port, adminTargets(), freshText, `fresh:${startRunId}`);
  }
  const name = link.me.username ? `@${link.me.username}` : 'a bot without a username';
  log.info(`Courier is running as ${name} (id ${link.me.id})`);

  let stopping: Promise<void> | null = null;
  const stop = async (): Promise<void> => {
    await updates.stop();
    const pending = queue.active;
    if (pending > 0) log.info(`stopping: waiting for ${pending} chat(s) being handled, at most ${config.shutdown.graceMs} ms`);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      queue.stop().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), config.shutdown.graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (!finished) log.warn(`stopping: ${queue.active} chat(s) still being handled after ${config.shutdown.graceMs} ms; disconnecting anyway (their updates stay pending for the next start)`);
    clearInterval(beat);
    clearInterval(pruning);
    heartbeat();
    await unwind();
    log.info('Courier stopped');
  };

  return {
    me: link.me,
    inFlight: () => queue.active,
    caughtUp: updates.caughtUp,
    stop: () => (stopping ??= stop()),
  };
}

/**
 * What the admins are told when Courier did not continue from a stored update state; null for
 * a plain first start. Either way Courier goes on from the server's current state, so live
 * messages are answered; what was sent before it cannot be fetched for the old state.
 */
function freshStartText(fresh: FreshStart, ranBefore: boolean): string | null {
  switch (fresh.reason) {
    case 'no state':
      return ranBefore
        ? 'Courier ran here before but found no update state (the database was replaced or reset?), so it started from ' +
            "Telegram's current state: messages sent while it was down cannot be fetched and got no answer."
        : null;
    case 'other owner': {
      const previous = fresh.previous ? `account ${fresh.previous.accountId} on ${fresh.previous.server}` : 'another account or server';
      return (
        `The update state in this database belonged to ${previous}, not to this bot on this server, so Courier started ` +
        'fresh from the current state. The old state is kept in the table update_state_aside.'
      );
    }
    case 'ahead of server':
      return (
        `The stored update state (pts ${fresh.stored.pts}, qts ${fresh.stored.qts}) is ahead of the server's own ` +
        `(pts ${fresh.server.pts}, qts ${fresh.server.qts}): it cannot be this bot's on this server (a database from ` +
        'another world or bot?). Courier started fresh from the current state and kept the old one in update_state_aside; ' +
        'messages sent while it was down cannot be fetched.'
      );
  }
}
