/**
 * The running service: `startCourier` takes the session's process lock, loads the session, opens
 * the database, connects to Telegram (or the sandbox) and starts the update machinery: every
 * update is stored in the durable inbox first (with the update state, in one transaction), and
 * per-chat queues drain the inbox into the bot's router. `stop()` undoes it in reverse so no
 * accepted work is cut off. This file only wires the parts and orders their start and stop; the
 * inbox's policies (retry, pruning, heartbeat, shutdown grace) live in src/inbox/.
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
import { freeDiskBytes } from './jobs/runner/jobDirs.js';
import { createMediaPool, type MediaPoolOptions } from './jobs/pool/pool.js';
import type { MediaPool } from './domain/mediaPorts.js';
import { createJobRunner } from './jobs/runner/runner.js';
import type { JobRunner, RunnerConfig } from './jobs/runner/runnerTypes.js';
import { logger, errorMessage } from './log/logger.js';
import { locateFfmpeg, locateFfprobe } from './media/locate.js';
import { alertAdmins, alertAdminsText, logCatchup, type CatchupFigures } from './ops/catchupAlerts.js';
import { texts } from './texts/index.js';
import { openDatabase } from './storage/index.js';
import { createPeerCache } from './storage/peerCache.js';
import { loginTarget, MissingApiCredentialsError, type TelegramSettings, type TelegramTarget } from './telegram/connection/client.js';
import { connectTelegram, type TelegramLink } from './telegram/connectTelegram.js';
import { acquireProcessLock } from './telegram/session/processLock.js';
import { loadSession, saveSession } from './telegram/session/sessionFile.js';
import { createCatchupLog } from './inbox/catchupLog.js';
import { createInbox } from './inbox/inbox.js';
import type { CatchupReport, LoopClock } from './telegram/updates/updateLoop.js';
// --- admin (issue 12): users, bans, dialogs, admin panel, broadcasts -------------------------
import { dirname, join } from 'node:path';
import { createBroadcastRunner, type BroadcastRunner } from './bot/broadcast/broadcastRunner.js';
import type { BotOptions } from './bot/commands.js';
import { backUpInto, listBackupFiles } from './storage/bot/backupFiles.js';
// --- end admin ---

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
    differenceSliceLimit: number;
    oldMessages: { maxAgeHours: number | null; action: 'handle' | 'acknowledge' };
  };
  shutdown: { graceMs: number };
  /** Courier's send limits; Telegram's numbers less a margin when absent. */
  outbox?: { perSecond: number; burst: number; perChatPerSecond: number; chatBurst: number; groupPerMinute: number; floodGlobalPauseMs: number };
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
  // --- admin (issue 12) ---
  const { admin, broadcasts } = adminWiring(config, link, db, runner, now);
  // --- end admin ---
  const router = buildBotRouter({ botUsername: link.me.username, media: { db, runner, now }, admin });
  const peers = createPeerCache(db);
  const inbox = createInbox({
    db,
    handler: router,
    port: link.port,
    now,
    chatConcurrency: config.updates.chatConcurrency,
    delayedNoteSeconds: config.updates.delayedNoteSeconds,
    oldMessages: config.updates.oldMessages,
  });
  // Pending rows are queued before the first difference is fetched, so they keep their place.
  inbox.start();
  broadcasts.start(); // admin (issue 12): broadcasts cut off by a stop or crash carry on

  // Read when an alert goes out: an admin's access hash may have been learnt since the start.
  const adminTargets = () => config.admins.map((id) => ({ id: String(id), accessHash: peers.accessHash('user', String(id)) }));
  const catchups = createCatchupLog({ db, now, offlineSeconds: inbox.offlineSeconds });
  const announce = (figures: CatchupFigures) => {
    logCatchup(figures);
    void alertAdmins(link.port, adminTargets(), figures, config.updates.offlineAlertSeconds);
  };
  const updates = link.startUpdates({
    db,
    inbox: inbox.store,
    peers,
    gapTimeoutMs: config.updates.gapTimeoutMs,
    idleDifferenceMs: config.updates.idleDifferenceSeconds * 1000,
    differenceSliceLimit: config.updates.differenceSliceLimit,
    ...(clock ? { clock } : {}),
    onCatchup: (report) => announce(catchups.record(report)),
    onError: (error, what) => log.warn(`${what} failed: ${errorMessage(error)}`),
  });
  updates.caughtUp.then(
    (report) => {
      if (report === null) announce(catchups.nothingMissed());
    },
    (error: unknown) => log.error(`catching up failed: ${errorMessage(error)}`),
  );
  // "Running" only once a state is stored: stopped before that, the next start would have none
  // and take a fresh one, skipping whatever was sent in between.
  await updates.ready;
  if (updates.startedFresh && inbox.ranBefore) {
    const text = texts.en.adminStartedFresh;
    log.warn(text);
    void alertAdminsText(link.port, adminTargets(), text, `fresh:${catchups.startRunId}`);
  }
  const name = link.me.username ? `@${link.me.username}` : 'a bot without a username';
  log.info(`Courier is running as ${name} (id ${link.me.id})`);

  let stopping: Promise<void> | null = null;
  // Updates are no longer taken before the inbox stops; the connection and database go after it.
  const stop = async (): Promise<void> => {
    await updates.stop();
    await broadcasts.stop(); // admin (issue 12)
    await inbox.stop(config.shutdown.graceMs);
    await unwind();
    log.info('Courier stopped');
  };

  return {
    me: link.me,
    inFlight: () => inbox.active(),
    caughtUp: updates.caughtUp,
    stop: () => (stopping ??= stop()),
  };
}

// --- admin (issue 12) ------------------------------------------------------------------------
/**
 * The admin panel's dependencies and the broadcast runner. Backups are listed from
 * <database folder>/backups and "Back up now" writes there (src/ops may bring its own).
 */
function adminWiring(config: CourierConfig, link: TelegramLink, db: Database, runner: JobRunner, now: () => number): { admin: NonNullable<BotOptions['admin']>; broadcasts: BroadcastRunner } {
  const broadcasts = createBroadcastRunner({ db, port: link.port, now, log: logger('broadcast') });
  const backupsDir = join(dirname(config.database.file), 'backups');
  const port = link.port;
  const admin: NonNullable<BotOptions['admin']> = {
    db,
    admins: config.admins.map(String),
    now,
    broadcasts,
    resolveUsername: port.resolveUsername ? (name) => port.resolveUsername!(name) : undefined,
    cancelJob: (jobId, ownerId) => runner.cancel(jobId, ownerId),
    system: async () => ({
      diskFreeBytes: await freeDiskBytes(config.paths.temp).catch(() => null),
      memoryBytes: process.memoryUsage().rss,
      uptimeSeconds: process.uptime(),
    }),
    listBackups: () => listBackupFiles(backupsDir),
    backUpNow: async () => backUpInto(db, backupsDir, now()),
  };
  return { admin, broadcasts };
}
// --- end admin ---
