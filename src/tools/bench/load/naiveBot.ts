/**
 * The baseline of `bench load`: the bot the reports this replaces ran — a stock GramJS client
 * whose handler answers every new private message at once, with no queue, no rate limiting and
 * GramJS's own silent FLOOD_WAIT sleeps (its default floodSleepThreshold of 60 s).
 */
import { randomBytes } from 'node:crypto';
import { Api, type TelegramClient } from 'telegram';
import { connectBenchBot } from '../upload/benchClient.js';
import type { SandboxDescription } from '../../../telegram/connection/sandbox.js';

export interface NaiveBot {
  /** Sends that failed (a FLOOD_WAIT longer than GramJS sleeps through, or any other error). */
  readonly failedSends: number;
  stop(): Promise<void>;
}

/** (user id, message id) of an incoming private message in a raw update, else null. */
function incomingPrivate(update: unknown): { userId: string; id: number } | null {
  if (update instanceof Api.UpdateShortMessage && !update.out) return { userId: update.userId.toString(), id: update.id };
  if (update instanceof Api.UpdateNewMessage && update.message instanceof Api.Message && !update.message.out && update.message.peerId instanceof Api.PeerUser) {
    return { userId: update.message.peerId.userId.toString(), id: update.message.id };
  }
  return null;
}

export async function startNaiveBot(sandbox: SandboxDescription): Promise<NaiveBot> {
  const client: TelegramClient = await connectBenchBot(sandbox);
  let failedSends = 0;
  client.addEventHandler((update: unknown) => {
    const message = incomingPrivate(update);
    if (!message) return;
    // access_hash 0: what a bot may use for a user who wrote to it (the emulator models this).
    const peer = new Api.InputPeerUser({ userId: message.userId as unknown as Api.long, accessHash: 0 as unknown as Api.long });
    client
      .invoke(
        new Api.messages.SendMessage({
          peer,
          message: 'Send me a video, audio or document, or a link to one.',
          replyTo: new Api.InputReplyToMessage({ replyToMsgId: message.id }),
          randomId: randomBytes(8).readBigInt64LE() as unknown as Api.long,
        }),
      )
      .catch(() => failedSends++);
  });
  return {
    get failedSends() {
      return failedSends;
    },
    stop: async () => {
      await client.destroy().catch(() => undefined);
    },
  };
}
