/**
 * Trim, Rename and Compress to size on media generated with ffmpeg: Trim copies when the cut
 * starts on a keyframe (or the file is audio) and encodes otherwise, always giving the asked
 * length; Compress to size stays under the target on content that is hard to compress; Rename
 * only renames. Plus the argument lists: input guards before -i, the cut as input options.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { JobError } from '../../../src/domain/jobError.js';
import type { ProcessTask, ResultFile } from '../../../src/domain/mediaPorts.js';
import { targetSizeArgs, trimArgs } from '../../../src/media/commands.js';
import { copyMuxer } from '../../../src/media/editActions.js';
import { parseKeyframes } from '../../../src/media/probe.js';
import { processMedia, type ProcessContext } from '../../../src/media/process.js';
import { ffmpegPath, ffprobePath, streamCodecs, videoSize } from '../../helpers/mediaFixtures.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

async function ffmpeg(args: string[]): Promise<void> {
  await run(ffmpegPath, ['-hide_banner', '-v', 'error', '-nostdin', '-y', ...args]);
}

async function durationOf(file: string): Promise<number> {
  const { stdout } = await run(ffprobePath, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

/**
 * x264 writes its settings into the first keyframe: the source's has crf=23.0 (ffmpeg's default),
 * Trim's encode crf=20.0, and a copy from a later keyframe has none (nothing encoded it).
 */
async function x264Crf(file: string): Promise<string | null> {
  return /crf=(\d+\.\d)/.exec((await readFile(file)).toString('latin1'))?.[1] ?? null;
}

