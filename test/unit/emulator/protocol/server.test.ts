/**
 * The protocol half over real TCP, driven by a hand-built client so each rule of
 * service_messages_about_messages can be provoked on purpose.
 */
import { expect } from 'chai';
import { deflateSync, gzipSync } from 'node:zlib';
import bigInt from 'big-integer';
import { Api } from 'telegram';
import { BinaryReader } from 'telegram/extensions/index.js';
import { RpcError } from '../../../../src/emulator/contract.js';
import { msgContainer, parseContainer, type ContainerItem, RPC_RESULT_ID, tlBytes, unwrapGzip } from '../../../../src/emulator/mtproto/wire.js';
import { RawClient, type RawTransport } from '../../../helpers/rawClient.js';
import { startProtocolServer, type ProtocolServerFixture } from '../../../helpers/protocolServer.js';

function read(body: Buffer): unknown {
  return new BinaryReader(body).tgReadObject();
}

const backlog = new WeakMap<RawClient, ContainerItem[]>();

/** The next server message, containers flattened into their inner messages. */
async function nextItem(c: RawClient): Promise<ContainerItem> {
  const queue = backlog.get(c) ?? [];
  backlog.set(c, queue);
  while (queue.length === 0) {
    const m = await c.nextMessage();
    if (!m) throw new Error('connection closed');
    if (m.body.readUInt32LE(0) === 0x73f1f8dc) queue.push(...parseContainer(m.body));
    else queue.push(m);
  }
  return queue.shift()!;
}

async function nextBodies(c: RawClient): Promise<Buffer[]> {
  return [(await nextItem(c)).body];
}

/** Reads server messages until one satisfies `pick`. */
async function waitFor<T>(c: RawClient, pick: (body: Buffer) => T | undefined): Promise<T> {
  for (;;) {
    const got = pick((await nextItem(c)).body);
    if (got !== undefined) return got;
  }
}

/** Sends an unencrypted message (auth_key_id 0) and returns the next frame the server writes. */
async function plainRoundTrip(c: RawClient, request: { getBytes(): Buffer }): Promise<Buffer> {
  const body = request.getBytes();
  const head = Buffer.alloc(20);
  head.writeBigInt64LE(c.newMsgId(), 8);
  head.writeInt32LE(body.length, 16);
  c.writePayload(Buffer.concat([head, body]));
  const frame = await c.nextFrame();
  if (!frame) throw new Error('connection closed');
  return frame;
}

function rpcResultFor(msgId: bigint): (b: Buffer) => Buffer | undefined {
  return (b) => (b.readUInt32LE(0) === RPC_RESULT_ID && b.readBigInt64LE(4) === msgId ? unwrapGzip(b.subarray(12)) : undefined);
}

function isA<T>(cls: new (...a: never[]) => T): (b: Buffer) => T | undefined {
  return (b) => {
    try {
      const o = read(b);
      return o instanceof cls ? o : undefined;
    } catch {
      return undefined;
    }
  };
}

