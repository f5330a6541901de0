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
import { dirname, join } from 'node:path';
import { filename as mediaWorkerFile } from '../workers/media.js';
import { filename as cryptoWorkerFile } from '../workers/transferCrypto.js';
import type { Database } from './storage/index.js';
import { buildBotRouter } from './bot/commands.js';
import { settingsLanguage } from './bot/settings/useSettings.js';
import { freeDiskBytes } from './jobs/runner/jobDirs.js';
import { createMediaPool, type MediaPoolOptions } from './jobs/pool/pool.js';
import type { MediaPool } from './domain/mediaPorts.js';
import { createJobRunner } from './jobs/runner/runner.js';
import { createBullmqJobBackend, type BullmqJobsConfig } from './jobs/backends/bullmqQueue.js';
import type { JobRunner, RunnerConfig } from './jobs/runner/runnerTypes.js';
import { logger, errorMessage } from './log/logger.js';
import { describeConfinement, detectConfinement } from './media/confinement.js';
import { locateMediaTools } from './media/locate.js';
import { alertAdmins, alertAdminsText, logCatchup, type CatchupFigures } from './ops/catchupAlerts.js';
import { startOps, type Ops, type OpsConfig } from './ops/opsService.js';
import { texts } from './texts/index.js';
import { openDatabase } from './storage/index.js';
import { createPeerCache } from './storage/peerCache.js';
import { loginTarget, MissingApiCredentialsError, type TelegramSettings, type TelegramTarget } from './telegram/connection/client.js';
import { connectTelegram, type TelegramLink } from './telegram/connectTelegram.js';
import { acquireProcessLock } from './telegram/session/processLock.js';
import { loadSession, saveSession } from './telegram/session/sessionFile.js';
import { createCatchupLog } from './inbox/catchupLog.js';
import { createInbox } from './inbox/inbox.js';
import type { CatchupReport, LoopClock } from './telegram/updates/loopContract.js';
import type { FreshStart } from './telegram/updates/service.js';
// --- admin (issue 12): users, bans, dialogs, admin panel, broadcasts -------------------------
import { createBroadcastRunner, type BroadcastRunner } from './bot/broadcast/broadcastRunner.js';
import type { BotOptions } from './bot/commands.js';
import { listBackupFiles } from './storage/bot/backupFiles.js';
import { makeBackup } from './ops/backups.js';
// --- end admin ---

const log = logger('app');

/** The parts of Config the service reads (structurally a subset of Config). */
export interface CourierConfig {
  telegram: TelegramSettings;
  admins: readonly number[];
  paths: { sessions: string; temp: string };
  database: { file: string };
  /** The bullmq keys are absent in tests of the local backend. */
  jobs: RunnerConfig['jobs'] & Partial<BullmqJobsConfig & { backend: 'local' | 'bullmq' }>;
  links: RunnerConfig['links'];
  media: { ffmpegPath: string | null; ffprobePath: string | null; requireSystemFfmpeg?: boolean };
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
  /** Daily quotas per user (src/jobs/quotas.ts); none when absent. */
  quotas?: { jobsPerDay: number; bytesPerDay: number };
  /** How long the bot's questions wait for an answer; 24 h when absent. */
  dialogs?: { ttlHours: number };
  /** Metrics/health endpoint, alerts and backups (src/ops/); when absent: endpoint off, no scheduled backups, default alert thresholds. */
  ops?: OpsConfig['ops'];
  alerts?: OpsConfig['alerts'];
  backups?: OpsConfig['backups'];
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
    connect: (args) => connectTelegram({ ...args, cryptoWorkerFile, telegram: config.telegram, logLevel: config.log.level, ...(config.outbox ? { outbox: config.outbox } : {}) }),
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

    // ---- ops (src/ops/): /metrics, /livez, /readyz, the backup schedule, the alert loop and the
    // event-loop delay. Starts right after the database opens (so /readyz can say why Courier is
    // not ready yet) and stops before it closes, logging the event-loop delay line. The hooks it
    // returns are threaded below where "ops." appears: the Telegram link, the job runner's
    // onJobEnded and the update handler; the alerts start once the bot can send.
    const ops = await startOps(opsConfigOf(config), { db, now: () => deps.clock?.now() ?? Date.now() });
    undo.push(() => ops.stop());
    // ---- end of ops ----
    // Where media jobs run: the service's own pool, or `npm run worker` processes through BullMQ.
    let pool: MediaPool | undefined;
    const backend = config.jobs.backend === 'bullmq' ? createBullmqJobBackend(config.jobs, logger('jobs')) : undefined;
    if (backend) log.info(`media jobs go to the BullMQ queue at jobs.redisUrl (${backend.slots ?? 0} at once); run \`npm run worker\` to do them`);
    else {
      const { ffmpeg, ffprobe, notice: mediaNotice } = await locateMediaTools(config.media);
      const local = deps.createPool({ workerFile: mediaWorkerFile, databaseFile: config.database.file, ffmpegPath: ffmpeg.path, ffprobePath: ffprobe.path, threads: config.jobs.poolSize });
      undo.push(() => local.close());
      pool = local;
      log.info(`media tools: ${ffmpeg.version} (${ffmpeg.source}); ${config.jobs.poolSize} worker thread(s)`);
      if (mediaNotice !== null) log.warn(mediaNotice);
      log.info(describeConfinement(await detectConfinement()));
    }
    const link = ops.watchLink(await deps.connect({ target, session, saveSession: (s) => saveSession(target.sessionFile, s) }));
    undo.push(() => link.disconnect());
    const runner = createJobRunner({
      db,
      botPort: link.port,
      files: link.files,
      ...(pool ? { pool } : {}),
      ...(backend ? { backend } : {}),
      clock: { now: () => deps.clock?.now() ?? Date.now() },
      freeDiskBytes,
      config: { jobs: config.jobs, links: config.links, paths: { temp: config.paths.temp }, quotas: config.quotas, admins: config.admins },
      log: logger('jobs'),
      onJobEnded: (ended) => ops.jobEnded(ended),
    });
    await runner.start();
    undo.push(() => runner.stop());
    return await run(config, link, db, runner, ops, deps.clock, unwind);
  } catch (err) {
    await unwind();
    throw err;
  }
}

