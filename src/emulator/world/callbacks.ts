/**
 * Inline-button callback queries (core.telegram.org/api/bots/buttons, messages.getBotCallbackAnswer,
 * messages.setBotCallbackAnswer, updateBotCallbackQuery).
 *
 * A user presses a button: their messages.getBotCallbackAnswer call stays open while the bot gets
 * updateBotCallbackQuery, pushed as updateShort (callback queries carry no pts or qts: they are
 * never replayed by getDifference). The bot's messages.setBotCallbackAnswer resolves the user's
 * call with messages.botCallbackAnswer. A bot that does not answer in time makes the user's call
 * fail with BOT_RESPONSE_TIMEOUT; answering afterwards, or twice, is QUERY_ID_INVALID.
 * Pending queries live in memory: an emulator restart forgets them, as Telegram's expire.
 */
import { Api } from 'telegram';
import { createHash, randomBytes } from 'node:crypto';
import { RpcError } from '../contract.js';
import { long } from './db.js';
import type { PeerRef, UserDirectory } from './chats.js';
import type { Messaging } from './messages.js';
import { type MessageStore, toApiPeer, userBox } from './messageStore.js';
import type { LivePush } from './updates.js';

/** Runs `fn` after `ms` milliseconds of the world's clock; returns a cancel function. */
export type Schedule = (ms: number, fn: () => void) => () => void;

export interface CallbackDeps {
  messaging: Messaging;
  store: MessageStore;
  users: UserDirectory;
  push: LivePush;
  schedule: Schedule;
  /** How long a user's call waits for the bot's answer. */
  timeoutMs: number;
  /** The world's clock in unix seconds. */
  nowSec: () => number;
}

export interface CallbackAnswer {
  message?: string;
  alert?: boolean;
  url?: string;
  cacheTime: number;
}

interface Pending {
  botId: number;
  resolve(a: Api.messages.BotCallbackAnswer): void;
  reject(e: Error): void;
  cancelTimer(): void;
}

export class CallbackQueries {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly d: CallbackDeps) {}

  /** The user's side: resolves with the bot's answer or rejects with BOT_RESPONSE_TIMEOUT. */
  ask(userId: number, peer: PeerRef, msgId: number, data: Buffer | undefined): Promise<Api.messages.BotCallbackAnswer> {
    const s = this.d.messaging.find(userId, peer, msgId);
    const botId = s.fromId;
    if (!this.d.users.isBot(botId)) throw new RpcError(400, 'BOT_INVALID');
    if (!hasCallbackButton(s.message.replyMarkup, data)) throw new RpcError(400, 'DATA_INVALID');
    // The bot sees the message under its own id (private chats and basic groups have one id space per account).
    const botMsgId = 'channel' in peer ? s.id : this.d.store.copyIn(userBox(botId), s.origin)?.id;
    if (botMsgId === undefined) throw new RpcError(400, 'MESSAGE_ID_INVALID');
    const botPeer: PeerRef = 'user' in peer ? { user: userId } : peer;
    const queryId = randomBytes(8).readBigInt64LE(0);
    const update = new Api.UpdateBotCallbackQuery({
      queryId: long(queryId),
      userId: long(userId),
      peer: toApiPeer(botPeer, long),
      msgId: botMsgId,
      chatInstance: long(chatInstance(botPeer, botId)),
      ...(data ? { data } : {}),
    });
    const answer = new Promise<Api.messages.BotCallbackAnswer>((resolve, reject) => {
      const key = queryId.toString();
      const cancelTimer = this.d.schedule(this.d.timeoutMs, () => {
        if (this.pending.delete(key)) reject(new RpcError(400, 'BOT_RESPONSE_TIMEOUT'));
      });
      this.pending.set(key, { botId, resolve, reject, cancelTimer });
    });
    // Telegram sends the query in an `updates` container that carries the pressing user, so a bot
    // that never met them can still read who pressed (mtcute requires it; updateShort has no users).
    // SIMPLIFICATION: the group or channel of a non-private callback is not included in `chats`.
    this.d.push.toUser(botId, new Api.Updates({ updates: [update], users: [this.d.users.toApiUser(userId, botId)], chats: [], date: this.d.nowSec(), seq: 0 }));
    return answer;
  }

  /** The bot's side (messages.setBotCallbackAnswer). */
  answer(botId: number, queryId: bigint, a: CallbackAnswer): void {
    const key = queryId.toString();
    const p = this.pending.get(key);
    if (!p || p.botId !== botId) throw new RpcError(400, 'QUERY_ID_INVALID');
    this.pending.delete(key);
    p.cancelTimer();
    p.resolve(
      new Api.messages.BotCallbackAnswer({
        alert: a.alert ?? false,
        hasUrl: a.url !== undefined,
        ...(a.message !== undefined ? { message: a.message } : {}),
        ...(a.url !== undefined ? { url: a.url } : {}),
        cacheTime: a.cacheTime,
      }),
    );
  }

  /** Queries still waiting for their bot. */
  pendingCount(): number {
    return this.pending.size;
  }

  /** Fails every waiting call (the world is closing). */
  close(): void {
    for (const p of this.pending.values()) {
      p.cancelTimer();
      p.reject(new RpcError(400, 'BOT_RESPONSE_TIMEOUT'));
    }
    this.pending.clear();
  }
}

function hasCallbackButton(markup: Api.TypeReplyMarkup | undefined, data: Buffer | undefined): boolean {
  if (!(markup instanceof Api.ReplyInlineMarkup)) return false;
  for (const row of markup.rows) {
    for (const b of row.buttons) {
      if (b instanceof Api.KeyboardButtonCallback && data !== undefined && Buffer.from(b.data).equals(data)) return true;
    }
  }
  return false;
}

/** A stable identifier of "this chat as seen by this bot", as chat_instance is documented. */
function chatInstance(peer: PeerRef, botId: number): bigint {
  const key = `${JSON.stringify(peer)}:${botId}`;
  return createHash('sha256').update(key).digest().readBigInt64LE(0);
}
