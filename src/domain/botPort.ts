/**
 * What the bot sees of Telegram: a few verbs out (BotPort). No GramJS type crosses this line, so
 * the router and commands run against a fake port in unit tests, and the GramJS implementation
 * (src/telegram/outbox/gramBotPort.ts) is the only place that knows the TL schema.
 */
import type { ChatRef } from './chat.js';
import type { MediaRef } from './media.js';

export type Button = { text: string; data: string } | { text: string; url: string };

export interface SendOptions {
  /** The message this one answers; shown as a quote in the user's app. */
  replyTo?: number;
  /**
   * Telegram drops a second send with the same random_id (RANDOM_ID_DUPLICATE), so a reply
   * re-sent after a crash must reuse the id of the first attempt (see replyRandomId).
   */
  randomId: bigint;
  buttons?: Button[][];
  /**
   * 'bulk' (broadcasts) goes only when no live reply is ready and leaves the limiter's burst
   * reserve to live replies (src/telegram/outbox/rateLimiter.ts); default 'live'.
   */
  lane?: 'live' | 'bulk';
}

export interface SentMessage {
  /** The new message's id; null when Telegram reported the random id as already used. */
  messageId: number | null;
  duplicate: boolean;
}

export interface BotPort {
  /**
   * Throws RecipientBlockedError / RecipientDeactivatedError (recipientErrors.ts) when Telegram
   * says the user blocked the bot or deleted their account.
   */
  sendText(chat: ChatRef, text: string, opts: SendOptions): Promise<SentMessage>;
  editText(chat: ChatRef, messageId: number, text: string, opts?: { buttons?: Button[][] }): Promise<void>;
  /** Every callback query must be answered, or the user's button spins until it times out. */
  answerCallback(queryId: string, text?: string): Promise<void>;
  /** Milliseconds of one request/response round trip to Telegram. */
  ping(): Promise<number>;
  /**
   * Sends a file already on Telegram's servers again (messages.sendMedia with its stored
   * reference; nothing is uploaded), with an optional caption. Errors as sendText.
   */
  sendMedia?(chat: ChatRef, media: MediaRef['location'], opts: SendOptions & { caption?: string }): Promise<SentMessage>;
  /** The user or chat behind a public @username (contacts.resolveUsername), or null when there is none. */
  resolveUsername?(username: string): Promise<ChatRef | null>;
  /**
   * The language of a user's Telegram app as Telegram shares it with bots (users.getUsers, the
   * user's lang_code), or null when it shares none. For updates that came without a user object.
   */
  userLangCode?(user: { id: string; accessHash?: string }): Promise<string | null>;
}
