import { expect } from 'chai';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobError } from '../../../src/domain/jobError.js';
import {
  chooseAudioFormat,
  compressArgs,
  convertArgs,
  extractAudioArgs,
  runFfmpeg,
  thumbnailArgs,
} from '../../../src/media/commands.js';
import type { FfmpegProgress } from '../../../src/media/progress.js';
import { ffmpegPath, generateClip, streamCodecs, videoSize } from '../../helpers/mediaFixtures.js';

/** An ffmpeg run that never ends by itself: an endless test source encoded to nowhere. */
const ENDLESS = ['-hide_banner', '-nostdin', '-y', '-v', 'error', '-progress', 'pipe:1', '-re', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-f', 'null', '-'];

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

describe('ffmpeg commands', () => {
  let dir: string;
  let clip: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'courier-ffmpeg-'));
    clip = join(dir, 'clip.mp4');
    await generateClip(clip);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('every command opens its input through the guards, caps its output, reads no stdin, overwrites and reports progress', () => {
    const limits = { maxPixels: 1000, threads: 3, maxMemoryBytes: 1 << 30, maxResultBytes: 5000 };
    const all = [
      extractAudioArgs({ input: clip, output: '/o.mp3', format: 'mp3', limits, maxSeconds: 77 }),
      compressArgs({ input: clip, output: '/o.mp4', preset: '720p', hasAudio: true, limits, maxSeconds: 77 }),
      convertArgs({ input: clip, output: '/o.gif', target: 'gif', hasAudio: false, limits, maxSeconds: 77 }),
      thumbnailArgs({ input: clip, output: '/o.jpg', atSeconds: 1, limits, maxSeconds: 77 }),
    ];
    for (const args of all) {
      const i = args.indexOf('-i');
      const valueOf = (flag: string, from = 0) => {
        const at = args.indexOf(flag, from);
        expect(at, `${flag} ${from === 0 ? 'before -i (an input option)' : 'after -i (an output option)'}`).to.be.within(from, from === 0 ? i - 1 : args.length - 2);
        return args[at + 1];
      };
      expect(valueOf('-protocol_whitelist')).to.equal('file');
      expect(valueOf('-format_whitelist')?.split(',')).to.include.members(['mov', 'matroska', 'mp3', 'png_pipe']).and.not.include.members(['hls', 'dash', 'concat']);
      expect(valueOf('-max_pixels')).to.equal('1000');
      expect(valueOf('-threads')).to.equal('3');
      expect(valueOf('-t', i)).to.equal('77');
      expect(valueOf('-fs', i)).to.equal('5000');
      expect(valueOf('-threads', i)).to.equal('3');
      expect(args).to.include.members(['-nostdin', '-y']);
      expect(args[args.indexOf('-progress') + 1]).to.equal('pipe:1');
      expect(args[i + 1]).to.equal(clip);
    }
  });

  it('refuses an input that is not an absolute local path', () => {
    for (const input of ['http://10.0.0.1/a.mp4', '-i', 'relative.mp4', 'concat:/a|/b']) {
      expect(() => extractAudioArgs({ input, output: '/tmp/o.mp3', format: 'mp3' }), input).to.throw(JobError);
    }
  });

  it('copies AAC into M4A and encodes anything else to MP3', async () => {
    expect(chooseAudioFormat('aac')).to.equal('m4a');
    expect(chooseAudioFormat('opus')).to.equal('mp3');
    expect(chooseAudioFormat(null)).to.equal('mp3');

    const m4a = join(dir, 'audio.m4a');
    await runFfmpeg({ ffmpegPath, args: extractAudioArgs({ input: clip, output: m4a, format: 'm4a' }), durationSeconds: 2, timeoutMs: 30_000 });
    expect(await streamCodecs(m4a)).to.deep.equal(['aac']);

    const mp3 = join(dir, 'audio.mp3');
    const reports: FfmpegProgress[] = [];
    await runFfmpeg({
      ffmpegPath,
      args: extractAudioArgs({ input: clip, output: mp3, format: 'mp3' }),
      durationSeconds: 2,
      timeoutMs: 30_000,
      onProgress: (p) => reports.push(p),
    });
    expect(await streamCodecs(mp3)).to.deep.equal(['mp3']);
    expect(reports.at(-1)).to.deep.include({ done: true, percent: 100 });
  });

  it('compresses to H.264/AAC MP4 without upscaling', async () => {
    const out = join(dir, 'small.mp4');
    await runFfmpeg({ ffmpegPath, args: compressArgs({ input: clip, output: out, preset: '480p', hasAudio: true }), durationSeconds: 2, timeoutMs: 60_000 });
    expect(await streamCodecs(out)).to.deep.equal(['h264', 'aac']);
    expect(await videoSize(out), 'a 240p source stays 240p').to.deep.equal([320, 240]);
  });

  it('converts to MP4, and to GIF with a palette', async () => {
    const mp4 = join(dir, 'converted.mp4');
    await runFfmpeg({ ffmpegPath, args: convertArgs({ input: clip, output: mp4, target: 'mp4', hasAudio: true }), durationSeconds: 2, timeoutMs: 60_000 });
    expect(await streamCodecs(mp4)).to.deep.equal(['h264', 'aac']);

    const gif = join(dir, 'converted.gif');
    await runFfmpeg({ ffmpegPath, args: convertArgs({ input: clip, output: gif, target: 'gif', hasAudio: true }), durationSeconds: 2, timeoutMs: 60_000 });
    expect(await streamCodecs(gif)).to.deep.equal(['gif']);
  });

  it('takes a JPEG thumbnail at a given time', async () => {
    const jpg = join(dir, 'thumb.jpg');
    await runFfmpeg({ ffmpegPath, args: thumbnailArgs({ input: clip, output: jpg, atSeconds: 1 }), durationSeconds: null, timeoutMs: 30_000 });
    expect(await streamCodecs(jpg)).to.deep.equal(['mjpeg']);
    expect((await stat(jpg)).size).to.be.greaterThan(500);
  });

  it('cancelling kills ffmpeg and rejects with CANCELLED', async () => {
    const controller = new AbortController();
    let pid = 0;
    const run = runFfmpeg({
      ffmpegPath,
      args: ENDLESS,
      durationSeconds: null,
      timeoutMs: 60_000,
      signal: controller.signal,
      onSpawn: (p) => {
        pid = p;
      },
      // Cancel once ffmpeg has shown it is working.
      onProgress: () => controller.abort(),
    });
    const error = await run.catch((e: unknown) => e);
    expect(error).to.be.instanceOf(JobError);
    expect(error).to.include({ reason: 'CANCELLED' });
    expect(pid).to.be.greaterThan(0);
    expect(processGone(pid), 'the ffmpeg process was killed').to.equal(true);
  });

  it('a run over its wall-clock limit is killed and rejects with TIMEOUT', async () => {
    let pid = 0;
    const error = await runFfmpeg({ ffmpegPath, args: ENDLESS, durationSeconds: null, timeoutMs: 300, onSpawn: (p) => (pid = p) }).catch((e: unknown) => e);
    expect(error).to.include({ reason: 'TIMEOUT' });
    expect(processGone(pid)).to.equal(true);
  });

  it('a failing run rejects with a JobError carrying ffmpeg\'s message', async () => {
    const error = await runFfmpeg({
      ffmpegPath,
      args: extractAudioArgs({ input: join(dir, 'missing.mp4'), output: join(dir, 'x.mp3'), format: 'mp3' }),
      durationSeconds: 1,
      timeoutMs: 30_000,
    }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(JobError);
    expect((error as Error).message).to.contain('missing.mp4');
  });
});
