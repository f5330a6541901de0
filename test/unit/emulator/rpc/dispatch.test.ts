import { expect } from 'chai';
import { Api } from 'telegram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcError, type CallContext } from '../../../../src/emulator/contract.js';
import { createRpcHandler } from '../../../../src/emulator/rpc/dispatch.js';
import { long } from '../../../../src/emulator/world/db.js';
import { openWorld, type AccountsSide, type World } from '../../../../src/emulator/world/index.js';
import { ALICE, BOT, ManualTimers, inlineKeyboard, keyOf } from '../world/fixtures.js';

/** A stand-in accounts side: two signed-in users with one auth key each. */
function stubAccounts(): AccountsSide {
  const signedIn = new Map<bigint, number>([[keyOf(BOT), BOT], [keyOf(ALICE), ALICE]]);
  return {
    authKeys: {
      get: () => undefined,
      put: () => undefined,
      userOf: (k) => signedIn.get(k) ?? null,
      keysOf: (u) => [...signedIn].filter(([, id]) => id === u).map(([k]) => k),
    },
    users: {
      exists: (id) => id === BOT || id === ALICE,
      isBot: (id) => id === BOT,
      toApiUser: (id, viewer) => new Api.User({ id: long(id), self: id === viewer, bot: id === BOT, accessHash: long(1) }),
    },
    resolveMedia: () => {
      throw new RpcError(400, 'MEDIA_INVALID');
    },
    seedAccounts: () => ({
      api_id: 1,
      api_hash: 'h',
      bot_token: 't',
      bot_username: 'courier_sandbox_bot',
      bot_user_id: BOT,
      login_code: '12345',
      users: [{ phone: '999', first_name: 'Alice', user_id: ALICE }],
    }),
  };
}

const ctx = (userId: number | null, authKeyId = userId === null ? 1n : keyOf(userId)): CallContext => ({ authKeyId, sessionId: 1n, connectionId: 1, layer: 198, userId, msgId: 1n });

