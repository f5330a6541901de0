import { expect } from 'chai';
import { Api } from 'telegram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcError, type CallContext } from '../../../../src/emulator/contract.js';
import { createRpcHandler, type RpcMethod } from '../../../../src/emulator/rpc/dispatch.js';
import { long, num } from '../../../../src/emulator/world/db.js';
import { openWorld, type AccountsSide, type World } from '../../../../src/emulator/world/index.js';
import { ALICE, BOB, BOT, ManualTimers, keyOf } from '../world/fixtures.js';

/** Each user's access hash, as every account sees it (the emulator gives one per user). */
const hashOf = (id: number): number => id * 7;

function stubAccounts(): AccountsSide {
  const signedIn = new Map<bigint, number>([BOT, ALICE, BOB].map((id) => [keyOf(id), id]));
  return {
    authKeys: {
      get: () => undefined,
      put: () => undefined,
      userOf: (k) => signedIn.get(k) ?? null,
      keysOf: (u) => [...signedIn].filter(([, id]) => id === u).map(([k]) => k),
    },
    users: {
      exists: (id) => [BOT, ALICE, BOB].includes(id),
      isBot: (id) => id === BOT,
      toApiUser: (id, viewer) => new Api.User({ id: long(id), self: id === viewer, bot: id === BOT, accessHash: long(hashOf(id)) }),
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

const ctx = (userId: number): CallContext => ({ authKeyId: keyOf(userId), sessionId: 1n, connectionId: 1, layer: 198, userId, msgId: 1n });

/** Stand-ins for the accounts side's users.* handlers: they resolve without checking, so only dispatch checks. */
const usersHandlers: Record<string, RpcMethod> = {
  'users.GetUsers': (req: Api.users.GetUsers, call) => req.id.map((u) => call.world.users.toApiUser(u instanceof Api.InputUser ? num(u.userId) : call.userId, call.userId)),
  'users.GetFullUser': (req: Api.users.GetFullUser, call) => call.world.users.toApiUser(req.id instanceof Api.InputUser ? num(req.id.userId) : call.userId, call.userId),
};

async function errorOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'the call should have failed').to.be.instanceOf(RpcError);
  return (err as RpcError).errorMessage;
}

const peerUser = (id: number, hash: number) => new Api.InputPeerUser({ userId: long(id), accessHash: long(hash) });
const send = (peer: Api.TypeInputPeer, randomId: number) => new Api.messages.SendMessage({ peer, message: 'hi', randomId: long(randomId) });

describe('emulator rpc: access hashes', () => {
  let dir: string;
  let world: World;
  let supergroup: number;
  let channelHash: bigint;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-peers-'));
    const timers = new ManualTimers();
    world = openWorld({ dataDir: dir, clock: () => timers.now, schedule: timers.schedule, accounts: () => stubAccounts() });
    supergroup = world.chats.createSupergroup('club', ALICE, [BOT]);
    channelHash = world.chats.get(supergroup)!.accessHash;
  });
  afterEach(() => {
    world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a user reaches another user with the hash it was given, and is refused with PEER_ID_INVALID otherwise', async () => {
    const rpc = createRpcHandler(world);
    expect(await errorOf(rpc.invoke(ctx(ALICE), send(peerUser(BOT, hashOf(BOT) + 1), 1)))).to.equal('PEER_ID_INVALID');
    expect(await errorOf(rpc.invoke(ctx(ALICE), send(peerUser(BOT, 0), 2))), 'hash 0 is a bot privilege').to.equal('PEER_ID_INVALID');
    expect(await errorOf(rpc.invoke(ctx(ALICE), send(peerUser(999, 0), 3))), 'an unknown user').to.equal('PEER_ID_INVALID');
    const state = (await rpc.invoke(ctx(BOT), new Api.updates.GetState())) as Api.updates.State;
    expect(state.pts, 'a refused send reaches nobody').to.equal(0);
    expect(await rpc.invoke(ctx(ALICE), send(peerUser(BOT, hashOf(BOT)), 4))).to.be.instanceOf(Api.UpdateShortSentMessage);
  });

  it('a bot may name a user with access hash 0, but not with a wrong non-zero hash', async () => {
    const rpc = createRpcHandler(world);
    expect(await rpc.invoke(ctx(BOT), send(peerUser(ALICE, 0), 1))).to.be.instanceOf(Api.UpdateShortSentMessage);
    expect(await errorOf(rpc.invoke(ctx(BOT), send(peerUser(ALICE, 12345), 2)))).to.equal('PEER_ID_INVALID');
  });

  it('an inputUser with a wrong hash is USER_ID_INVALID; users.getUsers answers that entry with userEmpty', async () => {
    const rpc = createRpcHandler(world, usersHandlers);
    const wrong = new Api.InputUser({ userId: long(BOB), accessHash: long(1) });
    const right = new Api.InputUser({ userId: long(BOT), accessHash: long(hashOf(BOT)) });
    expect(await errorOf(rpc.invoke(ctx(ALICE), new Api.users.GetFullUser({ id: wrong })))).to.equal('USER_ID_INVALID');
    const users = (await rpc.invoke(ctx(ALICE), new Api.users.GetUsers({ id: [right, wrong, new Api.InputUserSelf()] }))) as unknown as Api.TypeUser[];
    expect(users.map((u) => u.className)).to.deep.equal(['User', 'UserEmpty', 'User']);
    expect(users[1]!.id.toString()).to.equal(String(BOB));
  });

  it('a supergroup needs its access hash in inputChannel and inputPeerChannel (CHANNEL_INVALID)', async () => {
    const rpc = createRpcHandler(world);
    const channel = (hash: bigint) => new Api.InputChannel({ channelId: long(supergroup), accessHash: long(hash) });
    const peer = (hash: bigint) => new Api.InputPeerChannel({ channelId: long(supergroup), accessHash: long(hash) });
    expect(await errorOf(rpc.invoke(ctx(ALICE), new Api.channels.GetChannels({ id: [channel(channelHash + 1n)] })))).to.equal('CHANNEL_INVALID');
    expect(await errorOf(rpc.invoke(ctx(ALICE), send(peer(channelHash ^ 0xffn), 1)))).to.equal('CHANNEL_INVALID');
    expect(await errorOf(rpc.invoke(ctx(ALICE), send(peer(0n), 2))), 'hash 0 is for bots that are members').to.equal('CHANNEL_INVALID');
    expect(await rpc.invoke(ctx(ALICE), send(peer(channelHash), 3))).to.be.instanceOf(Api.Updates);
    const chats = (await rpc.invoke(ctx(BOT), new Api.channels.GetChannels({ id: [channel(0n)] }))) as Api.messages.Chats;
    expect(chats.chats[0]).to.be.instanceOf(Api.Channel);
    const nonMember = world.chats.createSupergroup('elsewhere', ALICE, []);
    const elsewhere = new Api.InputChannel({ channelId: long(nonMember), accessHash: long(0) });
    expect(await errorOf(rpc.invoke(ctx(BOT), new Api.channels.GetChannels({ id: [elsewhere] })))).to.equal('CHANNEL_INVALID');
  });

  it('finds a bad hash nested inside a request (InputDialogPeer of getPeerDialogs)', async () => {
    const rpc = createRpcHandler(world);
    const dialogs = (hash: number) => new Api.messages.GetPeerDialogs({ peers: [new Api.InputDialogPeer({ peer: peerUser(BOT, hash) })] });
    expect(await errorOf(rpc.invoke(ctx(ALICE), dialogs(hashOf(BOT) + 1)))).to.equal('PEER_ID_INVALID');
    expect(await rpc.invoke(ctx(ALICE), dialogs(hashOf(BOT)))).to.be.instanceOf(Api.messages.PeerDialogs);
  });
});
