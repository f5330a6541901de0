/**
 * The bot's port (src/bot/port.ts) over GramJS. Sends carry the caller's random_id, so a send
 * repeated after a crash or a FLOOD_WAIT is dropped by Telegram as RANDOM_ID_DUPLICATE, which
 * counts as delivered (core.telegram.org/method/messages.sendMessage). Short flood waits are slept
 * by GramJS itself (floodSleepThreshold); longer ones up to `maxFloodWaitSeconds` are waited here
 * and the request repeated; beyond that the error goes to the caller.
 */
import { Api, type TelegramClient } from 'telegram';
import { FloodWaitError, RPCError } from 'telegram/errors/index.js';
import { returnBigInt } from 'telegram/Helpers.js';
import type { BotPort, Button, SendOptions, SentMessage } from '../../domain/botPort.js';
import type { ChatRef } from '../../domain/chat.js';

export interface GramBotPortOptions {
  maxFloodWaitSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Receives the Updates a send or edit returns. They carry the pts the request used, and the
   * update engine must see them, or the next pushed update looks like a gap.
   */
  onUpdates?: (updates: Api.TypeUpdates) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function rpcErrorCode(err: unknown): string | null {
  return err instanceof RPCError ? err.errorMessage : null;
}

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

/** The id of the message a send created, from whichever shape of Updates the server answered with. */
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

/**
 * Runs `call`, waiting out FLOOD_WAITs up to `maxWaitSeconds` and repeating it; a longer one, or
 * any other error, goes to the caller. The request must be safe to repeat (a random_id makes it so).
 */
export async function withFloodWait<T>(
  call: () => Promise<T>,
  options: { maxWaitSeconds: number; sleep: (ms: number, signal?: AbortSignal) => Promise<void>; signal?: AbortSignal },
): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (err instanceof FloodWaitError && err.seconds <= options.maxWaitSeconds && !options.signal?.aborted) {
        await options.sleep(err.seconds * 1000, options.signal);
        continue;
      }
      throw err;
    }
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

export function createGramBotPort(client: TelegramClient, options: GramBotPortOptions = {}): BotPort {
  const floodWait = { maxWaitSeconds: options.maxFloodWaitSeconds ?? 60, sleep: options.sleep ?? defaultSleep };
  const peerFor = (chat: ChatRef) => resolveInputPeer(client, chat);

  return {
    async sendText(chat: ChatRef, text: string, opts: SendOptions): Promise<SentMessage> {
      const peer = await peerFor(chat);
      const request = () =>
        client.invoke(
          new Api.messages.SendMessage({
            peer,
            message: text,
            randomId: returnBigInt(opts.randomId),
            ...(opts.replyTo !== undefined ? { replyTo: new Api.InputReplyToMessage({ replyToMsgId: opts.replyTo }) } : {}),
            ...(opts.buttons ? { replyMarkup: inlineMarkupOf(opts.buttons) } : {}),
          }),
        );
      try {
        const result = await withFloodWait(request, floodWait);
        options.onUpdates?.(result);
        return { messageId: sentMessageId(result, opts.randomId), duplicate: false };
      } catch (err) {
        if (rpcErrorCode(err) === 'RANDOM_ID_DUPLICATE') return { messageId: null, duplicate: true };
        throw err;
      }
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
  };
}
