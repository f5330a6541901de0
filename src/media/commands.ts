/**
 * ffmpeg argument lists for each media action, and `runFfmpeg`, which runs one with a wall-clock
 * limit, cancellation and progress.
 *
 * Every command: reads one absolute local path through the input guards of limits.ts
 * (`-protocol_whitelist file`, a `-format_whitelist` of the accepted containers, `-max_pixels`,
 * `-threads`), writes one output under `-t`/`-fs`, never reads stdin (`-nostdin`), overwrites
 * the job's own output (`-y`) and reports progress on stdout (`-progress pipe:1`, parsed by
 * src/media/progress.ts). Arguments are passed as an array to spawn — no shell, so no quoting
 * problems with user-derived paths. runFfmpeg runs the command inside confinement.ts when given
 * a `confine` (process.ts always gives one).
 */

import { spawn } from 'node:child_process';
import { JobError } from '../domain/jobError.js';
import { confinedCommand, limitSignalText, type ConfineOptions } from './confinement.js';
import { DEFAULT_MEDIA_LIMITS, inputGuardArgs, outputLimitArgs, pixelLimitError, type MediaLimits } from './limits.js';
import { FfmpegProgressParser, type FfmpegProgress } from './progress.js';

export type CompressPreset = '720p' | '480p';

/** Target rates for Compress; the size estimate in src/jobs/actions.ts uses the same numbers. */
export const COMPRESS_PRESETS: Record<CompressPreset, { height: number; videoKbps: number; audioKbps: number }> = {
  '720p': { height: 720, videoKbps: 2000, audioKbps: 128 },
  '480p': { height: 480, videoKbps: 900, audioKbps: 96 },
};

/** Convert to GIF is only offered for clips up to this long; longer GIFs get huge. */
export const GIF_MAX_SECONDS = 15;

export type AudioFormat = 'mp3' | 'm4a' | 'opus';
export type ConvertTarget = 'mp4' | 'gif';

const COMMON = ['-hide_banner', '-nostdin', '-y', '-v', 'error', '-progress', 'pipe:1'];

/**
 * A keyframe at least every 2 s in encoded videos (x264's default is every 10 s): Telegram's
 * player seeks to keyframes, and a result over Telegram's per-file limit can only be cut at one
 * (split/plan.ts), so shorter intervals give parts closer to the limit. Costs a few percent of size.
 */
const KEYFRAMES = ['-force_key_frames', 'expr:gte(t,n_forced*2)'];

/** The default of jobs.maxDurationSeconds; callers pass the configured value. */
const DEFAULT_MAX_SECONDS = 4 * 3600;

/** What every builder accepts besides its own options: the limits of limits.ts. */
export interface CommandLimits {
  limits?: MediaLimits;
  /** `-t` of the output: the longest media accepted (jobs.maxDurationSeconds). */
  maxSeconds?: number;
}

function checkPath(label: string, path: string): void {
  // An absolute path cannot be mistaken for an option ("-...") or a protocol ("http:...").
  if (!path.startsWith('/')) throw new JobError('INTERNAL', `ffmpeg ${label} must be an absolute local path, got "${path}".`, { retryable: false });
}

function withInput(input: string, output: string, middle: string[], bounds: CommandLimits, preInput: string[] = []): string[] {
  checkPath('input', input);
  checkPath('output', output);
  const limits = bounds.limits ?? DEFAULT_MEDIA_LIMITS;
  return [...COMMON, ...inputGuardArgs(limits), ...preInput, '-i', input, ...middle, ...outputLimitArgs(bounds.maxSeconds ?? DEFAULT_MAX_SECONDS, limits), output];
}

/** AAC sources can be copied into M4A without re-encoding; everything else becomes MP3. */
export function chooseAudioFormat(sourceAudioCodec: string | null): AudioFormat {
  return sourceAudioCodec === 'aac' ? 'm4a' : 'mp3';
}

/**
 * Opus: libopus in an Ogg container (.opus, RFC 7845), 128 kbit/s VBR, which is transparent for
 * music and small for speech. libopus takes only 48/24/16/12/8 kHz, so the rate is set to 48 kHz
 * (what Opus decoders output anyway) rather than left to ffmpeg's choice.
 */
const OPUS_CODEC = ['-c:a', 'libopus', '-b:a', '128k', '-vbr', 'on', '-ar', '48000', '-f', 'ogg'];

