/**
 * The "Info" answer: ffprobe's summary as a few short lines a person can read at a glance, in
 * the words of the user's language (the catalogue's info* texts; English by default).
 * Tags come from the file and may be any length; the answer is cut to fit one Telegram message
 * rather than failing the job with MESSAGE_TOO_LONG.
 */

/** A message's text may be at most 4096 characters (core.telegram.org/method/messages.sendMessage). */
export const TELEGRAM_MESSAGE_LIMIT = 4096;

import { texts, type Texts } from '../texts/index.js';
import type { MediaSummary } from './probe.js';

export function describeMedia(summary: MediaSummary, fileSizeBytes: number, t: Texts = texts.en): string {
  const lines: string[] = [];
  const head: string[] = [];
  if (summary.durationSeconds !== null) head.push(t.infoDuration(formatDuration(summary.durationSeconds)));
  head.push(t.infoSize(formatBytes(summary.sizeBytes ?? fileSizeBytes)));
  head.push(t.infoContainer(containerName(summary.format)));
  lines.push(head.join(' · '));
  if (summary.video) {
    const v = summary.video;
    const parts = [summary.isImage ? t.infoImage(v.codec) : t.infoVideo(v.codec)];
    if (v.width !== null && v.height !== null) parts.push(t.infoDimensions(v.width, v.height));
    if (v.fps !== null && !summary.isImage) parts.push(t.infoFrameRate(v.fps));
    lines.push(parts.reduce((line, part) => t.infoAnd(line, part)));
  }
  if (summary.audio) {
    const a = summary.audio;
    const parts = [t.infoAudio(a.codec)];
    if (a.channels !== null) parts.push(t.infoChannels(a.channels));
    if (a.sampleRate !== null) parts.push(t.infoSampleRate(Math.round(a.sampleRate / 100) / 10));
    lines.push(parts.reduce((line, part) => t.infoAnd(line, part)));
  }
  if (summary.bitRate !== null) lines.push(t.infoBitrate(Math.round(summary.bitRate / 1000)));
  if (summary.tags.title !== null || summary.tags.artist !== null) {
    lines.push(t.infoTags([summary.tags.artist, summary.tags.title].filter((tag) => tag !== null).join(' — ')));
  }
  return fitMessage(lines.join('\n'));
}

/**
 * `text` cut to at most `limit` UTF-16 code units (what Telegram counts), ending in "…" when
 * cut, never splitting a surrogate pair.
 */
export function fitMessage(text: string, limit = TELEGRAM_MESSAGE_LIMIT): string {
  if (text.length <= limit) return text;
  let end = limit - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1; // a high surrogate whose pair would be cut
  return `${text.slice(0, end)}…`;
}

/** 3.04 -> "0:03", 3725 -> "1:02:05". */
export function formatDuration(seconds: number): string {
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

/** ffprobe names demuxers, not formats ("mov,mp4,m4a,3gp,3g2,mj2"); show the familiar one. */
function containerName(format: string): string {
  const names = format.split(',');
  if (names.includes('mp4')) return 'MP4';
  if (names.includes('matroska')) return names.includes('webm') ? 'Matroska/WebM' : 'Matroska';
  const first = names[0] ?? format;
  return first.replace(/_pipe$/, '').toUpperCase();
}
