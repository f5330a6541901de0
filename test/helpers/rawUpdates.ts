/**
 * Waits for a raw update GramJS delivers to a client's event handlers. The deadline only turns a
 * missing update into a readable failure; the test proceeds the moment the update arrives.
 */
import { Api, type TelegramClient } from 'telegram';
import { Raw } from 'telegram/events/index.js';

/** Every message a raw update carries, whatever its shape (short, combined or full). */
export function messagesIn(update: unknown): { id: number; text: string; out: boolean; peerUserId: string | null; message: Api.Message | null }[] {
  if (update instanceof Api.UpdateShortMessage) return [{ id: update.id, text: update.message, out: Boolean(update.out), peerUserId: update.userId.toString(), message: null }];
  if (update instanceof Api.UpdateNewMessage || update instanceof Api.UpdateNewChannelMessage) {
    const m = update.message;
    if (m instanceof Api.Message) {
      const peer = m.peerId instanceof Api.PeerUser ? m.peerId.userId.toString() : null;
      return [{ id: m.id, text: m.message, out: Boolean(m.out), peerUserId: peer, message: m }];
    }
    return [];
  }
  if (update instanceof Api.Updates || update instanceof Api.UpdatesCombined) return update.updates.flatMap((u) => messagesIn(u));
  return [];
}

export class UpdateTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`no ${what} within ${ms} ms`);
    this.name = 'UpdateTimeoutError';
  }
}

/** Resolves with the first raw update (or nested update) for which `pick` returns a value. */
export function nextUpdate<T>(client: TelegramClient, what: string, pick: (update: unknown) => T | undefined, ms = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const event = new Raw({});
    const handler = (update: unknown): void => {
      const inner = update instanceof Api.Updates || update instanceof Api.UpdatesCombined ? [update, ...update.updates] : [update];
      for (const u of inner) {
        const value = pick(u);
        if (value !== undefined) {
          clearTimeout(timer);
          client.removeEventHandler(handler, event);
          resolve(value);
          return;
        }
      }
    };
    const timer = setTimeout(() => {
      client.removeEventHandler(handler, event);
      reject(new UpdateTimeoutError(what, ms));
    }, ms);
    client.addEventHandler(handler, event);
  });
}

/** The next incoming message whose text is `text`. */
export function nextMessageWithText(client: TelegramClient, text: string, ms?: number): Promise<ReturnType<typeof messagesIn>[number]> {
  return nextUpdate(client, `message "${text}"`, (u) => messagesIn(u).find((m) => m.text === text), ms);
}
