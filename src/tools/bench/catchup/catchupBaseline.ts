/**
 * The baseline of `bench catchup`: a stock GramJS bot (no Courier patches, no update engine)
 * logged in through src/telegram/mediaUploadBench.ts's connectBenchBot, counting the new
 * messages its handler sees. It goes offline, the backlog is sent, it comes back and calls
 * client.catchUp() — absent from GramJS 2.26.22's client, an empty TODO in its sources — then listens for a bounded
 * window. Whatever it counts is what a stock GramJS bot recovers of the backlog.
 *
 * The handler is GramJS's default (Raw) event: src/bench may not import GramJS (its event
 * classes included; test/unit/architecture/boundaries.test.ts), and counting raw
 * updateNewMessage / updateShortMessage updates from other users is the set NewMessage would fire
 * on in private chats.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { connectBenchBot } from '../upload/benchClient.js';
import type { SandboxDescription } from '../../../telegram/connection/sandbox.js';
import { errorMessage } from '../../../log/logger.js';

export interface BaselineResult {
  recovered: number;
  /** How long it listened after catchUp() returned. */
  waitSeconds: number;
  /** Whether the client had a catchUp() to call (GramJS 2.26.22: no). */
  catchUpAvailable: boolean;
  /** Set when the stock client could not log in or reconnect. */
  error?: string;
}

export interface StockBot {
  /** Reconnects, calls catchUp(), listens `waitSeconds`, disconnects for good; counts what arrived. */
  comeBack(waitSeconds: number): Promise<BaselineResult>;
}

/** New-message updates in a raw update, as GramJS's NewMessage event would see them (incoming only). */
function isIncomingMessage(update: unknown): boolean {
  const u = update as { className?: string; out?: boolean; message?: { out?: boolean } };
  if (u.className === 'UpdateShortMessage') return u.out !== true;
  if (u.className === 'UpdateNewMessage') return u.message?.out !== true;
  return false;
}

/** Logs the stock bot in, registers its handler and disconnects it: the bot is now "down". */
export async function stockBotGoesOffline(sandbox: SandboxDescription): Promise<StockBot> {
  const client = await connectBenchBot(sandbox);
  let seen = 0;
  let catchUpAvailable = false;
  client.addEventHandler((update: unknown) => {
    if (isIncomingMessage(update)) seen++;
  });
  await client.disconnect();
  return {
    async comeBack(waitSeconds) {
      try {
        await client.connect();
        // GramJS 2.26.22's TelegramClient has no catchUp method at all (client/updates.js has an
        // empty catchUp() marked TODO that the client does not expose); call it when present.
        const catchUp = (client as unknown as { catchUp?: () => unknown }).catchUp;
        catchUpAvailable = typeof catchUp === 'function';
        if (catchUpAvailable) await catchUp!.call(client);
        // A measurement window, not a synchronisation: anything pushed or fetched in it counts.
        await delay(waitSeconds * 1000);
        return { recovered: seen, waitSeconds, catchUpAvailable };
      } catch (err) {
        return { recovered: seen, waitSeconds, catchUpAvailable, error: errorMessage(err) };
      } finally {
        await client.destroy().catch(() => undefined);
      }
    },
  };
}
