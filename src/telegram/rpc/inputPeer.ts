/**
 * The InputPeer a request addresses a chat with. A ChatRef carries the access hash Telegram gave
 * with the chat (core.telegram.org/api/peers); a basic group needs none.
 */
import { Api, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import type { ChatRef } from '../../domain/chat.js';

export function inputPeerOf(chat: ChatRef): Api.TypeInputPeer {
  const id = returnBigInt(chat.id);
  const accessHash = returnBigInt(chat.accessHash ?? '0');
  switch (chat.kind) {
    case 'user':
      return new Api.InputPeerUser({ userId: id, accessHash });
    case 'chat':
      return new Api.InputPeerChat({ chatId: id });
    case 'channel':
      return new Api.InputPeerChannel({ channelId: id, accessHash });
  }
}

/** The input peer of a chat; one met without its access hash (e.g. in a short update) comes from GramJS's entity cache. */
export async function resolveInputPeer(client: Pick<TelegramClient, 'getInputEntity'>, chat: ChatRef): Promise<Api.TypeInputPeer> {
  if (chat.accessHash === undefined && chat.kind !== 'chat') {
    const id = returnBigInt(chat.id);
    return client.getInputEntity(chat.kind === 'user' ? new Api.PeerUser({ userId: id }) : new Api.PeerChannel({ channelId: id }));
  }
  return inputPeerOf(chat);
}
