/**
 * The Telegram DC emulator: the protocol half (server.ts: transports, auth keys, encryption,
 * service messages) composed with the world half (world/, rpc/: accounts, messages, pts, files).
 *
 * `startEmulator` opens the world in DATA_DIR, creates or loads the server's RSA key there, listens
 * on TCP and writes DATA_DIR/sandbox.json (mode 0600): everything a client needs to reach this DC
 * and log in (see src/telegram/sandbox.ts for the reading side). Nothing here imports Courier's
 * service code.
 */
import { writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthKeyStore, Delivery, RpcHandler } from './contract.js';
import { loadOrCreateRsaKeyPem, parseServerRsaKey } from './mtproto/rsaKey.js';
import { startEmulatorServer, type EmulatorServer } from './server.js';

export const SANDBOX_FILE = 'sandbox.json';
export const EMULATOR_DC_ID = 2;

/** What `seedSandbox()` of the world returns: the login material written to sandbox.json. */
export interface SandboxSeed {
  api_id: number;
  api_hash: string;
  bot_token: string;
  bot_username: string;
  bot_user_id: number;
  login_code: string;
  users: { phone: string; first_name: string; user_id: number; '2fa_password'?: string }[];
}

/** The part of the world half the emulator composes with (world/index.ts `World`). */
export interface WorldLike {
  readonly authKeys: AuthKeyStore;
  attachDelivery(d: Delivery): void;
  seedSandbox(): SandboxSeed;
  close(): void;
}

export interface WorldFactories {
  openWorld(opts: { dataDir: string; clock?: () => number; limits?: object }): WorldLike;
  createRpcHandler(world: WorldLike): RpcHandler;
}

export interface StartEmulatorOptions {
  dataDir: string;
  port?: number;
  host?: string;
  /** Milliseconds since the epoch. */
  clock?: () => number;
  limits?: object;
  log?: (line: string) => void;
  /** Replaces the world half (tests of the protocol half); defaults to world/ and rpc/. */
  world?: WorldFactories;
}

export interface RunningEmulator {
  readonly server: EmulatorServer;
  readonly world: WorldLike;
  readonly sandboxFile: string;
  readonly sandbox: SandboxSeed & { host: string; port: number; dc_id: number; rsa_public_key_pem: string; rsa_fingerprint: string };
  close(): Promise<void>;
}

/**
 * Loads world/index.ts and rpc/dispatch.ts lazily, through a computed specifier, so the protocol
 * half type-checks and runs its own tests before (and independently of) the world half.
 */
async function defaultWorld(): Promise<WorldFactories> {
  const worldPath = './world/index.js';
  const rpcPath = './rpc/dispatch.js';
  const worldMod = (await import(worldPath)) as { openWorld?: WorldFactories['openWorld'] };
  const rpcMod = (await import(rpcPath)) as { createRpcHandler?: WorldFactories['createRpcHandler'] };
  if (typeof worldMod.openWorld !== 'function' || typeof rpcMod.createRpcHandler !== 'function') {
    throw new Error('emulator world half is missing: src/emulator/world/index.ts must export openWorld and src/emulator/rpc/dispatch.ts createRpcHandler');
  }
  return { openWorld: worldMod.openWorld, createRpcHandler: rpcMod.createRpcHandler };
}

export async function startEmulator(opts: StartEmulatorOptions): Promise<RunningEmulator> {
  mkdirSync(opts.dataDir, { recursive: true });
  const factories = opts.world ?? (await defaultWorld());
  const world = factories.openWorld({
    dataDir: opts.dataDir,
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
      rpc: factories.createRpcHandler(world),
      authKeys: world.authKeys,
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
    world.attachDelivery(server.delivery);
    const sandbox = {
      host: server.host === '0.0.0.0' || server.host === '::' ? '127.0.0.1' : server.host,
      port: server.port,
      dc_id: EMULATOR_DC_ID,
      ...world.seedSandbox(),
      rsa_public_key_pem: rsa.publicKeyPem,
      rsa_fingerprint: rsa.fingerprint.toString(),
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
