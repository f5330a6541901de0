/** Starts the protocol half alone (no world) on an ephemeral port, with the stub RPC handler. */
import { generateKeyPairSync } from 'node:crypto';
import { startEmulatorServer, type EmulatorServer } from '../../src/emulator/server.js';
import { parseServerRsaKey } from '../../src/emulator/mtproto/rsaKey.js';
import type { SandboxEndpoint } from '../../src/telegram/connection/sandbox.js';
import { MemoryAuthKeyStore, StubRpcHandler } from './stubWorld.js';

let cachedPem: string | null = null;

/** One RSA key per test process: generating 2048-bit keys is slow. */
export function testRsaPem(): string {
  cachedPem ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return cachedPem;
}

export interface ProtocolServerFixture {
  readonly server: EmulatorServer;
  readonly rpc: StubRpcHandler;
  readonly authKeys: MemoryAuthKeyStore;
  readonly endpoint: SandboxEndpoint;
  readonly logs: string[];
}

export async function startProtocolServer(opts: { clock?: () => number } = {}): Promise<ProtocolServerFixture> {
  const rpc = new StubRpcHandler();
  const authKeys = new MemoryAuthKeyStore();
  const logs: string[] = [];
  const pem = testRsaPem();
  const server = await startEmulatorServer({ dcId: 2, rsaKeyPem: pem, rpc, authKeys, log: (l) => logs.push(l), ...(opts.clock ? { clock: opts.clock } : {}) });
  rpc.endpoint = { host: server.host, port: server.port, dcId: 2 };
  const key = parseServerRsaKey(pem);
  return {
    server,
    rpc,
    authKeys,
    logs,
    endpoint: { host: server.host, port: server.port, dc_id: 2, rsa_public_key_pem: key.publicKeyPem, rsa_fingerprint: key.fingerprint.toString() },
  };
}
