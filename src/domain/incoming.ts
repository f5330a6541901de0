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

/** The key that names a chat in the inbox's per-chat order and in the send limits: "user:1001", "chat:555", "channel:777". */
export function chatKeyOf(chat: Pick<ChatRef, 'kind' | 'id'>): string {
  return `${chat.kind}:${chat.id}`;
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

/**
 * A file attached to a message, as plain data: enough to offer actions before anything is
 * downloaded, and to fetch it later through upload.getFile (even after a restart: it is stored in
 * the inbox and in the job row as JSON). Ids, access hashes and sizes are decimal strings / numbers
 * as noted; `fileReference` is base64.
 */
export interface MediaRef {
  /** What Telegram's attributes say the file is; `photo` is a compressed photo (not a document). */
  kind: 'video' | 'audio' | 'voice' | 'animation' | 'document' | 'photo';
  location: {
    type: 'document' | 'photo';
    id: string;
    accessHash: string;
    /** base64 of file_reference. */
    fileReference: string;
    dcId: number;
    /** photo only: the size type to fetch (the largest), e.g. "y". */
    thumbSize?: string;
  };
  sizeBytes: number;
  mimeType: string;
  /** From documentAttributeFilename, raw (never used as a path: see safeJobFileName). */
  fileName?: string;
  durationSeconds?: number;
  width?: number;
  height?: number;
  title?: string;
  performer?: string;
}

export interface IncomingMessage extends IncomingBase {
  kind: 'message';
  messageId: number;
  /** The text, or the caption of a media message ('' when none). */
  text: string;
  media?: MediaRef;
}

export interface IncomingCallback extends IncomingBase {
  kind: 'callback';
  queryId: string;
  /** The message that carries the pressed button. */
  messageId: number;
  data: string;
}

export type Incoming = IncomingMessage | IncomingCallback;
