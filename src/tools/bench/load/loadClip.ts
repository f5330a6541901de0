/**
 * The small video the load bench's file senders send: one second of ffmpeg's test pattern with a
 * tone, 160x120, made once per run with the ffmpeg Courier itself would use.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Api } from 'telegram';
import type { InProcessFile } from '../../../emulator/world/inProcessUsers.js';
import { locateFfmpeg } from '../../../media/locate.js';

const run = promisify(execFile);

export async function loadClip(): Promise<InProcessFile> {
  const ffmpeg = await locateFfmpeg(null);
  const dir = mkdtempSync(join(tmpdir(), 'courier-bench-load-clip-'));
  try {
    const path = join(dir, 'clip.mp4');
    // prettier-ignore
    await run(ffmpeg.path, [
      '-hide_banner', '-v', 'error', '-nostdin', '-y',
      '-f', 'lavfi', '-i', 'testsrc=duration=1:size=160x120:rate=10',
      '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', path,
    ]);
    return {
      bytes: readFileSync(path),
      fileName: 'clip.mp4',
      mimeType: 'video/mp4',
      attributes: [new Api.DocumentAttributeVideo({ duration: 1, w: 160, h: 120, supportsStreaming: true })],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