async function run(config: CourierConfig, link: TelegramLink, db: Database, runner: JobRunner, ops: Ops, clock: LoopClock | undefined, unwind: () => Promise<void>): Promise<RunningCourier> {
  const now = () => clock?.now() ?? Date.now();
  // --- admin (issue 12) ---
  const { admin, broadcasts } = adminWiring(config, link, db, runner, now);
  // --- end admin ---
  const usage = { db, admins: config.admins.map(String), limits: config.quotas, now };
  const dialogTtlMs = (config.dialogs?.ttlHours ?? 24) * 3_600_000;
  const router = buildBotRouter({ botUsername: link.me.username, media: { db, runner, now }, admin, settings: { db, now }, usage, dialogTtlMs });
  const peers = createPeerCache(db);
  const inbox = createInbox({
    db,
    handler: ops.watchHandler(router),
    port: link.port,
    now,
    chatConcurrency: config.updates.chatConcurrency,
    delayedNoteSeconds: config.updates.delayedNoteSeconds,
    oldMessages: config.updates.oldMessages,
    langOf: settingsLanguage(db),
  });
  // Pending rows are queued before the first difference is fetched, so they keep their place.
  inbox.start();
  broadcasts.start(); // admin (issue 12): broadcasts cut off by a stop or crash carry on

  // Read when an alert goes out: an admin's access hash may have been learnt since the start.
  const adminTargets = () => config.admins.map((id) => ({ id: String(id), accessHash: peers.accessHash('user', String(id)) }));
  ops.startAlerts(link.port, adminTargets);
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
    backlogHours: config.updates.firstStart?.backlogHours ?? 0,
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
  const fresh = updates.fresh();
  const freshText = fresh && freshStartText(fresh, inbox.ranBefore);
  if (freshText) {
    log.warn(freshText);
    void alertAdminsText(link.port, adminTargets(), freshText, `fresh:${catchups.startRunId}`);
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

/**
 * What the admins are told when Courier did not continue from a stored update state; null for
 * a plain first start. Either way Courier goes on from the server's current state, so live
 * messages are answered; what was sent before it cannot be fetched for the old state.
 */
function freshStartText(fresh: FreshStart, ranBefore: boolean): string | null {
  const t = texts.en;
  switch (fresh.reason) {
    case 'no state':
      return ranBefore ? t.adminStartedFresh : null;
    case 'other owner':
      return t.adminStateOtherOwner(fresh.previous ? `account ${fresh.previous.accountId} on ${fresh.previous.server}` : null);
    case 'ahead of server':
      return t.adminStateAheadOfServer(fresh.stored.pts, fresh.stored.qts, fresh.server.pts, fresh.server.qts);
  }
}

/** The ops settings, with the defaults of a config that has none (tests built before src/ops). */
function opsConfigOf(config: CourierConfig): OpsConfig {
  return {
    ops: config.ops ?? { httpPort: 0, httpHost: '127.0.0.1' },
    alerts: config.alerts ?? {
      checkSeconds: 30,
      minFreeDiskPercent: 10,
      maxMemoryPercent: 80,
      memoryLimitBytes: null,
      slowReplySeconds: 30,
      slowReplyWindowMinutes: 5,
      telegramDownSeconds: 120,
      repeatMinutes: 60,
    },
    backups: config.backups ?? { everyHours: 0, dir: join(dirname(config.database.file), 'backups'), keep: 7 },
    dataDir: dirname(config.database.file),
  };
}

// --- admin (issue 12) ------------------------------------------------------------------------
/**
 * The admin panel's dependencies and the broadcast runner. Backups are listed from, and "Back up
 * now" writes to, the scheduled backups' directory (backups.dir), with their rotation.
 */
function adminWiring(config: CourierConfig, link: TelegramLink, db: Database, runner: JobRunner, now: () => number): { admin: NonNullable<BotOptions['admin']>; broadcasts: BroadcastRunner } {
  const broadcasts = createBroadcastRunner({ db, port: link.port, now, log: logger('broadcast') });
  // The same directory and rotation as the scheduled backups (src/ops/backups.ts).
  const { backups } = opsConfigOf(config);
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
    listBackups: () => listBackupFiles(backups.dir),
    backUpNow: async () => makeBackup(db, backups.dir, backups.keep, now()).file,
  };
  return { admin, broadcasts };
}
// --- end admin ---
