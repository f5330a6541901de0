/**
 * Courier's command line:
 *   start [--sandbox DIR]     run the service (against the emulator described in DIR/sandbox.json)
 *   login [--sandbox DIR]     the one-time interactive login
 *   emulator --data-dir DIR   run the Telegram DC emulator
 *   sandbox                   emulator + Courier + a terminal chat, no Telegram account needed
 *   bench NAME                run one benchmark
 *   backup                    write a checked copy of the database now (also while Courier runs)
 *   restore FILE              put a backup in place of the database (only while Courier is stopped)
 *   worker [--sandbox DIR] [--id NAME]  a media-job worker (jobs.backend bullmq), on any machine
 *
 * Failures a person can fix print one clear paragraph and exit 1 (2 for usage); no stack traces.
 * SIGINT/SIGTERM stop the service cleanly and exit 0; a second signal, or 10 s, forces the exit.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, configFileWarnings, formatConfigError, loadConfig, type Config } from './config/index.js';
import { initLogging, logger, redactText, errorMessage } from './log/logger.js';
import { proxySecrets } from './telegram/connection/proxy.js';

const USAGE = [
  'usage: npm start -- [--sandbox DIR]     run Courier',
  '       npm run login -- [--sandbox DIR] log in once (interactive)',
  '       npm run emulator -- --data-dir DIR [--port N] [--host H]',
  '       npm run sandbox                  try Courier without a Telegram account',
  '       npm run bench -- NAME',
  '       npm run backup                   back the database up now (Courier may be running)',
  '       npm run restore -- FILE          restore a backup (stop Courier first)',
  '       npm run worker -- [--sandbox DIR] [--id NAME]   media jobs from the BullMQ queue',
].join('\n');

const FORCE_EXIT_MS = 10_000;

class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'UsageError';
  }
}

/** Errors whose message is the whole story for the operator. */
const PLAIN_ERRORS = new Set([
  'UsageError',
  'NoSessionError',
  'ProcessLockedError',
  'MissingApiCredentialsError',
  'SessionRevokedError',
  'SessionFileError',
  'SandboxFileError',
  'LoginError',
  'BackupError',
  'ProxyConfigError',
  'MissingRedisUrlError',
  'WorkerIdError',
  'WorkerTokenError',
]);

const print = (line: string) => process.stdout.write(`${line}\n`);
const printError = (line: string) => process.stderr.write(`${line}\n`);

function sandboxOption(args: string[]): string | undefined {
  try {
    const { values } = parseArgs({ args, options: { sandbox: { type: 'string' } }, strict: true });
    return values.sandbox;
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
}

/**
 * `--sandbox DIR` keeps Courier's data under DIR (DIR/courier-data) unless the operator set a data
 * directory (paths.data in config/local.json, COURIER_DATA_DIR): one checkout tried against two
 * sandbox worlds must not share one update state.
 */
const SANDBOX_DATA_DIR = 'courier-data';

function loadConfigOrExit(sandboxDir?: string): Config {
  try {
    const config = loadConfig(sandboxDir ? { defaults: { paths: { data: join(sandboxDir, SANDBOX_DATA_DIR) } } } : {});
    // Known secrets are masked verbatim in every log line from here on.
    initLogging(config.log, { secrets: [config.telegram.apiHash, config.telegram.botToken, ...proxySecrets(config.telegram.proxy), config.jobs.redisUrl] });
    for (const warning of configFileWarnings()) logger('config').warn(warning);
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      printError(formatConfigError(err));
      process.exit(1);
    }
    throw err;
  }
}

/** Listen before starting, so a signal during startup still means a clean stop right after it. */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

async function start(args: string[]): Promise<number> {
  const sandboxDir = sandboxOption(args);
  const config = loadConfigOrExit(sandboxDir);
  const { registerSandboxSecretsIn } = await import('./tools/sandbox/sandboxSecrets.js');
  registerSandboxSecretsIn(sandboxDir ?? config.telegram.sandboxDir);
  const stopRequested = stopSignal();
  const { startCourier } = await import('./app.js');
  const courier = await startCourier(config, { sandboxDir });
  const signal = await stopRequested;
  logger('main').info(`${signal}: stopping (send it again to stop at once)`);
  const force = (code: number) => () => {
    printError('Courier did not stop in time; exiting without a clean shutdown.');
    process.exit(code);
  };
  process.once('SIGINT', force(130));
  process.once('SIGTERM', force(143));
  setTimeout(force(1), FORCE_EXIT_MS).unref();
  await courier.stop();
  return 0;
}

async function login(args: string[]): Promise<number> {
  const sandboxDir = sandboxOption(args);
  const config = loadConfigOrExit();
  const { loginTarget } = await import('./telegram/connection/client.js');
  const { loginOnTerminal } = await import('./telegram/login/loginClient.js');
  return loginOnTerminal({
    target: loginTarget(config.telegram, config.paths.sessions, sandboxDir),
    sandboxDir,
    telegram: config.telegram,
    logLevel: config.log.level,
    isInteractive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    out: print,
  });
}

/** A media-job worker: runs until a signal; a second signal stops it without waiting for its jobs (they move to another worker). */
async function worker(args: string[]): Promise<number> {
  let values: { sandbox?: string | undefined; id?: string | undefined };
  try {
    ({ values } = parseArgs({ args, options: { sandbox: { type: 'string' }, id: { type: 'string' } }, strict: true }));
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  const config = loadConfigOrExit();
  const stopRequested = stopSignal();
  const { runQueueWorker } = await import('../workers/queueWorker.js');
  const running = await runQueueWorker(config, { sandboxDir: values.sandbox, id: values.id });
  logger('main').info(`${await stopRequested}: the worker finishes its running jobs (send it again to stop at once)`);
  const force = () => void running.stop(true).finally(() => process.exit(1));
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  await running.stop();
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'login':
      return login(rest);
    case 'worker':
      return worker(rest);
    case 'emulator': {
      const { runEmulatorCli } = await import('./emulator/cli.js');
      return runEmulatorCli(rest);
    }
    case 'sandbox': {
      const config = loadConfigOrExit();
      const { runSandbox } = await import('./tools/sandbox/run.js');
      return runSandbox({ root: join(config.paths.data, 'sandbox') });
    }
    case 'backup': {
      if (rest.length > 0) throw new UsageError('backup takes no arguments (backups.dir says where the copy goes)');
      const config = loadConfigOrExit();
      const { backupNow } = await import('./ops/backupCommands.js');
      print(backupNow(config));
      return 0;
    }
    case 'restore': {
      const [file, ...extra] = rest;
      if (!file || extra.length > 0) throw new UsageError('restore needs exactly one FILE (a backup made by `npm run backup` or the schedule)');
      const config = loadConfigOrExit();
      const { restoreBackup } = await import('./ops/backupCommands.js');
      const { keptAside } = restoreBackup(config, file);
      print(`restored ${file} to ${config.database.file}` + (keptAside ? `; the previous database is kept as ${keptAside}` : ''));
      return 0;
    }
    case 'bench': {
      const [name, ...benchArgs] = rest;
      if (!name) throw new UsageError('bench needs a NAME');
      const { runBench } = await import('./tools/bench/index.js');
      return runBench(name, benchArgs);
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const error = err instanceof Error ? err : new Error(String(err));
    if (PLAIN_ERRORS.has(error.name)) {
      printError(redactText(error.message));
      process.exit(error.name === 'UsageError' ? 2 : 1);
    }
    printError(`Courier stopped on an unexpected error: ${redactText(error.stack ?? error.message)}`);
    process.exit(1);
  },
);