describe('emulator protocol server', () => {
  let f: ProtocolServerFixture;
  let client: RawClient;

  beforeEach(async () => {
    f = await startProtocolServer();
  });
  afterEach(async () => {
    client?.close();
    await f.server.close();
  });

  async function ready(transport: RawTransport = 'intermediate'): Promise<RawClient> {
    client = await RawClient.open(f.server.port, transport);
    await client.authenticate(f.endpoint);
    // The first message carries a wrong salt: the server answers bad_server_salt with the right one.
    const ping = new Api.Ping({ pingId: f.rpc.calls.length as never }).getBytes();
    const first = client.sendRequest(ping);
    const bad = await waitFor(client, isA(Api.BadServerSalt));
    expect(String(bad.badMsgId)).to.equal(first.toString());
    expect(bad.errorCode).to.equal(48);
    client.salt = BigInt(bad.newServerSalt.toString());
    return client;
  }

  for (const transport of ['abridged', 'intermediate', 'padded-intermediate', 'full'] as const) {
    it(`creates an auth key with GramJS's Authenticator and answers a call over ${transport}`, async () => {
      const c = await ready(transport);
      expect(f.authKeys.get(c.authKeyId)).to.deep.equal(c.authKey);
      const req = new Api.InvokeWithLayer({ layer: 198, query: new Api.InitConnection({ apiId: 1, deviceModel: 'd', systemVersion: 's', appVersion: 'a', systemLangCode: 'en', langPack: '', langCode: 'en', query: new Api.updates.GetState() }) });
      const msgId = c.sendRequest(req.getBytes());
      const session = await waitFor(c, isA(Api.NewSessionCreated));
      expect(String(session.firstMsgId)).to.equal(msgId.toString());
      const result = await waitFor(c, rpcResultFor(msgId));
      expect(read(result)).to.be.instanceOf(Api.updates.State);
      expect(f.rpc.calls[0]!.ctx.layer).to.equal(198);
      expect(f.rpc.calls[0]!.request).to.be.instanceOf(Api.updates.GetState);
    });
  }

  it('numbers server messages with increasing msg_ids, 1 mod 4 for responses and 3 mod 4 for pushed updates', async () => {
    const c = await ready();
    const call = c.sendRequest(new Api.updates.GetState().getBytes());
    let first = await nextItem(c);
    while (first.body.readUInt32LE(0) !== RPC_RESULT_ID || first.body.readBigInt64LE(4) !== call) first = await nextItem(c);
    expect(first.msgId % 4n).to.equal(1n);
    expect(f.server.delivery.push(c.authKeyId, new Api.UpdatesTooLong())).to.equal(1);
    const pushed = await nextItem(c);
    expect(pushed.msgId % 4n).to.equal(3n);
    expect(pushed.msgId > first.msgId).to.equal(true);
    expect(pushed.seqNo % 2).to.equal(1);
    expect(read(pushed.body)).to.be.instanceOf(Api.UpdatesTooLong);
  });

  it('rejects msg_ids from the far past (16), the future (17) and not divisible by 4 (18)', async () => {
    const c = await ready();
    const body = new Api.updates.GetState().getBytes();
    for (const [offset, extra, code] of [[-400, 0n, 16], [60, 0n, 17], [0, 2n, 18]] as const) {
      const msgId = c.newMsgId(offset) + extra;
      c.sendRequest(body, { msgId });
      const bad = await waitFor(c, isA(Api.BadMsgNotification));
      expect(bad.errorCode).to.equal(code);
      expect(String(bad.badMsgId)).to.equal(msgId.toString());
    }
    expect(f.rpc.calls).to.have.length(0);
  });

  it('rejects a content-related message with an even seqno (35) and a container with an odd one (34)', async () => {
    const c = await ready();
    c.sendRequest(new Api.updates.GetState().getBytes(), { seqNo: 2 });
    expect((await waitFor(c, isA(Api.BadMsgNotification))).errorCode).to.equal(35);
    const inner = msgContainer([{ msgId: c.newMsgId(), seqNo: c.nextSeq(true), body: new Api.updates.GetState().getBytes() }]);
    c.sendEncrypted({ msgId: c.newMsgId(), seqNo: 7, body: inner });
    expect((await waitFor(c, isA(Api.BadMsgNotification))).errorCode).to.equal(34);
  });

  it('accepts msgs_ack and msgs_state_req with either seqno parity, as Telegram does for mtcute', async () => {
    const c = await ready();
    c.sendEncrypted({ msgId: c.newMsgId(), seqNo: 7, body: new Api.MsgsAck({ msgIds: [] }).getBytes() });
    const asked = c.newMsgId();
    c.sendEncrypted({ msgId: asked, seqNo: 9, body: new Api.MsgsStateReq({ msgIds: [bigInt(asked.toString())] }).getBytes() });
    const info = await waitFor(c, (b) => (isA(Api.BadMsgNotification)(b) ? 'bad' : isA(Api.MsgsStateInfo)(b)));
    expect(info).to.be.instanceOf(Api.MsgsStateInfo);
    expect((info as Api.MsgsStateInfo).info).to.equal(String.fromCharCode(4));
  });

  it('sends future_salts and destroy_session_none as messages of their own, not rpc_result', async () => {
    const c = await ready();
    const asked = c.sendRequest(new Api.GetFutureSalts({ num: 3 }).getBytes());
    const salts = await waitFor(c, (b) => (b.readUInt32LE(0) === 0xae500895 || b.readUInt32LE(0) === RPC_RESULT_ID ? b : undefined));
    expect(salts.readUInt32LE(0)).to.equal(0xae500895);
    expect(salts.readBigInt64LE(4)).to.equal(asked);
    expect(salts.readInt32LE(16)).to.equal(3);
    c.sendRequest(new Api.DestroySession({ sessionId: bigInt(12345) }).getBytes());
    const none = await waitFor(c, (b) => (b.readUInt32LE(0) === RPC_RESULT_ID ? 'rpc_result' : isA(Api.DestroySessionNone)(b)));
    expect(none).to.be.instanceOf(Api.DestroySessionNone);
  });

  it('handles a msg_container of calls and answers each, gzip_packed included', async () => {
    const c = await ready();
    const a = c.newMsgId();
    const b = c.newMsgId();
    const gz = Buffer.concat([Buffer.from('a1cf7230', 'hex'), tlBytes(gzipSync(new Api.updates.GetState().getBytes()))]);
    const container = msgContainer([
      { msgId: a, seqNo: c.nextSeq(true), body: new Api.updates.GetState().getBytes() },
      { msgId: b, seqNo: c.nextSeq(true), body: gz },
    ]);
    c.sendEncrypted({ msgId: c.newMsgId(), seqNo: c.nextSeq(false), body: container });
    const seen = new Set<bigint>();
    while (seen.size < 2) {
      for (const body of await nextBodies(c)) if (body.readUInt32LE(0) === RPC_RESULT_ID) seen.add(body.readBigInt64LE(4));
    }
    expect([...seen].sort()).to.deep.equal([a, b].sort());
    expect(f.rpc.calls).to.have.length(2);
  });

  it('reads gzip_packed with a zlib header too, as mtcute packs it and Telegram accepts', async () => {
    const c = await ready();
    const packed = Buffer.concat([Buffer.from('a1cf7230', 'hex'), tlBytes(deflateSync(new Api.updates.GetState().getBytes()))]);
    const id = c.sendRequest(packed);
    expect(read(await waitFor(c, rpcResultFor(id)))).to.be.instanceOf(Api.updates.State);
  });

  it('answers ping with pong outside rpc_result, and ignores a duplicate msg_id', async () => {
    const c = await ready();
    const msgId = c.sendRequest(new Api.Ping({ pingId: 77 as never }).getBytes());
    const pong = await waitFor(c, isA(Api.Pong));
    expect(String(pong.msgId)).to.equal(msgId.toString());
    expect(String(pong.pingId)).to.equal('77');
    c.sendRequest(new Api.updates.GetState().getBytes(), { msgId, seqNo: 41 });
    const next = c.sendRequest(new Api.updates.GetState().getBytes());
    await waitFor(c, rpcResultFor(next));
    expect(f.rpc.calls).to.have.length(1);
  });

  it('turns handler errors into rpc_error, and failNext injects one', async () => {
    const c = await ready();
    f.server.faults.failNext('updates.GetState', new RpcError(420, 'FLOOD_WAIT_3'));
    const first = c.sendRequest(new Api.updates.GetState().getBytes());
    const err = read(await waitFor(c, rpcResultFor(first))) as Api.RpcError;
    expect(err).to.be.instanceOf(Api.RpcError);
    expect([err.errorCode, err.errorMessage]).to.deep.equal([420, 'FLOOD_WAIT_3']);
    const second = c.sendRequest(new Api.help.GetNearestDc().getBytes());
    const err2 = read(await waitFor(c, rpcResultFor(second))) as Api.RpcError;
    expect(err2.errorMessage).to.equal('METHOD_NOT_STUBBED');
    const third = c.sendRequest(new Api.updates.GetState().getBytes());
    expect(read(await waitFor(c, rpcResultFor(third)))).to.be.instanceOf(Api.updates.State);
  });

  it('holds replies while stalled, even as other traffic round-trips on the connection, and releases them in order', async () => {
    const c = await ready();
    f.server.faults.stallReplies(Infinity);
    const ids = [c.sendRequest(new Api.updates.GetState().getBytes()), c.sendRequest(new Api.updates.GetState().getBytes())];
    // Both calls reached the handler, so both replies are waiting to be written.
    while (f.rpc.calls.length < 2) await new Promise((r) => setImmediate(r));
    // Unencrypted messages (the key exchange) are not held, so req_pq_multi still round-trips on
    // this very connection. TCP keeps order: had a reply been written before the resPQ, it would
    // be read before it. Twice, so the second round trip starts well after the replies were ready.
    for (let round = 0; round < 2; round++) {
      const frame = await plainRoundTrip(c, new Api.ReqPqMulti({ nonce: BigInt(round + 1) as never }));
      expect(frame.readBigInt64LE(0), 'auth_key_id of the next frame: 0 is the resPQ, not a held reply').to.equal(0n);
      expect(new BinaryReader(frame.subarray(20)).tgReadObject()).to.be.instanceOf(Api.ResPQ);
    }
    f.server.faults.stallReplies(null);
    const got: bigint[] = [];
    while (got.length < 2) for (const b of await nextBodies(c)) if (b.readUInt32LE(0) === RPC_RESULT_ID) got.push(b.readBigInt64LE(4));
    expect(got).to.deep.equal(ids);
  });

  it('answers a message under an unknown auth key with transport error -404', async () => {
    const c = await ready();
    f.authKeys.keys.clear();
    const stranger = await RawClient.open(f.server.port, 'intermediate');
    stranger.authKey = Buffer.alloc(256, 7);
    stranger.authKeyId = 0xabcdefn;
    stranger.sendRequest(new Api.updates.GetState().getBytes());
    const frame = await stranger.nextFrame();
    expect(frame!.readInt32LE(0)).to.equal(-404);
    stranger.close();
    c.close();
  });

  it('dropAll closes every connection', async () => {
    const c = await ready();
    f.server.faults.dropAll();
    expect(await c.nextFrame()).to.equal(null);
  });
});
