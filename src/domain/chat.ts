/**
 * A chat as plain data, the key that names it in the inbox and the send limits, and the one schema
 * that reads a stored ChatRef back (rows may come from an older Courier, so they are checked).
 */
import { z } from 'zod';

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

const decimal = z.string().regex(/^-?\d+$/, 'a decimal id');

export const chatRefSchema: z.ZodType<ChatRef> = z.object({ kind: z.enum(['user', 'chat', 'channel']), id: decimal, accessHash: decimal.optional() });
