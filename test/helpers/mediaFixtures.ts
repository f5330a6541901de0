/**
 * Media for the media tests, generated with the npm-packaged ffmpeg into a temp directory (no
 * committed binaries): a 2 s 320x240 H.264/AAC clip from ffmpeg's test sources.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

export const ffmpegPath: string = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
export const ffprobePath: string = (require('@ffprobe-installer/ffprobe') as { path: string }).path;

export async function generateClip(output: string, options: { seconds?: number; audio?: boolean; title?: string } = {}): Promise<void> {
  const seconds = options.seconds ?? 2;
  const args = ['-hide_banner', '-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=320x240:rate=25`];
  if (options.audio !== false) args.push('-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`);
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p');
  if (options.audio !== false) args.push('-c:a', 'aac', '-b:a', '64k');
  if (options.title) args.push('-metadata', `title=${options.title}`, '-metadata', 'artist=Courier Tests');
  args.push('-shortest', output);
  await run(ffmpegPath, args);
}

/** Codec names of the streams in a file, e.g. ["h264", "aac"]. */
export async function streamCodecs(file: string): Promise<string[]> {
  const { stdout } = await run(ffprobePath, ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file]);
  return stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

/** "width,height" of the first video stream. */
export async function videoSize(file: string): Promise<[number, number]> {
  const { stdout } = await run(ffprobePath, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file]);
  const [w, h] = stdout.trim().split(',').map(Number);
  return [w ?? 0, h ?? 0];
}