export function extractAudioArgs(options: { input: string; output: string; format: AudioFormat } & CommandLimits): string[] {
  const codec =
    options.format === 'm4a'
      ? ['-c:a', 'copy', '-f', 'ipod', '-movflags', '+faststart']
      : options.format === 'opus'
        ? OPUS_CODEC
        : ['-c:a', 'libmp3lame', '-q:a', '2', '-f', 'mp3'];
  return withInput(options.input, options.output, ['-map', '0:a:0', '-vn', '-sn', '-dn', ...codec], options);
}

export function compressArgs(options: { input: string; output: string; preset: CompressPreset; hasAudio: boolean } & CommandLimits): string[] {
  const p = COMPRESS_PRESETS[options.preset];
  // Never upscale: the height is min(target, source); -2 keeps the width even, as H.264 needs.
  const scale = `scale=w=-2:h='min(${p.height},ih)'`;
  const audio = options.hasAudio ? ['-map', '0:a:0', '-c:a', 'aac', '-b:a', `${p.audioKbps}k`, '-ac', '2'] : ['-an'];
  return withInput(options.input, options.output, [
    '-map', '0:v:0',
    ...audio,
    '-vf', scale,
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', ...KEYFRAMES,
    '-b:v', `${p.videoKbps}k`, '-maxrate', `${Math.round(p.videoKbps * 1.5)}k`, '-bufsize', `${p.videoKbps * 2}k`,
    '-sn', '-dn',
    '-movflags', '+faststart', '-f', 'mp4',
  ], options);
}

export function convertArgs(options: { input: string; output: string; target: ConvertTarget; hasAudio: boolean } & CommandLimits): string[] {
  if (options.target === 'gif') {
    // One pass with a generated palette: far better colours than ffmpeg's default GIF palette.
    const graph = 'fps=12,scale=w=480:h=-1:flags=lanczos,split[a][b];[a]palettegen[p];[b][p]paletteuse';
    return withInput(options.input, options.output, ['-map', '0:v:0', '-an', '-sn', '-dn', '-filter_complex', graph, '-loop', '0', '-f', 'gif'], options);
  }
  const audio = options.hasAudio ? ['-map', '0:a:0', '-c:a', 'aac', '-b:a', '160k'] : ['-an'];
  return withInput(options.input, options.output, [
    '-map', '0:v:0', ...audio,
    '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', ...KEYFRAMES,
    '-sn', '-dn', '-movflags', '+faststart', '-f', 'mp4',
  ], options);
}

/**
 * Cuts a video into parts at the given times without re-encoding (the segment muxer, `-c copy`):
 * each part starts at the first keyframe at or after its time, gets timestamps from zero and an
 * index at the front (faststart), so it plays and streams on its own. `outputPattern` holds one
 * %03d. No `-fs`: the segment muxer has no single output file for it to measure; RLIMIT_FSIZE
 * (confinement.ts) still bounds each part, and the caller checks every part's size.
 */
export function segmentArgs(options: { input: string; outputPattern: string; cutTimes: readonly number[]; hasAudio: boolean } & CommandLimits): string[] {
  checkPath('input', options.input);
  checkPath('output', options.outputPattern);
  if (options.cutTimes.length === 0 || options.cutTimes.some((t) => !Number.isFinite(t) || t <= 0)) {
    throw new JobError('INTERNAL', `Cut times must be positive numbers, got [${options.cutTimes.join(', ')}].`, { retryable: false });
  }
  const limits = options.limits ?? DEFAULT_MEDIA_LIMITS;
  return [
    ...COMMON, ...inputGuardArgs(limits), '-i', options.input,
    '-map', '0:v:0', ...(options.hasAudio ? ['-map', '0:a:0'] : []),
    '-c', 'copy', '-sn', '-dn',
    '-f', 'segment', '-segment_times', options.cutTimes.map((t) => t.toFixed(6)).join(','),
    '-segment_format', 'mp4', '-segment_format_options', 'movflags=+faststart', '-reset_timestamps', '1',
    '-t', String(options.maxSeconds ?? DEFAULT_MAX_SECONDS), '-threads', String(limits.threads),
    options.outputPattern,
  ];
}