describe('Trim, Rename and Compress to size (on media generated with ffmpeg)', function () {
  this.timeout(120_000);
  let root: string;
  let clip: string; // 6 s 320x240 H.264 (a keyframe every second) + AAC
  let noise: string; // 6 s 640x360 of random pixels: hard to compress
  let song: string; // 6 s MP3
  const controller = new AbortController();
  const ctx = (): ProcessContext => ({ ffmpegPath, ffprobePath, signal: controller.signal, onPercent: () => undefined });

  async function job(source: string, request: ProcessTask['request']): Promise<ProcessTask> {
    const jobDir = await mkdtemp(join(root, 'job-'));
    const input = join(jobDir, `input-${basename(source)}`);
    await copyFile(source, input);
    return { jobId: basename(jobDir), input, jobDir, request, inputName: basename(source), maxDurationSeconds: 600, timeoutMs: 60_000 };
  }

  async function fileOf(task: ProcessTask): Promise<ResultFile> {
    const outcome = await processMedia(task, ctx());
    if (outcome.kind !== 'file') throw new Error(`expected a file, got ${outcome.kind}`);
    return outcome.file;
  }

  async function failureOf(task: ProcessTask): Promise<JobError> {
    const error = await processMedia(task, ctx()).then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(JobError);
    return error as JobError;
  }

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'courier-edit-actions-'));
    clip = join(root, 'clip.mp4');
    noise = join(root, 'noise.mp4');
    song = join(root, 'song.mp3');
    await Promise.all([
      ffmpeg([
        '-f', 'lavfi', '-i', 'testsrc=duration=6:size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=6',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip,
      ]),
      ffmpeg([
        '-f', 'lavfi', '-i', 'nullsrc=size=640x360:rate=25:duration=6,geq=lum=random(1)*255:cb=128:cr=128', '-f', 'lavfi', '-i', 'anoisesrc=duration=6',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-shortest', noise,
      ]),
      ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=330:duration=6', '-c:a', 'libmp3lame', '-b:a', '128k', song]),
    ]);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('Trim from a keyframe copies the streams, and gives the asked length', async () => {
    const fromStart = await fileOf(await job(clip, { action: 'trim', option: '0-2' }));
    expect(await x264Crf(fromStart.path), 'the source\'s own first keyframe').to.equal('23.0');
    expect(await durationOf(fromStart.path)).to.be.closeTo(2, 0.15);
    const file = await fileOf(await job(clip, { action: 'trim', option: '2-5' }));
    expect(await x264Crf(file.path), 'no encoder touched it').to.equal(null);
    expect(await durationOf(file.path)).to.be.closeTo(3, 0.15);
    expect(file).to.include({ fileName: 'clip.mp4', mimeType: 'video/mp4', sendAs: 'video' });
    expect(await streamCodecs(file.path)).to.deep.equal(['h264', 'aac']);
  });

  it('Trim between keyframes encodes again, exact to the asked length', async () => {
    const file = await fileOf(await job(clip, { action: 'trim', option: '2.5-4' }));
    expect(await x264Crf(file.path)).to.equal('20.0');
    expect(await durationOf(file.path)).to.be.closeTo(1.5, 0.15);
    expect(file.durationSeconds).to.be.closeTo(1.5, 0.15);
    expect(file.thumbPath).to.be.a('string');
  });

  it('Trim of an audio file copies it, as audio', async () => {
    const file = await fileOf(await job(song, { action: 'trim', option: '1-4.5' }));
    expect(file).to.include({ fileName: 'song.mp3', mimeType: 'audio/mpeg', sendAs: 'audio' });
    expect(await durationOf(file.path)).to.be.closeTo(3.5, 0.15);
  });

  it('Trim refuses a part outside the file, and an option that is no range', async () => {
    const outside = await failureOf(await job(clip, { action: 'trim', option: '2-60' }));
    expect(outside.reason).to.equal('UNSUPPORTED_MEDIA');
    expect(outside.message).to.match(/not inside the file, which lasts 6\.0 s/);
    expect((await failureOf(await job(clip, { action: 'trim', option: '5-2' }))).reason).to.equal('INTERNAL');
  });

  it('Compress to size stays under the target on hard content, scaled down for the rate', async () => {
    const target = 0.3 * MiB;
    const source = (await stat(noise)).size;
    expect(source, 'the noise clip is far over the target').to.be.above(target * 3);
    const file = await fileOf(await job(noise, { action: 'compressToSize', option: '0.3' }));
    expect(file.sizeBytes).to.be.at.most(target);
    expect(file.sizeBytes).to.be.above(target * 0.5);
    expect(await videoSize(file.path)).to.deep.equal([426, 240]);
    expect(await durationOf(file.path)).to.be.closeTo(6, 0.2);
  });

  it('Compress to size refuses a target below the minimum, naming it', async () => {
    const error = await failureOf(await job(noise, { action: 'compressToSize', option: '0.01' }));
    expect(error.reason).to.equal('UNSUPPORTED_MEDIA');
    expect(error.message).to.match(/0\.01 MB is too small for 6 s of video; at least 0\.\d MB is needed/);
  });

  it('Rename sends the input back as a document under the new name, never reading it with a tool', async () => {
    const file = await fileOf(await job(clip, { action: 'rename', option: 'Beach day.mp4' }));
    expect(file).to.include({ fileName: 'Beach day.mp4', sendAs: 'document', mimeType: 'application/octet-stream' });
    expect(file.sizeBytes).to.equal((await stat(clip)).size);
  });

  it('picks the copy container from the input, and encodes what it cannot copy safely', () => {
    expect(copyMuxer('mov,mp4,m4a,3gp,3g2,mj2', true, 'h264')).to.equal('mp4');
    expect(copyMuxer('mov,mp4,m4a,3gp,3g2,mj2', false, null)).to.equal('ipod');
    expect(copyMuxer('matroska,webm', true, 'vp9')).to.equal('webm');
    expect(copyMuxer('matroska,webm', true, 'h264')).to.equal('matroska');
    expect(copyMuxer('mp3', false, null)).to.equal('mp3');
    expect(copyMuxer('avi', true, 'mpeg4')).to.equal(null);
  });

  it('reads keyframe times from ffprobe packet lines', () => {
    expect(parseKeyframes('0.000000,K__\n0.040000,___\n1.000000,K__\nN/A,K__\n')).to.deep.equal([0, 1]);
  });

  it('puts the cut before -i, after the input guards, and caps the rate at the planned average', () => {
    const args = trimArgs({ input: '/j/in.mp4', output: '/j/out.mp4', startSeconds: 2, durationSeconds: 3, mode: { kind: 'copy', muxer: 'mp4' }, hasVideo: true, hasAudio: true });
    const at = (flag: string) => args.indexOf(flag);
    expect(at('-protocol_whitelist')).to.be.below(at('-ss'));
    expect(at('-ss')).to.be.below(at('-i'));
    expect(args.slice(at('-ss'), at('-ss') + 4)).to.deep.equal(['-ss', '2.000', '-t', '3.000']);
    expect(args.slice(at('-c'), at('-c') + 2)).to.deep.equal(['-c', 'copy']);
    const size = targetSizeArgs({ input: '/j/in.mp4', output: '/j/out.mp4', videoKbps: 700, audioKbps: 96, maxHeight: 480, hasAudio: true });
    expect(size[size.indexOf('-b:v') + 1]).to.equal('700k');
    expect(size[size.indexOf('-maxrate') + 1]).to.equal('700k');
    expect(size[size.indexOf('-b:a') + 1]).to.equal('96k');
  });
});
