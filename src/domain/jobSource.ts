/**
 * The shape of a job's input as stored (inbox rows, offers, job rows): read back through zod,
 * because a row may come from an older Courier. One schema for every table that keeps it.
 */
import { z } from 'zod';
import type { MediaRef } from './incoming.js';
import type { JobSource } from './mediaPorts.js';

export const mediaRefSchema: z.ZodType<MediaRef> = z.object({
  kind: z.enum(['video', 'audio', 'voice', 'animation', 'document', 'photo']),
  location: z.object({
    type: z.enum(['document', 'photo']),
    id: z.string().min(1),
    accessHash: z.string(),
    fileReference: z.string(),
    dcId: z.number().int(),
    thumbSize: z.string().optional(),
  }),
  sizeBytes: z.number().nonnegative(),
  mimeType: z.string(),
  fileName: z.string().optional(),
  durationSeconds: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  title: z.string().optional(),
  performer: z.string().optional(),
});

export const jobSourceSchema: z.ZodType<JobSource> = z.union([
  z.object({ kind: z.literal('telegram'), media: mediaRefSchema }),
  z.object({ kind: z.literal('link'), url: z.string() }),
]);
