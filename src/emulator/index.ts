/**
 * The Telegram DC emulator: the protocol half (server.ts: transports, auth keys, encryption,
 * service messages) composed with the world half (world/, rpc/: accounts, messages, pts, files).
 *
 * `startEmulator` opens the world in DATA_DIR (messaging from world/ and rpc/, composed with the
 * accounts side given as an `AccountsWiring`), creates or loads the server's RSA key there, listens
 * on TCP and writes DATA_DIR/sandbox.json (mode 0600): everything a client needs to reach this DC
 * and log in (see src/telegram/connection/sandbox.ts for the reading side). Nothing here imports Courier's
 * service code.
 */
import { writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { accountsWiring, setAccountsEndpoint } from './rpc/accounts.js';
import { createRpcHandler, type RpcMethod } from './rpc/dispatch.js';
import { openWorld, type Limits, type OpenWorldOptions, type SandboxSeed, type World } from './world/index.js';
import { loadOrCreateRsaKeyPem, parseServerRsaKey } from './mtproto/rsaKey.js';
import { startEmulatorServer, type EmulatorServer } from './server.js';
import { ensureLoadUsers } from './world/accountsSide/loadUsers.js';

export const SANDBOX_FILE = 'sandbox.json';
export const EMULATOR_DC_ID = 2;

export type { SandboxSeed } from './world/index.js';

/**
 * The accounts side of the world (users and bots, auth keys, SRP, files, flood limits) and its
 * rpc/ methods (auth.*, users.*, help.*, upload.*). Passed to `startEmulator`, or registered once
 * as the default with `setDefaultAccountsWiring` by the module that builds it.
 */
export interface AccountsWiring {
  readonly open: NonNullable<OpenWorldOptions['accounts']>;
  readonly handlers: Record<string, RpcMethod>;
}

let defaultAccountsWiring: AccountsWiring | null = null;

export function setDefaultAccountsWiring(wiring: AccountsWiring): void {
  defaultAccountsWiring = wiring;
}

export interface StartEmulatorOptions {
  dataDir: string;
  port?: number;
  host?: string;
  /** Milliseconds since the epoch. */
  clock?: () => number;
  limits?: Partial<Limits>;
  log?: (line: string) => void;
  /** The accounts side; defaults to the one registered with setDefaultAccountsWiring. */
  accounts?: AccountsWiring;
  /** Decrypt worker threads for big packets (server.ts EmulatorServerOptions.decryptWorkers). */
  decryptWorkers?: number;
  /** Numbered extra users for load runs (`--users N`), listed in sandbox.json as load_users. */
  loadUsers?: number;
}

export interface RunningEmulator {
  readonly server: EmulatorServer;
  readonly world: World;
  readonly sandboxFile: string;
  readonly sandbox: SandboxSeed & { host: string; port: number; dc_id: number; rsa_public_key_pem: string; rsa_fingerprint: string; load_users?: { phone: string; user_id: number }[] };
  close(): Promise<void>;
}

export async function startEmulator(opts: StartEmulatorOptions): Promise<RunningEmulator> {
  mkdirSync(opts.dataDir, { recursive: true });
  const accounts = opts.accounts ?? defaultAccountsWiring ?? accountsWiring;
  if (!accounts) throw new Error('the emulator has no accounts side: pass startEmulator({ accounts }) or call setDefaultAccountsWiring() (src/emulator/index.ts)');
  const world = openWorld({
    dataDir: opts.dataDir,
    accounts: accounts.open,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.limits ? { limits: opts.limits } : {}),
  });
  try {
    const pem = loadOrCreateRsaKeyPem(opts.dataDir);
    const rsa = parseServerRsaKey(pem);
    const server = await startEmulatorServer({
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 0,
      dcId: EMULATOR_DC_ID,
      rsaKeyPem: pem,
      rpc: createRpcHandler(world, accounts.handlers),
      authKeys: world.authKeys,
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.decryptWorkers === undefined ? {} : { decryptWorkers: opts.decryptWorkers }),
    });
    world.attachDelivery(server.delivery);
    const host = server.host === '0.0.0.0' || server.host === '::' ? '127.0.0.1' : server.host;
    setAccountsEndpoint(world, { host, port: server.port, dcId: EMULATOR_DC_ID });
    const sandbox = {
      host,
      port: server.port,
      dc_id: EMULATOR_DC_ID,
      ...world.seedSandbox(),
      rsa_public_key_pem: rsa.publicKeyPem,
      rsa_fingerprint: rsa.fingerprint.toString(),
      ...(opts.loadUsers ? { load_users: ensureLoadUsers(world.db, opts.loadUsers) } : {}),
    };
    const sandboxFile = join(opts.dataDir, SANDBOX_FILE);
    writeFileSync(sandboxFile, `${JSON.stringify(sandbox, null, 2)}\n`, { mode: 0o600 });
    chmodSync(sandboxFile, 0o600); // writeFileSync keeps the mode of an existing file
    return {
      server,
      world,
      sandboxFile,
      sandbox,
      close: async () => {
        await server.close();
        world.close();
      },
    };
  } catch (err) {
    world.close();
    throw err;
  }
}
