/**
 * The shape of Courier's configuration: one zod schema that is at the same time the validator,
 * the source of every default, and the documentation (each key's `.describe()` text becomes a row
 * of the README table, see configKeysTable.ts). config/default.json repeats the defaults for the
 * operator's benefit; a unit test keeps the two from drifting apart.
 *
 * Objects are strict: an unknown key is almost always a typo ("chatConcurency") that would
 * otherwise be ignored silently.
 */
import { availableParallelism } from 'node:os';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const positiveInt = () => z.number().int().positive();
const nonNegativeInt = () => z.number().int().nonnegative();

const telegram = z
  .strictObject({
    apiId: positiveInt().nullable().default(null).describe('api_id of your application from my.telegram.org; null when only the sandbox is used'),
    apiHash: z
      .string()
      .regex(/^[0-9a-f]{32}$/i, '32 hexadecimal characters')
      .nullable()
      .default(null)
      .describe('api_hash from my.telegram.org; put it in the environment or config/local.json'),
    botToken: z
      .string()
      .regex(/^\d{5,}:[A-Za-z0-9_-]{30,}$/, 'a bot token from @BotFather, like 123456:ABC-DEF...')
      .nullable()
      .default(null)
      .describe('bot token from @BotFather, used by `npm run login`; put it in the environment or config/local.json'),
    sandboxDir: z.string().min(1).nullable().default(null).describe('directory of a running DC emulator; when set, Courier talks to it instead of Telegram'),
    sessionName: z
      .string()
      .regex(/^[\w.-]+$/, 'letters, digits, "_", "-" or "."')
      .default('courier')
      .describe('the session is stored in <paths.sessions>/<sessionName>.session'),
    requestRetries: nonNegativeInt().default(5).describe('how often GramJS retries a request that failed on a transient error'),
    floodSleepThresholdSeconds: nonNegativeInt()
      .default(0)
      .describe("FLOOD_WAIT up to this many seconds is slept inside GramJS, unseen; 0 = Courier's rate limiter, transfers and update loop see and honour every one"),
    proxy: z
      .string()
      .regex(/^(socks[45]|mtproxy):\/\/.+$/i, 'a proxy URL like socks5://user:pass@host:1080 or mtproxy://secret@host:443')
      .nullable()
      .default(null)
      .describe('proxy for every connection to Telegram (service, login, workers): socks5://[user:pass@]host:port, socks4://host:port or mtproxy://SECRET@host:port; null = direct'),
  })
  .prefault({})
  .describe('Telegram connection');

const paths = z
  .strictObject({
    data: z.string().min(1).default('data').describe('directory for the database and working files (relative paths are resolved against the working directory)'),
    sessions: z.string().min(1).default('sessions').describe('directory for session files (mode 0700)'),
    temp: z.string().min(1).default('data/tmp').describe('directory for downloads and transcodes in progress, swept on start; when not set, <paths.data>/tmp'),
  })
  .prefault({})
  .describe('directories');

const database = z
  .strictObject({
    file: z.string().min(1).default('data/courier.db').describe('SQLite database file; when not set, <paths.data>/courier.db'),
    busyTimeoutMs: nonNegativeInt().default(5000).describe('how long a connection waits for another thread\'s write lock before SQLITE_BUSY'),
    walAutoCheckpointPages: nonNegativeInt().default(1000).describe('SQLite wal_autocheckpoint: checkpoint after this many pages in the WAL (0 = off)'),
    walMaxBytes: positiveInt().default(64 * MiB).describe('a TRUNCATE checkpoint runs when the -wal file grows beyond this many bytes'),
  })
  .prefault({})
  .describe('SQLite storage');

const log = z
  .strictObject({
    level: z.enum(['error', 'warn', 'info', 'debug']).default('info').describe('lowest level written'),
    format: z.enum(['auto', 'pretty', 'json']).default('auto').describe('auto = coloured lines on a terminal, JSON lines otherwise'),
  })
  .prefault({})
  .describe('logging');

const oldMessages = z
  .strictObject({
    maxAgeHours: z
      .number()
      .positive()
      .nullable()
      .default(null)
      .describe('messages older than this when they finally arrive get `action`; null = handle everything'),
    action: z.enum(['handle', 'acknowledge']).default('handle').describe('handle = process normally; acknowledge = only tell the user it was too old'),
  })
  .prefault({})
  .describe('what to do with messages that arrive very late');

