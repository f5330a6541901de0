/**
 * Media as plain data: what a message's file is, enough to offer actions before anything is
 * downloaded and to fetch it later (the reference is stored in the inbox and the job row), and
 * the schema that reads a stored one back.
 */
import { z } from 'zod';

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

// --- a job's input --------------------------------------------------------------------------
// Read back with one schema from every table that keeps it (inbox rows, offers, job rows): a row
// may come from an older Courier.

/** Where a job's input comes from. */
export type JobSource = { kind: 'telegram'; media: MediaRef } | { kind: 'link'; url: string };

export const jobSourceSchema: z.ZodType<JobSource> = z.union([
  z.object({ kind: z.literal('telegram'), media: mediaRefSchema }),
  z.object({ kind: z.literal('link'), url: z.string() }),
]);
