/**
 * Where a job's input comes from, and the schema that reads it back as stored (inbox rows, offers,
 * job rows): a row may come from an older Courier. One schema for every table that keeps it.
 */
import { z } from 'zod';
import { mediaRefSchema, type MediaRef } from './media.js';

/** Where a job's input comes from. */
export type JobSource = { kind: 'telegram'; media: MediaRef } | { kind: 'link'; url: string };

export const jobSourceSchema: z.ZodType<JobSource> = z.union([
  z.object({ kind: z.literal('telegram'), media: mediaRefSchema }),
  z.object({ kind: z.literal('link'), url: z.string() }),
]);