/** One JPEG frame at `atSeconds`, at most 1280 px wide (seeking before -i is fast). */
export function thumbnailArgs(options: { input: string; output: string; atSeconds: number } & CommandLimits): string[] {
  const at = Math.max(0, Number.isFinite(options.atSeconds) ? options.atSeconds : 0);
  return withInput(
    options.input,
    options.output,
    ['-map', '0:v:0', '-frames:v', '1', '-vf', "scale=w='min(1280,iw)':h=-2", '-q:v', '3', '-an', '-f', 'mjpeg'],
    options,
    ['-ss', at.toFixed(3)],
  );
}

/**
 * How Trim writes its part. `copy`: the streams as they are, into `muxer` (the input's own kind
 * of container): fast and lossless, used when the cut starts on a keyframe or the file is audio
 * only. `encode`: H.264/AAC in MP4 (or MP3 for audio), exact to the frame wherever it starts.
 */
export type TrimMode = { kind: 'copy'; muxer: string } | { kind: 'encode' };

/**
 * The part from `startSeconds` lasting `durationSeconds`. Both are input options (before -i):
 * seeking there is fast, and the output's own -t stays the general duration limit.
 */
export function trimArgs(
  options: { input: string; output: string; startSeconds: number; durationSeconds: number; mode: TrimMode; hasVideo: boolean; hasAudio: boolean } & CommandLimits,
): string[] {
  const cut = ['-ss', options.startSeconds.toFixed(3), '-t', options.durationSeconds.toFixed(3)];
  const maps = [...(options.hasVideo ? ['-map', '0:v:0'] : []), ...(options.hasAudio ? ['-map', '0:a:0'] : [])];
  if (options.mode.kind === 'copy') {
    const faststart = options.mode.muxer === 'mp4' || options.mode.muxer === 'ipod' || options.mode.muxer === 'mov' ? ['-movflags', '+faststart'] : [];
    // make_zero: the copied part starts at time 0, not at the keyframe's original timestamp.
    return withInput(options.input, options.output, [...maps, '-c', 'copy', '-avoid_negative_ts', 'make_zero', '-sn', '-dn', ...faststart, '-f', options.mode.muxer], options, cut);
  }
  if (!options.hasVideo) return withInput(options.input, options.output, [...maps, '-vn', '-sn', '-dn', '-c:a', 'libmp3lame', '-q:a', '2', '-f', 'mp3'], options, cut);
  const audio = options.hasAudio ? ['-c:a', 'aac', '-b:a', '160k'] : ['-an'];
  return withInput(options.input, options.output, [
    ...maps, ...audio,
    '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p',
    '-sn', '-dn', '-movflags', '+faststart', '-f', 'mp4',
  ], options, cut);
}

/**
 * Compress to size: H.264 at an average of `videoKbps` with the rate capped at the same value
 * over a one-second buffer (-maxrate/-bufsize), so the encoder cannot overshoot the budget by
 * more than that second (planSizeTarget in src/domain/editOptions.ts accounts for it). One pass:
 * a second pass would hit the target a little closer but doubles the time; the caller checks
 * the size afterwards instead.
 */
export function targetSizeArgs(
  options: { input: string; output: string; videoKbps: number; audioKbps: number; maxHeight: number; hasAudio: boolean } & CommandLimits,
): string[] {
  const v = Math.max(1, Math.floor(options.videoKbps));
  const audio = options.hasAudio && options.audioKbps > 0 ? ['-map', '0:a:0', '-c:a', 'aac', '-b:a', `${options.audioKbps}k`, '-ac', '2'] : ['-an'];
  return withInput(options.input, options.output, [
    '-map', '0:v:0',
    ...audio,
    '-vf', `scale=w=-2:h='min(${options.maxHeight},ih)'`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    '-b:v', `${v}k`, '-maxrate', `${v}k`, '-bufsize', `${v}k`,
    '-sn', '-dn',
    '-movflags', '+faststart', '-f', 'mp4',
  ], options);
}

export interface RunFfmpegOptions {
  ffmpegPath: string;
  args: string[];
  /** Duration of the input (or of the part being encoded), for percentages; null if unknown. */
  durationSeconds: number | null;
  /** Aborting kills ffmpeg; the promise rejects with JobError CANCELLED. */
  signal?: AbortSignal;
  /** Wall-clock limit; past it ffmpeg is killed and the promise rejects with JobError TIMEOUT. */
  timeoutMs: number;
  onProgress?: (progress: FfmpegProgress) => void;
  /** Called with the process id once ffmpeg is running (logs, tests). */
  onSpawn?: (pid: number) => void;
  /** Run inside confinement.ts (resource limits, no network, writes to jobDir only). */
  confine?: Omit<ConfineOptions, 'timeoutMs'>;
}

