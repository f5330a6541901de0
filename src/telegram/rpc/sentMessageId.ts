/**
 * The id of the message a send created (messages.sendMessage, messages.sendMedia), read from
 * whichever shape of Updates the server answered with: updateShortSentMessage carries it directly;
 * otherwise updateMessageID pairs it with the send's random_id (core.telegram.org/api/updates),
 * and failing that the new message itself says.
 */
import { Api } from 'telegram';

export function sentMessageId(result: Api.TypeUpdates, randomId: bigint): number | null {
  if (result instanceof Api.UpdateShortSentMessage) return result.id;
  if (result instanceof Api.Updates || result instanceof Api.UpdatesCombined) {
    for (const u of result.updates) {
      if (u instanceof Api.UpdateMessageID && u.randomId !== undefined && BigInt(u.randomId.toString()) === randomId) return u.id;
    }
    for (const u of result.updates) {
      if ((u instanceof Api.UpdateNewMessage || u instanceof Api.UpdateNewChannelMessage) && u.message instanceof Api.Message) return u.message.id;
    }
  }
  return null;
}
