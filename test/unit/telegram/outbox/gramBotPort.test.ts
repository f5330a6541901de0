import { expect } from 'chai';
import { returnBigInt } from 'telegram/Helpers.js';
import { Api, type TelegramClient } from 'telegram';
import { RPCError } from 'telegram/errors/index.js';
import { RecipientBlockedError, RecipientDeactivatedError } from '../../../../src/domain/recipientErrors.js';
import { createGramBotPort, inlineMarkupOf } from '../../../../src/telegram/outbox/gramBotPort.js';
import { inputPeerOf } from '../../../../src/telegram/rpc/inputPeer.js';
import { sentMessageId } from '../../../../src/telegram/rpc/sentMessageId.js';

const long = (v: number | string) => returnBigInt(String(v));

describe('bot port over GramJS: request shapes', () => {
  it('chat refs become input peers with their access hashes', () => {
    const user = inputPeerOf({ kind: 'user', id: '1001', accessHash: '-77' }) as Api.InputPeerUser;
    expect(user).to.be.instanceOf(Api.InputPeerUser);
    expect(user.userId.toString()).to.equal('1001');
    expect(user.accessHash.toString()).to.equal('-77');
    expect(inputPeerOf({ kind: 'chat', id: '555' })).to.be.instanceOf(Api.InputPeerChat);
  });

  it('buttons become an inline keyboard of callback and url buttons', () => {
    const markup = inlineMarkupOf([[{ text: 'Info', data: 'act:info' }], [{ text: 'Site', url: 'https://example.org' }]])!;
    expect(markup.rows).to.have.length(2);
    const cb = markup.rows[0]!.buttons[0] as Api.KeyboardButtonCallback;
    expect(Buffer.from(cb.data).toString()).to.equal('act:info');
    expect(markup.rows[1]!.buttons[0]).to.be.instanceOf(Api.KeyboardButtonUrl);
    expect(inlineMarkupOf([])).to.equal(undefined);
  });

  it('the sent message id is found by its random id in any answer shape', () => {
    expect(sentMessageId(new Api.UpdateShortSentMessage({ id: 5, pts: 1, ptsCount: 1, date: 1 }), 1n)).to.equal(5);
    const updates = new Api.Updates({
      updates: [new Api.UpdateMessageID({ id: 8, randomId: long('-42') }), new Api.UpdateMessageID({ id: 9, randomId: long('42') })],
      users: [],
      chats: [],
      date: 1,
      seq: 0,
    });
    expect(sentMessageId(updates, 42n)).to.equal(9);
    expect(sentMessageId(updates, -42n)).to.equal(8);
  });
});

describe('bot port over GramJS: users who cannot be reached', () => {
  const failingClient = (errorMessage: string) =>
    ({
      invoke: async () => {
        throw new RPCError(errorMessage, new Api.messages.SendMessage({ peer: new Api.InputPeerEmpty(), message: '', randomId: long(1) }), 400);
      },
      getInputEntity: async () => new Api.InputPeerEmpty(),
    }) as unknown as TelegramClient;
  const bob = { kind: 'user' as const, id: '1002', accessHash: '5' };

  it('USER_IS_BLOCKED and INPUT_USER_DEACTIVATED come out as named errors naming the user', async () => {
    const blocked = await createGramBotPort(failingClient('USER_IS_BLOCKED')).sendText(bob, 'x', { randomId: 1n }).catch((e: unknown) => e);
    expect(blocked).to.be.instanceOf(RecipientBlockedError).and.have.property('userId', '1002');
    for (const code of ['INPUT_USER_DEACTIVATED', 'USER_DEACTIVATED']) {
      const gone = await createGramBotPort(failingClient(code)).sendText(bob, 'x', { randomId: 1n }).catch((e: unknown) => e);
      expect(gone, code).to.be.instanceOf(RecipientDeactivatedError);
    }
    const other = await createGramBotPort(failingClient('PEER_ID_INVALID')).sendText(bob, 'x', { randomId: 1n }).catch((e: unknown) => e);
    expect(other).to.be.instanceOf(RPCError);
  });
});