/** Runs ffmpeg; resolves when it exits with 0, rejects with a JobError otherwise. Always waits for the process to exit. */
export function runFfmpeg(options: RunFfmpegOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new JobError('CANCELLED', 'The job was cancelled before ffmpeg started.'));
    const { command, args } = options.confine
      ? confinedCommand(options.ffmpegPath, options.args, { ...options.confine, timeoutMs: options.timeoutMs })
      : { command: options.ffmpegPath, args: options.args };
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const parser = new FfmpegProgressParser(options.durationSeconds);
    let stderrTail = '';
    let stoppedBy: 'cancel' | 'timeout' | null = null;
    let spawnError: Error | null = null;

    const stop = (why: 'cancel' | 'timeout') => {
      if (stoppedBy !== null) return;
      stoppedBy = why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = () => stop('cancel');
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('spawn', () => {
      if (child.pid !== undefined) options.onSpawn?.(child.pid);
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      for (const report of parser.push(chunk)) options.onProgress?.(report);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-4000);
    });
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (stoppedBy === 'cancel') return reject(new JobError('CANCELLED', 'ffmpeg was stopped because the job was cancelled.'));
      if (stoppedBy === 'timeout') return reject(new JobError('TIMEOUT', `ffmpeg ran longer than ${options.timeoutMs} ms and was stopped.`));
      if (spawnError) {
        return reject(new JobError('INTERNAL', `ffmpeg could not be started from "${options.ffmpegPath}" (${spawnError.message}); check media.ffmpegPath.`, { cause: spawnError, retryable: false }));
      }
      if (code === 0) return resolve();
      if (code === 127 && options.confine) {
        return reject(new JobError('INTERNAL', `ffmpeg could not be started from "${options.ffmpegPath}" inside its confinement (${stderrTail.trim().slice(0, 300)}); check media.ffmpegPath.`, { retryable: false }));
      }
      reject(ffmpegFailure(code, signal, stderrTail, options.confine?.limits ?? DEFAULT_MEDIA_LIMITS));
    });
  });
}

function ffmpegFailure(code: number | null, signal: NodeJS.Signals | null, stderr: string, limits: MediaLimits): JobError {
  const detail = stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 500) || 'no message';
  const pixels = pixelLimitError(stderr, limits);
  if (pixels) return pixels;
  const limitHit = limitSignalText(signal);
  if (signal === 'SIGXCPU') return new JobError('TIMEOUT', `ffmpeg was stopped: ${limitHit} (${detail}).`, { retryable: false });
  if (signal === 'SIGXFSZ') return new JobError('FILE_TOO_BIG', `ffmpeg was stopped: ${limitHit} of ${limits.maxResultBytes} bytes (${detail}).`, { retryable: false });
  if (limitHit !== null || /Cannot allocate memory|out of memory/i.test(stderr)) {
    return new JobError(
      'UNSUPPORTED_MEDIA',
      `ffmpeg failed: ${limitHit ?? 'it ran out of memory'} (limit ${limits.maxMemoryBytes} bytes of address space; ${detail}).`,
      { retryable: false },
    );
  }
  if (/No space left on device/i.test(stderr)) return new JobError('DISK_FULL', `ffmpeg ran out of disk space (${detail}); free space in paths.temp.`);
  if (/Invalid data found|could not find codec parameters|moov atom not found/i.test(stderr)) {
    return new JobError('CORRUPT_MEDIA', `ffmpeg could not decode the input (${detail}).`, { retryable: false });
  }
  if (/Decoder .* not found|Unknown encoder|not supported|does not contain any stream|Output file #0 does not contain/i.test(stderr)) {
    return new JobError('UNSUPPORTED_MEDIA', `ffmpeg cannot do this with the input (${detail}).`, { retryable: false });
  }
  return new JobError('INTERNAL', `ffmpeg exited with ${code === null ? `signal ${String(signal)}` : `code ${code}`} (${detail}).`);
}
