/**
 * The bot's port (src/domain/botPort.ts) over GramJS. Sends carry the caller's random_id, so a send
 * repeated after a crash or a FLOOD_WAIT is dropped by Telegram as RANDOM_ID_DUPLICATE, which
 * counts as delivered (core.telegram.org/method/messages.sendMessage). Short flood waits are slept
 * by GramJS itself (floodSleepThreshold); longer ones up to `maxFloodWaitSeconds` are waited here
 * and the request repeated (src/telegram/rpc/floodWait.ts); beyond that the error goes to the caller.
 */
import { Api, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import type { BotPort, Button, SendOptions, SentMessage } from '../../domain/botPort.js';
import type { MediaRef } from '../../domain/media.js';
import type { ChatRef } from '../../domain/chat.js';
import { RecipientBlockedError, RecipientDeactivatedError } from '../../domain/recipientErrors.js';
import { withFloodWait } from '../rpc/floodWait.js';
import { resolveInputPeer } from '../rpc/inputPeer.js';
import { rpcErrorCode } from '../rpc/rpcErrors.js';
import { sentMessageId } from '../rpc/sentMessageId.js';

export interface GramBotPortOptions {
  maxFloodWaitSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Receives the Updates a send or edit returns. They carry the pts the request used, and the
   * update engine must see them, or the next pushed update looks like a gap.
   */
  onUpdates?: (updates: Api.TypeUpdates) => void;
}

/** A send's failure as the bot sees it: a duplicate is a success; blocked and deleted users get named errors. */
function sendFailure(err: unknown, chat: ChatRef): SentMessage {
  const code = rpcErrorCode(err);
  if (code === 'RANDOM_ID_DUPLICATE') return { messageId: null, duplicate: true };
  if (code === 'USER_IS_BLOCKED') throw new RecipientBlockedError(chat.id);
  if (code === 'INPUT_USER_DEACTIVATED' || code === 'USER_DEACTIVATED') throw new RecipientDeactivatedError(chat.id);
  throw err;
}

/** The InputMedia that sends a stored document or photo again. */
function storedMedia(location: MediaRef['location']): Api.TypeInputMedia {
  const fields = { id: returnBigInt(location.id), accessHash: returnBigInt(location.accessHash), fileReference: Buffer.from(location.fileReference, 'base64') };
  return location.type === 'photo' ? new Api.InputMediaPhoto({ id: new Api.InputPhoto(fields) }) : new Api.InputMediaDocument({ id: new Api.InputDocument(fields) });
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function inlineMarkupOf(buttons: Button[][] | undefined): Api.ReplyInlineMarkup | undefined {
  if (!buttons || buttons.length === 0) return undefined;
  return new Api.ReplyInlineMarkup({
    rows: buttons.map(
      (row) =>
        new Api.KeyboardButtonRow({
          buttons: row.map((b) =>
            'url' in b ? new Api.KeyboardButtonUrl({ text: b.text, url: b.url }) : new Api.KeyboardButtonCallback({ text: b.text, data: Buffer.from(b.data, 'utf8') }),
          ),
        }),
    ),
  });
}

export function createGramBotPort(client: TelegramClient, options: GramBotPortOptions = {}): BotPort {
  const floodWait = { maxWaitSeconds: options.maxFloodWaitSeconds ?? 60, sleep: options.sleep ?? defaultSleep };
  const peerFor = (chat: ChatRef) => resolveInputPeer(client, chat);

  /**
   * One send (text or media) under the caller's random_id: the fields every send shares, FLOOD_WAIT
   * handled, the Updates fed to the engine, and a failure turned into what the port promises.
   */
  async function send(
    chat: ChatRef,
    opts: SendOptions,
    build: (common: { peer: Api.TypeInputPeer; randomId: Api.long; replyTo?: Api.InputReplyToMessage; replyMarkup?: Api.TypeReplyMarkup }) => Api.AnyRequest,
  ): Promise<SentMessage> {
    const peer = await peerFor(chat);
    const common = {
      peer,
      randomId: returnBigInt(opts.randomId),
      ...(opts.replyTo !== undefined ? { replyTo: new Api.InputReplyToMessage({ replyToMsgId: opts.replyTo }) } : {}),
      ...(opts.buttons ? { replyMarkup: inlineMarkupOf(opts.buttons) } : {}),
    };
    try {
      const result = (await withFloodWait(() => client.invoke(build(common)), floodWait)) as Api.TypeUpdates;
      options.onUpdates?.(result);
      return { messageId: sentMessageId(result, opts.randomId), duplicate: false };
    } catch (err) {
      return sendFailure(err, chat);
    }
  }

  return {
    async sendText(chat: ChatRef, text: string, opts: SendOptions): Promise<SentMessage> {
      return send(chat, opts, (common) => new Api.messages.SendMessage({ ...common, message: text }));
    },

    async sendMedia(chat: ChatRef, location: MediaRef['location'], opts: SendOptions & { caption?: string }): Promise<SentMessage> {
      return send(chat, opts, (common) => new Api.messages.SendMedia({ ...common, media: storedMedia(location), message: opts.caption ?? '' }));
    },

    async editText(chat: ChatRef, messageId: number, text: string, opts: { buttons?: Button[][] } = {}): Promise<void> {
      const peer = await peerFor(chat);
      try {
        // No buttons: an empty keyboard says so explicitly (a status message that ended loses its Cancel).
        const replyMarkup = inlineMarkupOf(opts.buttons) ?? new Api.ReplyInlineMarkup({ rows: [] });
        const result = await withFloodWait(() => client.invoke(new Api.messages.EditMessage({ peer, id: messageId, message: text, replyMarkup })), floodWait);
        options.onUpdates?.(result);
      } catch (err) {
        // Editing to the same text is a success for the caller: the message shows what it wanted.
        if (rpcErrorCode(err) !== 'MESSAGE_NOT_MODIFIED') throw err;
      }
    },

    async answerCallback(queryId: string, text?: string): Promise<void> {
      try {
        await client.invoke(new Api.messages.SetBotCallbackAnswer({ queryId: returnBigInt(queryId), cacheTime: 0, ...(text !== undefined ? { message: text } : {}) }));
      } catch (err) {
        // A query older than Telegram's answer window cannot be answered any more; the user's app has moved on.
        if (rpcErrorCode(err) !== 'QUERY_ID_INVALID') throw err;
      }
    },

    async ping(): Promise<number> {
      const started = performance.now();
      await client.invoke(new Api.updates.GetState());
      return performance.now() - started;
    },

    async resolveUsername(username: string): Promise<ChatRef | null> {
      try {
        const found = await client.invoke(new Api.contacts.ResolveUsername({ username: username.replace(/^@/, '') }));
        const user = found.users.find((u) => u instanceof Api.User && found.peer instanceof Api.PeerUser && u.id.toString() === found.peer.userId.toString());
        if (user instanceof Api.User) return { kind: 'user', id: user.id.toString(), ...(user.accessHash !== undefined ? { accessHash: user.accessHash.toString() } : {}) };
        return null;
      } catch (err) {
        if (rpcErrorCode(err) === 'USERNAME_NOT_OCCUPIED' || rpcErrorCode(err) === 'USERNAME_INVALID') return null;
        throw err;
      }
    },

    async userLangCode(user: { id: string; accessHash?: string }): Promise<string | null> {
      // Without a known hash the user is named with 0, as GramJS does for bots (getInputEntity); should
      // Telegram refuse it, the caller treats the language as unknown.
      const input = new Api.InputUser({ userId: returnBigInt(user.id), accessHash: returnBigInt(user.accessHash ?? '0') });
      const [found] = await withFloodWait(() => client.invoke(new Api.users.GetUsers({ id: [input] })), floodWait);
      return found instanceof Api.User && found.langCode ? found.langCode : null;
    },
  };
}
