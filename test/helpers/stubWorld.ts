/**
 * A stand-in for the emulator's world half, for protocol tests: an in-memory AuthKeyStore and an
 * RpcHandler that answers help.getConfig and updates.getState and records every call.
 */
import { Api } from 'telegram';
import { RpcError, type AuthKeyStore, type CallContext, type RpcHandler, type TLObject } from '../../src/emulator/contract.js';

export class MemoryAuthKeyStore implements AuthKeyStore {
  readonly keys = new Map<bigint, Buffer>();
  readonly users = new Map<bigint, number>();
  get(id: bigint): Buffer | undefined {
    return this.keys.get(id);
  }
  put(id: bigint, key: Buffer): void {
    this.keys.set(id, key);
  }
  userOf(id: bigint): number | null {
    return this.users.get(id) ?? null;
  }
}

export function stubConfig(host: string, port: number, dcId: number): Api.Config {
  const now = Math.floor(Date.now() / 1000);
  return new Api.Config({
    date: now,
    expires: now + 3600,
    testMode: false,
    thisDc: dcId,
    dcOptions: [new Api.DcOption({ id: dcId, ipAddress: host, port })],
    dcTxtDomainName: 'localhost',
    chatSizeMax: 200,
    megagroupSizeMax: 200000,
    forwardedCountMax: 100,
    onlineUpdatePeriodMs: 210000,
    offlineBlurTimeoutMs: 5000,
    offlineIdleTimeoutMs: 30000,
    onlineCloudTimeoutMs: 300000,
    notifyCloudDelayMs: 30000,
    notifyDefaultDelayMs: 1500,
    pushChatPeriodMs: 60000,
    pushChatLimit: 2,
    editTimeLimit: 172800,
    revokeTimeLimit: 2147483647,
    revokePmTimeLimit: 2147483647,
    ratingEDecay: 2419200,
    stickersRecentLimit: 200,
    channelsReadMediaPeriod: 604800,
    callReceiveTimeoutMs: 20000,
    callRingTimeoutMs: 90000,
    callConnectTimeoutMs: 30000,
    callPacketTimeoutMs: 10000,
    meUrlPrefix: 'https://t.me/',
    captionLengthMax: 1024,
    messageLengthMax: 4096,
    webfileDcId: dcId,
  });
}

export interface RecordedCall {
  readonly ctx: CallContext;
  readonly request: Api.AnyRequest;
}

/** Answers getConfig/getState; everything else is handled by `extra` or fails with METHOD_NOT_STUBBED. */
export class StubRpcHandler implements RpcHandler {
  readonly calls: RecordedCall[] = [];
  endpoint = { host: '127.0.0.1', port: 0, dcId: 2 };
  extra: ((ctx: CallContext, request: Api.AnyRequest) => Promise<TLObject> | null) | null = null;

  async invoke(ctx: CallContext, request: Api.AnyRequest): Promise<TLObject> {
    this.calls.push({ ctx, request });
    const handled = this.extra?.(ctx, request);
    if (handled) return handled;
    if (request instanceof Api.help.GetConfig) return stubConfig(this.endpoint.host, this.endpoint.port, this.endpoint.dcId);
    if (request instanceof Api.updates.GetState) return new Api.updates.State({ pts: 1, qts: 0, date: Math.floor(Date.now() / 1000), seq: 0, unreadCount: 0 });
    throw new RpcError(400, 'METHOD_NOT_STUBBED');
  }
}
