/**
 * What the bot sees of Telegram: plain data in (Incoming), a few verbs out (BotPort). No GramJS
 * type crosses this line, so the router and commands run against a fake port in unit tests, and
 * the GramJS implementation (src/telegram/botPort.ts) is the only place that knows the TL schema.
 */

/** A chat as plain data. Ids and access hashes are decimal strings (they are 64-bit). */
export interface ChatRef {
  kind: 'user' | 'chat' | 'channel';
  id: string;
  /** Present for users and channels; basic groups have none. */
  accessHash?: string;
}

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
}

export interface SentMessage {
  /** The new message's id; null when Telegram reported the random id as already used. */
  messageId: number | null;
  duplicate: boolean;
}

export interface BotPort {
  sendText(chat: ChatRef, text: string, opts: SendOptions): Promise<SentMessage>;
  editText(chat: ChatRef, messageId: number, text: string, opts?: { buttons?: Button[][] }): Promise<void>;
  /** Every callback query must be answered, or the user's button spins until it times out. */
  answerCallback(queryId: string, text?: string): Promise<void>;
  /** Milliseconds of one request/response round trip to Telegram. */
  ping(): Promise<number>;
}

interface IncomingBase {
  /** Names this update for good: the same message or query delivered twice has the same key. */
  updateKey: string;
  chat: ChatRef;
  senderId: string;
  /** The user's client language (IETF tag, e.g. "fa" or "ru-RU"), when Telegram shares it. */
  langCode?: string;
  /** Unix seconds when Telegram received the message or query. */
  date: number;
}

export interface IncomingMessage extends IncomingBase {
  kind: 'message';
  messageId: number;
  text: string;
}

export interface IncomingCallback extends IncomingBase {
  kind: 'callback';
  queryId: string;
  /** The message that carries the pressed button. */
  messageId: number;
  data: string;
}

export type Incoming = IncomingMessage | IncomingCallback;
