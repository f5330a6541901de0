/** A world opened with the accounts side in a temp dir, and a way to call its methods as an auth key. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Api } from 'telegram';
import type { CallContext, RpcHandler } from '../../../../src/emulator/contract.js';
import { authKeyIdOf } from '../../../../src/emulator/mtproto/crypto.js';
import { accountsHandlers } from '../../../../src/emulator/rpc/accounts.js';
import { createRpcHandler } from '../../../../src/emulator/rpc/dispatch.js';
import { createAccountsSide } from '../../../../src/emulator/world/accountsSide/index.js';
import { openWorld, type Limits, type SandboxSeed, type World } from '../../../../src/emulator/world/index.js';

export interface Fixture {
  dataDir: string;
  world: World;
  rpc: RpcHandler;
  seed: SandboxSeed;
  clock: { ms: number };
  /** A fresh auth key (put into the store), signed in as nobody. */
  newKey(): bigint;
  call<T>(authKeyId: bigint, request: Api.AnyRequest): Promise<T>;
  reopen(): void;
  close(): void;
}

export function openFixture(limits: Partial<Limits> = {}, dataDir = mkdtempSync(join(tmpdir(), 'courier-accounts-'))): Fixture {
  const clock = { ms: Date.UTC(2026, 0, 1) };
  const open = (): World => openWorld({ dataDir, clock: () => clock.ms, accounts: createAccountsSide, limits });
  const f: Fixture = {
    dataDir,
    world: open(),
    rpc: undefined as unknown as RpcHandler,
    seed: undefined as unknown as SandboxSeed,
    clock,
    newKey() {
      const key = randomBytes(256);
      const id = authKeyIdOf(key);
      f.world.authKeys.put(id, key);
      return id;
    },
    call<T>(authKeyId: bigint, request: Api.AnyRequest): Promise<T> {
      const ctx: CallContext = { authKeyId, sessionId: 1n, connectionId: 1, layer: 198, userId: null, msgId: 1n };
      return f.rpc.invoke(ctx, request) as Promise<T>;
    },
    reopen() {
      f.world.close();
      f.world = open();
      f.rpc = createRpcHandler(f.world, accountsHandlers);
      f.seed = f.world.seedSandbox();
    },
    close() {
      f.world.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  f.rpc = createRpcHandler(f.world, accountsHandlers);
  f.seed = f.world.seedSandbox();
  return f;
}

/** The RpcError message a promise rejects with (or 'resolved'). */
export async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return (e as { errorMessage?: string }).errorMessage ?? String(e);
  }
}
