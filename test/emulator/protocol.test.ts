/**
 * The real GramJS client talks to the emulator's protocol half over TCP: it creates an auth key,
 * invokes, receives a pushed update, and survives every connection being dropped.
 */
import { expect } from 'chai';
import { Api, type TelegramClient } from 'telegram';
import { Raw } from 'telegram/events/index.js';
import { buildSandboxClient } from '../helpers/gramClient.js';
import { startProtocolServer, type ProtocolServerFixture } from '../helpers/protocolServer.js';

describe('GramJS against the emulator protocol half', () => {
  let f: ProtocolServerFixture;
  let client: TelegramClient;

  beforeEach(async () => {
    f = await startProtocolServer();
    client = buildSandboxClient(f.endpoint, 1, 'stub-hash');
  });
  afterEach(async () => {
    await client.destroy();
    await f.server.close();
  });

  it('connects with a fresh auth key, sends invokeWithLayer(initConnection(help.getConfig)) and invokes', async () => {
    await client.connect();
    expect(f.authKeys.keys.size).to.equal(1);
    const state = await client.invoke(new Api.updates.GetState());
    expect(state).to.be.instanceOf(Api.updates.State);
    expect(f.rpc.calls.map((c) => c.request.className)).to.deep.equal(['help.GetConfig', 'updates.GetState']);
    expect(f.rpc.calls[1]!.ctx.layer).to.be.a('number');
  });

  it('delivers an update pushed through Delivery to GramJS raw update handlers', async () => {
    await client.connect();
    await client.invoke(new Api.updates.GetState());
    const received = new Promise<Api.UpdateShortMessage>((resolve) => {
      client.addEventHandler((u: unknown) => {
        if (u instanceof Api.UpdateShortMessage) resolve(u);
      }, new Raw({}));
    });
    const [authKeyId] = [...f.authKeys.keys.keys()];
    const reached = f.server.delivery.push(authKeyId!, new Api.UpdateShortMessage({ id: 5, userId: 777 as never, message: 'hello from the emulator', pts: 2, ptsCount: 1, date: Math.floor(Date.now() / 1000) }));
    expect(reached).to.equal(1);
    const update = await received;
    expect(update.message).to.equal('hello from the emulator');
  });

  it('survives faults.dropAll(): GramJS reconnects with the same key and the next call succeeds', async () => {
    await client.connect();
    await client.invoke(new Api.updates.GetState());
    f.server.faults.dropAll();
    const state = await client.invoke(new Api.updates.GetState());
    expect(state).to.be.instanceOf(Api.updates.State);
    expect(f.authKeys.keys.size).to.equal(1);
  });

  it('keeps the auth key across client restarts via the saved StringSession', async () => {
    await client.connect();
    await client.invoke(new Api.updates.GetState());
    // Under load GramJS may retry its first handshake and so create more than one key; what
    // matters is that the restored client creates none.
    const keysBefore = f.authKeys.keys.size;
    const saved = client.session.save() as unknown as string;
    await client.destroy();
    client = buildSandboxClient(f.endpoint, 1, 'stub-hash', saved);
    await client.connect();
    await client.invoke(new Api.updates.GetState());
    expect(f.authKeys.keys.size).to.equal(keysBefore);
  });
});
