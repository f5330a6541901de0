/**
 * `npm run emulator -- --data-dir DIR [--port N] [--host H] [--decrypt-workers N] [--users N]`: runs
 * the DC emulator until SIGTERM or SIGINT, then closes it cleanly and exits 0. --decrypt-workers sets
 * the worker threads that decrypt big packets (default one per core, at most 8; 0 = none); --users
 * adds N numbered users for load runs (phones +99967 0000001 on, the sandbox's login code);
 * --upload-max-fileparts lowers upload_max_fileparts_default (help.getAppConfig, and the uploads
 * accepted), e.g. 20 for a 10 MiB file limit, to try results sent in parts with small files.
 */
import { parseArgs } from 'node:util';
import { startEmulator } from './index.js';

export class EmulatorUsageError extends Error {
  constructor(message: string) {
    super(`${message}\nusage: emulator --data-dir DIR [--port N] [--host H] [--decrypt-workers N] [--users N] [--upload-max-fileparts N]`);
    this.name = 'EmulatorUsageError';
  }
}

export function parseEmulatorArgs(argv: string[]): { dataDir: string; port: number; host: string; decryptWorkers?: number; loadUsers?: number; uploadMaxFileparts?: number } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'data-dir': { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'decrypt-workers': { type: 'string' }, users: { type: 'string' }, 'upload-max-fileparts': { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    throw new EmulatorUsageError(err instanceof Error ? err.message : String(err));
  }
  const dataDir = values['data-dir'];
  if (!dataDir) throw new EmulatorUsageError('--data-dir is required');
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new EmulatorUsageError(`--port must be 0..65535, got ${values.port}`);
  const rawWorkers = values['decrypt-workers'];
  const decryptWorkers = rawWorkers === undefined ? undefined : Number(rawWorkers);
  if (decryptWorkers !== undefined && (!Number.isInteger(decryptWorkers) || decryptWorkers < 0 || decryptWorkers > 64)) {
    throw new EmulatorUsageError(`--decrypt-workers must be 0..64, got ${rawWorkers}`);
  }
  const loadUsers = values.users === undefined ? undefined : Number(values.users);
  if (loadUsers !== undefined && (!Number.isInteger(loadUsers) || loadUsers < 0 || loadUsers > 1_000_000)) throw new EmulatorUsageError(`--users must be 0..1000000, got ${values.users}`);
  const rawParts = values['upload-max-fileparts'];
  const uploadMaxFileparts = rawParts === undefined ? undefined : Number(rawParts);
  if (uploadMaxFileparts !== undefined && (!Number.isInteger(uploadMaxFileparts) || uploadMaxFileparts < 1 || uploadMaxFileparts > 8000)) {
    throw new EmulatorUsageError(`--upload-max-fileparts must be 1..8000, got ${rawParts}`);
  }
  return {
    dataDir,
    port,
    host: values.host ?? '127.0.0.1',
    ...(decryptWorkers === undefined ? {} : { decryptWorkers }),
    ...(loadUsers === undefined ? {} : { loadUsers }),
    ...(uploadMaxFileparts === undefined ? {} : { uploadMaxFileparts }),
  };
}

export async function runEmulatorCli(argv: string[], out: (line: string) => void = (l) => console.log(l)): Promise<number> {
  let args;
  try {
    args = parseEmulatorArgs(argv);
  } catch (err) {
    out(err instanceof Error ? err.message : String(err));
    return 2;
  }
  const { uploadMaxFileparts, ...rest } = args;
  const limits = uploadMaxFileparts === undefined ? {} : { limits: { uploadMaxFileparts } };
  const emulator = await startEmulator({ ...rest, ...limits, log: (line) => out(`[emulator] ${line}`) });
  out(`Telegram DC emulator listening on ${emulator.sandbox.host}:${emulator.server.port}; sandbox description in ${emulator.sandboxFile}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await emulator.close();
  out('emulator stopped');
  return 0;
}