describe('emulator rpc: dispatch', () => {
  let dir: string;
  let world: World;
  let timers: ManualTimers;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-dispatch-'));
    timers = new ManualTimers();
    world = openWorld({ dataDir: dir, clock: () => timers.now, schedule: timers.schedule, accounts: () => stubAccounts() });
  });
  afterEach(() => {
    world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sendMessage goes through the world and answers updateShortSentMessage', async () => {
    const rpc = createRpcHandler(world);
    const r = await rpc.invoke(ctx(ALICE), new Api.messages.SendMessage({ peer: new Api.InputPeerUser({ userId: long(BOT), accessHash: long(1) }), message: 'hi', randomId: long(42) }));
    expect(r).to.be.instanceOf(Api.UpdateShortSentMessage);
    const state = (await rpc.invoke(ctx(BOT), new Api.updates.GetState())) as Api.updates.State;
    expect(state.pts).to.equal(1);
  });

  it('refuses calls from an auth key that is not signed in, except auth and help methods', async () => {
    const rpc = createRpcHandler(world, { 'help.GetNearestDc': () => new Api.NearestDc({ country: 'NL', thisDc: 2, nearestDc: 2 }) });
    const err = await rpc.invoke(ctx(null), new Api.updates.GetState()).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(RpcError).and.include({ code: 401, errorMessage: 'AUTH_KEY_UNREGISTERED' });
    expect(await rpc.invoke(ctx(null), new Api.help.GetNearestDc())).to.be.instanceOf(Api.NearestDc);
  });

  it('an unmodelled method answers INPUT_METHOD_INVALID with its constructor id', async () => {
    const rpc = createRpcHandler(world);
    const req = new Api.messages.GetStickers({ emoticon: 'x', hash: long(0) });
    const err = (await rpc.invoke(ctx(ALICE), req).catch((e: unknown) => e)) as RpcError;
    expect(err.errorMessage).to.equal(`INPUT_METHOD_INVALID_${req.CONSTRUCTOR_ID >>> 0}`);
  });

  it('honours failMethod a given number of times, and stallMethod on the world clock', async () => {
    const rpc = createRpcHandler(world);
    world.faults.failMethod('updates.GetState', new RpcError(500, 'RPC_CALL_FAIL'), 1);
    const err = (await rpc.invoke(ctx(BOT), new Api.updates.GetState()).catch((e: unknown) => e)) as RpcError;
    expect(err.errorMessage).to.equal('RPC_CALL_FAIL');
    expect(await rpc.invoke(ctx(BOT), new Api.updates.GetState())).to.be.instanceOf(Api.updates.State);
    world.faults.stallMethod('updates.GetState', 1000);
    let done = false;
    const p = rpc.invoke(ctx(BOT), new Api.updates.GetState()).then(() => (done = true));
    await Promise.resolve();
    expect(done).to.equal(false);
    timers.advance(1000);
    await p;
    expect(done).to.equal(true);
  });

  it('getHistory pages a user\'s conversation newest first, and refuses bots as Telegram does', async () => {
    const rpc = createRpcHandler(world);
    const toBot = new Api.InputPeerUser({ userId: long(BOT), accessHash: long(1) });
    for (let i = 1; i <= 5; i++) await rpc.invoke(ctx(ALICE), new Api.messages.SendMessage({ peer: toBot, message: `m${i}`, randomId: long(100 + i) }));
    const page = (await rpc.invoke(ctx(ALICE), new Api.messages.GetHistory({ peer: toBot, limit: 2, offsetId: 0, offsetDate: 0, addOffset: 0, maxId: 0, minId: 0, hash: long(0) }))) as Api.messages.Messages;
    expect(page.messages.map((m) => (m as Api.Message).message)).to.deep.equal(['m5', 'm4']);
    const older = (await rpc.invoke(ctx(ALICE), new Api.messages.GetHistory({ peer: toBot, limit: 10, offsetId: 4, offsetDate: 0, addOffset: 0, maxId: 0, minId: 1, hash: long(0) }))) as Api.messages.Messages;
    expect(older.messages.map((m) => (m as Api.Message).message)).to.deep.equal(['m3', 'm2']);
    const toAlice = new Api.InputPeerUser({ userId: long(ALICE), accessHash: long(1) });
    const err = (await rpc.invoke(ctx(BOT), new Api.messages.GetHistory({ peer: toAlice, limit: 10, offsetId: 0, offsetDate: 0, addOffset: 0, maxId: 0, minId: 0, hash: long(0) })).catch((e: unknown) => e)) as RpcError;
    expect(err).to.be.instanceOf(RpcError).and.include({ code: 400, errorMessage: 'BOT_METHOD_INVALID' });
  });

  it('a callback answer round trip through the handlers', async () => {
    const rpc = createRpcHandler(world);
    const toAlice = new Api.InputPeerUser({ userId: long(ALICE), accessHash: long(1) });
    await rpc.invoke(ctx(BOT), new Api.messages.SendMessage({ peer: toAlice, message: 'pick', randomId: long(1), replyMarkup: inlineKeyboard('go') }));
    const pushes: Api.TypeUpdates[] = [];
    world.attachDelivery({ push: (_k, u) => (pushes.push(u as Api.TypeUpdates), 1), dropConnections() {} });
    const toBot = new Api.InputPeerUser({ userId: long(BOT), accessHash: long(1) });
    const asked = rpc.invoke(ctx(ALICE), new Api.messages.GetBotCallbackAnswer({ peer: toBot, msgId: 1, data: Buffer.from('go') }));
    const q = (pushes[0] as Api.Updates).updates[0] as Api.UpdateBotCallbackQuery;
    await Promise.resolve();
    const ok = await rpc.invoke(ctx(BOT), new Api.messages.SetBotCallbackAnswer({ queryId: q.queryId, message: 'done', cacheTime: 0 }));
    expect(ok).to.equal(true);
    expect(((await asked) as Api.messages.BotCallbackAnswer).message).to.equal('done');
  });

  it('seedSandbox is idempotent and puts everyone in a group and a supergroup', () => {
    const first = world.seedSandbox();
    const again = world.seedSandbox();
    expect(again).to.deep.equal(first);
    expect(world.chats.members(first.supergroup_id)).to.deep.equal([BOT, ALICE].sort((a, b) => a - b));
    expect(world.chats.get(first.supergroup_id)?.megagroup).to.equal(true);
  });
});
