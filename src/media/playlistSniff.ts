/**
 * Keeps playlists and other text away from ffmpeg, and keeps user-chosen file names out of paths.
 *
 * ffmpeg picks its demuxer by probing content, not the file name: an HLS playlist (#EXTM3U),
 * DASH manifest (<MPD>), ffconcat script or SDP description saved as "video.mp4" would make it
 * open the files or URLs listed inside — reading other files on the server or reaching the
 * network. `-protocol_whitelist file,pipe` narrows this, but a local playlist can still point at
 * local files, so such content is refused before ffmpeg sees it. Every media container Courier
 * handles starts with binary bytes, so any file whose head is plain text is refused too.
 *
 * File names: the user's name is never used as a path. `safeJobFileName` makes a fresh name and
 * keeps the extension only when it is on a short list of media extensions.
 */

import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { JobError } from '../domain/jobError.js';

export type PlaylistKind = 'hls' | 'dash' | 'ffconcat' | 'sdp' | 'playlist' | 'text';

/** How many bytes of the head are inspected. */
export const SNIFF_BYTES = 4096;

const KIND_TEXT: Record<PlaylistKind, string> = {
  hls: 'an HLS playlist (#EXTM3U)',
  dash: 'a DASH manifest (MPD)',
  ffconcat: 'an ffconcat script',
  sdp: 'an SDP session description',
  playlist: 'a playlist (M3U/PLS/ASX/XSPF)',
  text: 'a text file (possibly a list of URLs)',
};

/** Classifies a file's first bytes; null means "looks like binary media, let ffprobe decide". */
export function sniffPlaylist(head: Uint8Array): PlaylistKind | null {
  let bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  // UTF-16 text (with a byte order mark) is text too; ffmpeg would not play it as media.
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return 'text';

  const latin = bytes.toString('latin1');
  const start = latin.replace(/^\s+/, '');
  const lower = start.slice(0, SNIFF_BYTES).toLowerCase();
  if (lower.startsWith('#extm3u')) return 'hls';
  if (lower.startsWith('ffconcat version')) return 'ffconcat';
  if (/^v=0\s*[\r\n]/.test(lower) || (/^v=\d/.test(lower) && /\n[osc]=/.test(lower))) return 'sdp';
  if (lower.startsWith('<') && /<mpd[\s>]/.test(lower)) return 'dash';
  if (lower.startsWith('[playlist]') || lower.startsWith('#extinf') || /^(<\?xml[^>]*>\s*)?<(asx|playlist|smil)[\s>]/.test(lower)) return 'playlist';
  if (bytes.length > 0 && looksLikeText(bytes)) return 'text';
  return null;
}

/** Text: no control bytes other than tab, line feed, form feed and carriage return. */
function looksLikeText(bytes: Buffer): boolean {
  for (const byte of bytes) {
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d) return false;
    if (byte === 0x7f) return false;
  }
  // Every byte is printable ASCII or part of a multi-byte character: check it decodes as UTF-8
  // (a truncated character at the cut is allowed).
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(trimPartialUtf8(bytes));
    return true;
  } catch {
    return false;
  }
}

function trimPartialUtf8(bytes: Buffer): Buffer {
  let end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = bytes[end - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    if (byte >= 0xc0) return bytes.subarray(0, end - back); // a lead byte whose tail was cut
    break;
  }
  return bytes.subarray(0, end);
}

/**
 * Reads the head of a local file and throws JobError UNSUPPORTED_MEDIA if it is a playlist or
 * text. Empty files are CORRUPT_MEDIA.
 */
export async function assertNotPlaylist(filePath: string): Promise<void> {
  const handle = await open(filePath, 'r');
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (head.length === 0) throw new JobError('CORRUPT_MEDIA', `The file ${filePath} is empty; ask the user to send it again.`);
  const kind = sniffPlaylist(head);
  if (kind !== null) {
    throw new JobError(
      'UNSUPPORTED_MEDIA',
      `The file's content is ${KIND_TEXT[kind]}, not a media file; it was refused so ffmpeg never follows the references inside it.`,
    );
  }
}

/** Extensions kept on job files; anything else is dropped (ffmpeg probes content anyway). */
const SAFE_EXTENSIONS = new Set([
  'mp4', 'm4v', 'mov', 'mkv', 'webm', 'avi', '3gp', 'mpg', 'mpeg', 'ts', 'flv', 'wmv',
  'mp3', 'm4a', 'aac', 'ogg', 'oga', 'opus', 'wav', 'flac', 'wma', 'amr',
  'gif', 'jpg', 'jpeg', 'png', 'webp',
]);

/**
 * A fresh file name for a job's input: "<prefix>-<random hex>[.ext]". The original name only
 * contributes its extension, lower-cased and only if it is a known media extension, so names
 * like "../../x", "a/b.mp4", "x.mp4\0.sh" or "-i.mp4" can neither leave the job directory nor
 * look like an ffmpeg option.
 */
export function safeJobFileName(original: string | null | undefined, options: { prefix?: string; random?: () => string } = {}): string {
  const prefix = options.prefix ?? 'input';
  if (!/^[a-z][a-z0-9]{0,15}$/.test(prefix)) throw new RangeError(`File name prefix "${prefix}" must be 1-16 lower-case letters/digits.`);
  const id = (options.random ?? (() => randomBytes(8).toString('hex')))();
  if (!/^[a-z0-9]{1,32}$/.test(id)) throw new RangeError('The random part of a job file name must be 1-32 lower-case letters/digits.');
  const extension = /\.([A-Za-z0-9]{1,5})$/.exec(original ?? '')?.[1]?.toLowerCase();
  return extension !== undefined && SAFE_EXTENSIONS.has(extension) ? `${prefix}-${id}.${extension}` : `${prefix}-${id}`;
}

/** Joins a job directory and a file name, refusing anything that would land outside the directory. */
export function resolveInJobDir(jobDir: string, fileName: string): string {
  const dir = resolve(jobDir);
  const full = resolve(dir, fileName);
  const rel = relative(dir, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.includes('/') || rel.includes('\\')) {
    throw new JobError('INTERNAL', `Refused to use "${fileName}" as a file name in ${dir}: it is not a plain name inside the job directory.`, { retryable: false });
  }
  return full;
}
