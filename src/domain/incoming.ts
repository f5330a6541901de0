/**
 * An update the bot handles, as plain data (Incoming), and the schema that reads it back from
 * the inbox: the row was written by Courier, but possibly by an older version of it, so it is
 * checked rather than trusted. A row that does not parse is skipped with a log line naming it,
 * instead of crashing every restart on it.
 */
import { z } from 'zod';
import { chatRefSchema, type ChatRef } from './chat.js';
import { mediaRefSchema, type MediaRef } from './media.js';

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

const decimal = z.string().regex(/^-?\d+$/);

const base = { updateKey: z.string().min(1), chat: chatRefSchema, senderId: decimal, langCode: z.string().optional(), date: z.number().int() };

export const incomingSchema: z.ZodType<Incoming> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('message'), ...base, messageId: z.number().int(), text: z.string(), media: mediaRefSchema.optional() }),
  z.object({ kind: z.literal('callback'), ...base, queryId: decimal, messageId: z.number().int(), data: z.string() }),
]) as z.ZodType<Incoming>;
