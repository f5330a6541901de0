/**
 * Errors Courier relies on, as the pinned GramJS client receives them over the wire: a reused
 * random_id is RANDOM_ID_DUPLICATE with code 500 (the messages.sendMessage errors list it so), and
 * a peer named with an access_hash the account was not given is PEER_ID_INVALID.
 */
import { expect } from 'chai';
import bigInt from 'big-integer';
import { Api, type TelegramClient } from 'telegram';
import { startBotAndUser, type TestEmulator } from '../helpers/emulator.js';

async function rpcFailure(p: Promise<unknown>): Promise<{ code: number | undefined; errorMessage: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'the call should have failed').to.be.an('error');
  const { code, errorMessage } = err as { code?: number; errorMessage?: string };
  return { code, errorMessage: errorMessage ?? String(err) };
}

describe('emulator over the wire: RPC errors Courier relies on', () => {
  let emu: TestEmulator;
  let bot: TelegramClient;
  let user: TelegramClient;
  let stop: (() => Promise<void>) | undefined;

  before(async () => {
    ({ emu, bot, user, stop } = await startBotAndUser({ limits: { enabled: false } }));
  });
  after(async () => stop?.());

  it('a reused random_id reaches GramJS as a 500 RANDOM_ID_DUPLICATE at once, and nothing is sent twice', async () => {
    const alice = emu.sandbox.users[0]!.user_id;
    // Bots may name a user with access_hash 0.
    const peer = new Api.InputPeerUser({ userId: bigInt(alice), accessHash: bigInt(0) });
    const send = () => bot.invoke(new Api.messages.SendMessage({ peer, message: 'once', randomId: bigInt('7777777777') }));
    expect(await send()).to.be.instanceOf(Api.UpdateShortSentMessage);
    expect(await rpcFailure(send())).to.deep.equal({ code: 500, errorMessage: 'RANDOM_ID_DUPLICATE' });
    const history = (await user.invoke(
      new Api.messages.GetHistory({ peer: emu.sandbox.bot_username, limit: 10, offsetId: 0, offsetDate: 0, addOffset: 0, maxId: 0, minId: 0, hash: bigInt(0) }),
    )) as Api.messages.Messages;
    expect(history.messages.filter((m) => m instanceof Api.Message && m.message === 'once')).to.have.length(1);
  });

  it('a user naming the bot with a wrong access_hash gets PEER_ID_INVALID; the hash it was given works', async () => {
    const botEntity = (await user.getEntity(emu.sandbox.bot_username)) as Api.User;
    const wrong = new Api.InputPeerUser({ userId: botEntity.id, accessHash: botEntity.accessHash!.add(1) });
    expect(await rpcFailure(user.invoke(new Api.messages.SendMessage({ peer: wrong, message: 'x', randomId: bigInt(1) })))).to.deep.equal({
      code: 400,
      errorMessage: 'PEER_ID_INVALID',
    });
    const right = new Api.InputPeerUser({ userId: botEntity.id, accessHash: botEntity.accessHash! });
    expect(await user.invoke(new Api.messages.SendMessage({ peer: right, message: 'y', randomId: bigInt(2) }))).to.be.instanceOf(Api.UpdateShortSentMessage);
  });
});
