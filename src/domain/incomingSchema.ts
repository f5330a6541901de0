/**
 * Incoming as read back from the inbox: the row was written by Courier, but possibly by an older
 * version of it, so it is checked rather than trusted. A row that does not parse is skipped with
 * a log line naming it, instead of crashing every restart on it.
 */
import { z } from 'zod';
import { mediaRefSchema } from './jobSource.js';
import type { Incoming } from './incoming.js';

const decimal = z.string().regex(/^-?\d+$/);
const chat = z.object({ kind: z.enum(['user', 'chat', 'channel']), id: decimal, accessHash: decimal.optional() });

const media = mediaRefSchema;

const base = { updateKey: z.string().min(1), chat, senderId: decimal, langCode: z.string().optional(), date: z.number().int() };

export const incomingSchema: z.ZodType<Incoming> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('message'), ...base, messageId: z.number().int(), text: z.string(), media: media.optional() }),
  z.object({ kind: z.literal('callback'), ...base, queryId: decimal, messageId: z.number().int(), data: z.string() }),
]) as z.ZodType<Incoming>;