const firstStart = z
  .strictObject({
    backlogHours: z
      .number()
      .nonnegative()
      .max(24)
      .default(0)
      .describe('on the very first start (no update state yet), also handle messages sent this many hours before it; 0 = start from now (see README, moving from the Bot API)'),
  })
  .prefault({})
  .describe('the very first start');

const updates = z
  .strictObject({
    chatConcurrency: positiveInt()
      .default(64)
      .describe('chats whose updates are handled in parallel (one at a time within a chat); high, because handlers mostly wait on Telegram and its per-chat send limit'),
    delayedNoteSeconds: nonNegativeInt().default(60).describe('a message handled this much later than it was sent gets a short "delayed" note'),
    offlineAlertSeconds: positiveInt().default(900).describe('alert the admins when Courier was offline longer than this'),
    gapTimeoutMs: positiveInt().default(500).describe('how long a pts gap may stay open before getDifference is called'),
    differenceSliceLimit: positiveInt()
      .nullable()
      .default(null)
      .describe("getDifference's pts_limit (updates per slice when catching up); null = none sent to Telegram, which documents only pts_total_limit, and 1000 for the sandbox"),
    idleDifferenceSeconds: positiveInt().default(900).describe('call getDifference after this long without any update (core.telegram.org/api/updates)'),
    oldMessages,
    firstStart,
  })
  .prefault({})
  .describe('update handling and catch-up');

const jobs = z
  .strictObject({
    poolSize: positiveInt().default(() => availableParallelism()).describe('worker threads for downloads and transcodes'),
    perUserInFlight: positiveInt().default(2).describe('jobs one user may have running at once'),
    perUserQueued: nonNegativeInt().default(5).describe('jobs one user may have waiting; more are refused'),
    maxFileBytes: positiveInt().default(2 * GiB).describe('largest file accepted'),
    maxDurationSeconds: positiveInt().default(4 * 3600).describe('longest media accepted'),
    minFreeDiskBytes: nonNegativeInt().default(GiB).describe('new jobs are refused while less than this is free in paths.temp'),
    jobTimeoutSeconds: positiveInt().default(3600).describe('a job running longer is cancelled'),
    progressIntervalMs: positiveInt().default(3000).describe('least time between two edits of a progress message'),
    // The bullmq backend (src/jobs/backends/): media jobs on Redis, done by `npm run worker` processes.
    backend: z.enum(['local', 'bullmq']).default('local').describe('where media jobs run: local = the pool inside the service; bullmq = a BullMQ queue on Redis, done by `npm run worker` processes on any machine'),
    redisUrl: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').nullable().default(null).describe('Redis of the bullmq backend (redis://[:password@]host:6379[/db]); the service and all its workers use the same'),
    queueName: z.string().regex(/^[\w.-]+$/, 'letters, digits, "_", "-" or "."').default('courier-media').describe('BullMQ queue of the bullmq backend; one per bot when bots share a Redis'),
    queueSlots: positiveInt().default(16).describe('bullmq backend: jobs the service hands to the queue at once, all workers together (per-user limits apply within it); jobs.poolSize is then each worker\'s own threads'),
    lockDurationMs: positiveInt().default(30_000).describe('bullmq backend: a job\'s lock lives this long unless its worker renews it (every half of it); a killed worker\'s jobs move to another after about this plus stalledIntervalMs'),
    stalledIntervalMs: positiveInt().default(15_000).describe('bullmq backend: how often each worker looks for jobs whose lock ran out (their worker died) and puts them back in the queue'),
  })
  .refine((jobs) => jobs.backend !== 'bullmq' || jobs.redisUrl !== null, { message: 'jobs.backend "bullmq" needs jobs.redisUrl (COURIER_REDIS_URL=redis://host:6379)', path: ['redisUrl'] })
  .prefault({})
  .describe('media jobs');

const media = z
  .strictObject({
    ffmpegPath: z.string().min(1).nullable().default(null).describe('ffmpeg binary; null = ffmpeg on PATH, else the one shipped in @ffmpeg-installer/ffmpeg'),
    ffprobePath: z.string().min(1).nullable().default(null).describe('ffprobe binary; null = ffprobe on PATH, else the one shipped in @ffprobe-installer/ffprobe'),
    requireSystemFfmpeg: z
      .boolean()
      .default(false)
      .describe('refuse to start with the bundled 2018 ffmpeg build when no system or configured ffmpeg is found (README, "Media confinement")'),
  })
  .prefault({})
  .describe('media tools');

/**
 * A list given as an array, or in the environment as comma-separated text ("8080,8443") or one
 * JSON value. A bad entry is reported on the list's own key, so the message can show the text
 * the operator wrote.
 */
const listOf = <T extends z.ZodType>(item: T, expected: string) =>
  z.preprocess(
    (value) => {
      if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      if (typeof value === 'number') return [value];
      return value;
    },
    z
      .array(z.unknown())
      .superRefine((values, ctx) => {
        const bad = values.filter((v) => !item.safeParse(v).success);
        if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `${expected} (not ${bad.map((v) => JSON.stringify(v)).join(', ')})` });
      })
      .transform((values) => values as z.output<T>[]),
  );

