/**
 * Cuts a video result that is larger than Telegram's per-file limit into playable parts, each
 * under the limit, without re-encoding (the plan is plan.ts; the ffmpeg command is
 * commands.ts segmentArgs). Runs confined like every other tool run (confinement.ts), on files
 * inside the job directory only.
 *
 * 1. ffprobe lists the packets (time, size, keyframe flag) of the video and audio streams;
 * 2. planVideoCuts picks keyframe cuts with a margin for container overhead;
 * 3. ffmpeg's segment muxer writes the parts; if one still came out over the limit (the margin
 *    was too thin for this file), the parts are removed and the cut is planned again with a wider
 *    margin, up to three times;
 * 4. each part is described (duration, size, thumbnail) like any result; the whole file is then
 *    removed, since only the parts are sent (and the disk is what runs out first).
 */
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { JobError } from '../../domain/jobError.js';
import type { ResultFile } from '../../domain/mediaPorts.js';
import { runFfmpeg, segmentArgs } from '../commands.js';
import { confinedCommand } from '../confinement.js';
import { inputGuardArgs } from '../limits.js';
import { describeOutput, outputPath, removeQuietly, type DescribeOptions } from '../outputs.js';
import { planVideoCuts, UnsplittableVideoError, videoPartName, type PacketInfo } from './plan.js';

/** Margins tried in turn when a part comes out larger than planned. */
const MARGINS = [0.03, 0.08, 0.15] as const;

/** One line of `ffprobe -show_entries packet=codec_type,pts_time,dts_time,size,flags -of compact=p=0`. */
export function parsePacketLine(line: string): PacketInfo | null {
  const fields = new Map(line.split('|').map((kv) => kv.split('=', 2) as [string, string]));
  const type = fields.get('codec_type');
  if (type !== 'video' && type !== 'audio') return null;
  const time = Number(fields.get('pts_time') !== 'N/A' ? fields.get('pts_time') : fields.get('dts_time'));
  const size = Number(fields.get('size'));
  if (!Number.isFinite(time) || !Number.isFinite(size)) return null;
  return { time, size, videoKey: type === 'video' && (fields.get('flags') ?? '').startsWith('K') };
}

/**
 * The packets of the video and audio streams, read by a confined ffprobe in one pass (demuxing
 * only, no decoding). Results of compress and convert have one video and at most one audio stream.
 */
export function listPackets(options: DescribeOptions, filePath: string): Promise<PacketInfo[]> {
  return runPackets(options, ['-v', 'error', ...inputGuardArgs(options.limits), '-show_entries', 'packet=codec_type,pts_time,dts_time,size,flags', '-of', 'compact=p=0', filePath]);
}

function runPackets(options: DescribeOptions, args: string[]): Promise<PacketInfo[]> {
  const run = confinedCommand(options.ffprobePath, args, { support: options.confinement, jobDir: options.jobDir, limits: options.limits, timeoutMs: options.timeoutMs });
  return new Promise((resolve, reject) => {
    const child = spawn(run.command, run.args, { stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal, killSignal: 'SIGKILL', timeout: options.timeoutMs });
    const packets: PacketInfo[] = [];
    let stderr = '';
    createInterface({ input: child.stdout }).on('line', (line) => {
      const packet = parsePacketLine(line);
      if (packet) packets.push(packet);
    });
    child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.on('error', (error) => {
      if (options.signal.aborted) reject(new JobError('CANCELLED', 'Splitting the video was cancelled.', { cause: error }));
      else reject(new JobError('INTERNAL', `ffprobe could not list the packets (${error.message}); check media.ffprobePath.`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      if (options.signal.aborted) return reject(new JobError('CANCELLED', 'Splitting the video was cancelled.'));
      if (code !== 0) return reject(new JobError('INTERNAL', `ffprobe could not list the packets of the result (${signal ?? `code ${code}`}: ${stderr.trim().slice(0, 300)}).`));
      resolve(packets);
    });
  });
}

export interface SplitVideoOptions {
  /** The whole video result (inside the job directory). */
  file: ResultFile;
  /** Telegram's per-file limit. */
  maxPartBytes: number;
  hasAudio: boolean;
  describe: DescribeOptions;
  /** Every path made, so the caller removes them if the job fails later on. */
  made: string[];
}

/** Cuts `file` into parts under `maxPartBytes`; returns them described, in order, and removes `file`. */
export async function splitVideo(options: SplitVideoOptions): Promise<ResultFile[]> {
  const { file, describe } = options;
  const packets = await listPackets(describe, file.path);
  const pattern = outputPath(describe.jobDir, 'mp4', 'part').replace(/\.mp4$/, '-%03d.mp4');
  const prefix = basename(pattern).replace('%03d.mp4', '');
  const outputs = async () => (await readdir(dirname(pattern))).filter((n) => n.startsWith(prefix)).sort().map((n) => join(dirname(pattern), n));
  for (const margin of MARGINS) {
    let plan;
    try {
      plan = planVideoCuts(packets, options.maxPartBytes, margin);
    } catch (error) {
      if (!(error instanceof UnsplittableVideoError)) throw error;
      throw new JobError('FILE_TOO_BIG', `${error.message} The result is ${file.sizeBytes} bytes, over the ${options.maxPartBytes} bytes Telegram takes per file.`, { retryable: false });
    }
    // The packets fit but the file does not: its container overhead is more than the margin.
    if (plan.cutTimes.length === 0) continue;
    try {
      await runFfmpeg({
        ffmpegPath: describe.ffmpegPath,
        args: segmentArgs({ input: file.path, outputPattern: pattern, cutTimes: plan.cutTimes, hasAudio: options.hasAudio, limits: describe.limits, maxSeconds: describe.maxSeconds }),
        durationSeconds: file.durationSeconds ?? null,
        signal: describe.signal,
        timeoutMs: describe.timeoutMs,
        confine: { support: describe.confinement, jobDir: describe.jobDir, limits: describe.limits },
      });
    } finally {
      options.made.push(...(await outputs()));
    }
    const paths = await outputs();
    const sizes = await Promise.all(paths.map(async (p) => (await stat(p)).size));
    if (paths.length > 1 && sizes.every((size) => size <= options.maxPartBytes)) {
      const parts: ResultFile[] = [];
      for (const [index, path] of paths.entries()) {
        const part = await describeOutput({ path, fileName: videoPartName(file.fileName, index), mimeType: file.mimeType, sendAs: 'video' }, describe);
        if (part.thumbPath !== undefined) options.made.push(part.thumbPath);
        parts.push(part);
      }
      await removeQuietly(file.path);
      await removeQuietly(file.thumbPath);
      return parts;
    }
    await Promise.all(paths.map((p) => removeQuietly(p)));
  }
  throw new JobError('FILE_TOO_BIG', `The video could not be cut into parts under ${options.maxPartBytes} bytes at its keyframes.`, { retryable: false });
}
