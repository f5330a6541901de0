/**
 * Keeps playlists and other text away from ffmpeg, and keeps user-chosen file names out of paths.
 *
 * ffmpeg picks its demuxer by probing content, not the file name: an HLS playlist (#EXTM3U),
 * DASH manifest (<MPD>), ffconcat script or SDP description saved as "video.mp4" would make it
 * open the files or URLs listed inside — reading other files on the server or reaching the
 * network. `-protocol_whitelist file` and `-format_whitelist` (limits.ts) keep ffmpeg from
 * choosing such a demuxer at all; this sniff is the first of the two fences, and the one that
 * gives the user a plain reason. Every media container Courier handles starts with binary bytes,
 * so any file whose head is plain text is refused too.
 *
 * File names: the user's name is never used as a path. `safeJobFileName` makes a fresh name and
 * keeps the extension only when it is on a short list of media extensions.
 */

import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { JobError } from '../domain/jobError.js';

export type PlaylistKind = 'hls' | 'dash' | 'smooth' | 'ffconcat' | 'sdp' | 'playlist' | 'text';

/**
 * How many bytes of the head are inspected: 1 MiB, the most ffmpeg itself reads to choose a
 * demuxer (PROBE_BUF_MAX in libavformat/format.c), so a marker placed further in cannot
 * influence it either.
 */
export const SNIFF_BYTES = 1024 * 1024;

/** A head that is all text within this many bytes is refused as text. */
const TEXT_BYTES = 4096;

const KIND_TEXT: Record<PlaylistKind, string> = {
  hls: 'an HLS playlist (#EXTM3U)',
  dash: 'a DASH manifest (MPD)',
  smooth: 'a Smooth Streaming manifest',
  ffconcat: 'an ffconcat script',
  sdp: 'an SDP session description',
  playlist: 'a playlist (M3U/PLS/ASX/XSPF)',
  text: 'a text file (possibly a list of URLs)',
};

/**
 * Markers found anywhere before the first NUL byte (lower case). ffmpeg's text demuxers read
 * the probe buffer as a C string — the DASH probe, for one, looks for "<MPD" anywhere in it — so
 * they see exactly up to the first NUL; binary containers have a NUL within their first bytes.
 */
const MARKERS: ReadonlyArray<readonly [string, PlaylistKind]> = [
  ['#extm3u', 'hls'],
  ['<mpd', 'dash'],
  ['<smoothstreamingmedia', 'smooth'],
  ['ffconcat version', 'ffconcat'],
  ['[playlist]', 'playlist'],
  ['#extinf', 'playlist'],
  ['<asx', 'playlist'],
  ['<smil', 'playlist'],
  ['<playlist', 'playlist'],
];

/**
 * Classifies a file's first bytes; null means "looks like binary media, let ffprobe decide".
 * ID3v2 tags are skipped first, as ffmpeg skips them before probing (an MP3's tag followed by a
 * playlist is probed as the playlist).
 */
export function sniffPlaylist(head: Uint8Array): PlaylistKind | null {
  let bytes = skipId3v2(Buffer.from(head.buffer, head.byteOffset, head.byteLength));
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  // UTF-16 text (with a byte order mark) is text too; ffmpeg would not play it as media.
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return 'text';

  const firstNul = bytes.indexOf(0);
  const stringPart = (firstNul < 0 ? bytes : bytes.subarray(0, firstNul)).toString('latin1').toLowerCase();
  const start = stringPart.replace(/^\s+/, '').slice(0, TEXT_BYTES);
  if (/^v=0\s*[\r\n]/.test(start) || (/^v=\d/.test(start) && /\n[osc]=/.test(start))) return 'sdp';
  for (const [marker, kind] of MARKERS) if (stringPart.includes(marker)) return kind;
  const textHead = bytes.subarray(0, TEXT_BYTES);
  if (textHead.length > 0 && looksLikeText(textHead)) return 'text';
  return null;
}

/**
 * The bytes after any ID3v2 tags: a 10-byte header ("ID3", version, flags, a 28-bit
 * "synchsafe" size of 7 bits per byte), the tag, and a 10-byte footer when flag 0x10 is set
 * (id3.org/id3v2.4.0-structure, section 3.1).
 */
export function skipId3v2(bytes: Buffer): Buffer {
  let rest = bytes;
  for (let tags = 0; tags < 8; tags++) {
    if (rest.length < 10 || rest.toString('latin1', 0, 3) !== 'ID3') break;
    const sizeBytes = [rest[6] ?? 0, rest[7] ?? 0, rest[8] ?? 0, rest[9] ?? 0];
    if (sizeBytes.some((b) => b >= 0x80)) break; // not a synchsafe size: not a real tag
    const size = sizeBytes.reduce((total, b) => total * 128 + b, 0);
    const footer = ((rest[5] ?? 0) & 0x10) !== 0 ? 10 : 0;
    rest = rest.subarray(Math.min(rest.length, 10 + size + footer));
  }
  return rest;
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