const port = z.number().int().min(1).max(65_535);
const cidr = z.string().refine((text) => ipaddr.isValidCIDR(text));

const links = z
  .strictObject({
    allowLoopback: z.boolean().default(false).describe('allow links to 127.0.0.0/8 and ::1 (ports and denyCidrs still apply); only tests set it'),
    allowedPorts: listOf(port, 'port numbers from 1 to 65535')
      .default([])
      .describe('ports a link may use besides 80 and 443 (env: comma-separated); links to other ports are refused'),
    denyCidrs: listOf(cidr, 'CIDR ranges such as 203.0.113.0/24 or 2001:db8::/32')
      .default([])
      .describe("address ranges links are refused on top of the built-in rules (private, loopback, this machine's own addresses...) (env: comma-separated)"),
    timeoutMs: positiveInt().default(30_000).describe('connect, idle and name-lookup timeout of a link download'),
    deadlineSeconds: positiveInt().default(600).describe('a link download taking longer, redirects included, is stopped'),
    minBytesPerSecond: nonNegativeInt().default(10_240).describe('a link download averaging less after its first 30 s is stopped; 0 = no minimum'),
    maxRedirects: nonNegativeInt().default(5).describe('redirects followed per link'),
    maxBytes: positiveInt().default(2 * GiB).describe('largest link download'),
  })
  .prefault({})
  .describe('direct http(s) links');

const outbox = z
  .strictObject({
    perSecond: z.number().positive().default(29).describe("messages per second over all chats (Telegram's bot limit is about 30)"),
    burst: positiveInt().default(10).describe('messages sent at once over all chats after a quiet spell'),
    perChatPerSecond: z.number().positive().default(1).describe('messages per second to one chat (Telegram: about 1)'),
    chatBurst: positiveInt().default(2).describe('messages sent at once to one chat after a quiet spell'),
    groupPerMinute: positiveInt().default(19).describe('messages per minute to one group (Telegram: 20)'),
    floodGlobalPauseMs: nonNegativeInt().default(1000).describe('after a FLOOD_WAIT every chat pauses this long (at most the wait)'),
  })
  .prefault({})
  .describe("Courier's own send limits, kept under Telegram's so that no FLOOD_WAIT is earned");

const ops = z
  .strictObject({
    httpPort: z.number().int().min(0).max(65_535).default(0).describe('port of the HTTP endpoint with /metrics (Prometheus), /livez and /readyz; 0 = off'),
    httpHost: z.string().min(1).default('127.0.0.1').describe('address the HTTP endpoint binds to; 0.0.0.0 exposes it to the network'),
  })
  .prefault({})
  .describe('metrics and health checks');

const alerts = z
  .strictObject({
    checkSeconds: positiveInt().default(30).describe('how often the alert conditions are measured'),
    minFreeDiskPercent: z.number().min(0).max(100).default(10).describe('alert when less than this percentage of the data disk is free'),
    maxMemoryPercent: z.number().positive().max(100).default(80).describe("alert when Courier's resident memory exceeds this percentage of alerts.memoryLimitBytes (or of the machine's memory)"),
    memoryLimitBytes: positiveInt().nullable().default(null).describe("the memory Courier may use; null = the container's cgroup limit when there is one, else the machine's total memory"),
    slowReplySeconds: z.number().positive().default(30).describe('alert when the 95th percentile of reply times over alerts.slowReplyWindowMinutes exceeds this'),
    slowReplyWindowMinutes: positiveInt().default(5).describe('the window over which reply times are measured for the slow-reply alert'),
    telegramDownSeconds: positiveInt().default(120).describe('alert when Telegram has been unreachable for longer than this'),
    repeatMinutes: positiveInt().default(60).describe('an alert still in force is sent again at most this often'),
  })
  .prefault({})
  .describe("the admins' alerts (each fires once, repeats at most every repeatMinutes, and says when it recovered)");

const backups = z
  .strictObject({
    everyHours: z.number().nonnegative().default(24).describe('an online backup of the database is made this often; 0 = only by `npm run backup`'),
    dir: z.string().min(1).default('data/backups').describe('directory of the backups; when not set, <paths.data>/backups'),
    keep: positiveInt().default(7).describe('the newest this many backups are kept, older ones deleted'),
  })
  .prefault({})
  .describe('database backups');

const dialogs = z
  .strictObject({
    ttlHours: z
      .number()
      .positive()
      .max(24 * 365)
      .default(24)
      .describe('a question the bot asked (Trim range, new file name, admin broadcast...) is forgotten if not answered within this many hours'),
  })
  .prefault({})
  .describe('persistent dialogs');

const shutdown = z
  .strictObject({
    graceMs: positiveInt().default(8000).describe('time given to in-flight work on SIGTERM before state is persisted and Courier exits'),
  })
  .prefault({})
  .describe('shutdown');

/*
 * Daily quotas (issue 11): per user per UTC day, so "today" is the same for every user and the
 * reset is one fixed moment (00:00 UTC) that /usage can state plainly. Admins are exempt.
 */
const quotas = z
  .strictObject({
    jobsPerDay: nonNegativeInt().default(0).describe('media jobs one user may start per UTC day (admins exempt); 0 = unlimited'),
    bytesPerDay: nonNegativeInt()
      .default(0)
      .describe("bytes of input (files' sizes, links' downloaded bytes) one user may have processed per UTC day (admins exempt); 0 = unlimited"),
  })
  .prefault({})
  .describe('daily quotas per user (reset at 00:00 UTC)');

export const configSchema = z.strictObject({
  telegram,
  admins: z.array(positiveInt()).default([]).describe('Telegram user ids of the admins (env: comma-separated)'),
  paths,
  database,
  log,
  updates,
  jobs,
  quotas,
  media,
  links,
  outbox,
  ops,
  alerts,
  backups,
  shutdown,
  dialogs,
});

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The validated configuration. loadConfig returns it deeply frozen, and the type says so. */
export type Config = DeepReadonly<z.output<typeof configSchema>>;

export type DeepPartial<T> = T extends readonly (infer U)[]
  ? readonly U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Keys whose values are masked in every error message. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'telegram.apiHash',
  'telegram.botToken',
  'telegram.proxy',
  // May carry the Redis password.
  'jobs.redisUrl',
]);

/** The named environment variables; every other key is reachable as COURIER__SECTION__KEY. */
export const NAMED_ENV_VARS: Readonly<Record<string, string>> = {
  COURIER_API_ID: 'telegram.apiId',
  COURIER_API_HASH: 'telegram.apiHash',
  COURIER_BOT_TOKEN: 'telegram.botToken',
  COURIER_SANDBOX_DIR: 'telegram.sandboxDir',
  COURIER_PROXY_URL: 'telegram.proxy',
  COURIER_ADMINS: 'admins',
  COURIER_LOG_LEVEL: 'log.level',
  COURIER_LOG_FORMAT: 'log.format',
  COURIER_DATA_DIR: 'paths.data',
  COURIER_SESSION_DIR: 'paths.sessions',
  COURIER_REDIS_URL: 'jobs.redisUrl',
};

/** Defaults that depend on the machine are shown in the README as words, not as this machine's value. */
export const DEFAULT_SHOWN: Readonly<Record<string, string>> = {
  'jobs.poolSize': 'number of CPUs',
};

/** Path keys resolved against the working directory (media paths stay as given: a bare name means $PATH). */
export const PATH_KEYS = ['paths.data', 'paths.sessions', 'paths.temp', 'database.file', 'telegram.sandboxDir', 'backups.dir'] as const;
