import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { ProcessOutcome, ProcessTask, ResultFile } from '../../../src/domain/mediaPorts.js';
import { JobError } from '../../../src/domain/jobError.js';
import { processMedia, thumbnailSecond, type ProcessContext } from '../../../src/media/process.js';
import { seededBytes } from '../../helpers/seededBytes.js';
import { ffmpegPath, ffprobePath, streamCodecs, videoSize } from '../../helpers/mediaFixtures.js';

const run = promisify(execFile);

async function ffmpeg(args: string[]): Promise<void> {
  await run(ffmpegPath, ['-hide_banner', '-v', 'error', '-nostdin', '-y', ...args]);
}

/** Duration of a file's container, seconds. */
async function durationOf(file: string): Promise<number> {
  const { stdout } = await run(ffprobePath, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

/** MD5 of the first audio stream's packets: equal for two files only if the stream was copied. */
async function audioPacketsMd5(file: string): Promise<string> {
  const { stdout } = await run(ffmpegPath, ['-v', 'error', '-i', file, '-map', '0:a:0', '-c', 'copy', '-f', 'md5', '-']);
  return stdout.trim();
}

describe('processing media (every action on media generated with ffmpeg)', function () {
  this.timeout(120_000);
  let root: string;
  let clip: string; // 3 s, 640x360, H.264 + AAC stereo
  let song: string; // 3 s MP3 with title/artist tags
  let still: string; // a PNG picture
  let percents: number[];
  let controller: AbortController;

  const ctx = (): ProcessContext => ({ ffmpegPath, ffprobePath, signal: controller.signal, onPercent: (p) => percents.push(p) });

  /** A fresh job directory holding a copy of `source`; the task's input is that copy. */
  async function job(source: string, request: ProcessTask['request'], overrides: Partial<ProcessTask> = {}): Promise<ProcessTask> {
    const jobDir = await mkdtemp(join(root, 'job-'));
    const input = join(jobDir, `input-${basename(source)}`);
    await copyFile(source, input);
    return { jobId: basename(jobDir), input, jobDir, request, inputName: basename(source), maxDurationSeconds: 600, timeoutMs: 60_000, ...overrides };
  }

  async function fileOf(task: ProcessTask): Promise<ResultFile> {
    const outcome: ProcessOutcome = await processMedia(task, ctx());
    if (outcome.kind !== 'file') throw new Error(`expected a file, got ${outcome.kind}`);
    expect(dirname(outcome.file.path)).to.equal(task.jobDir);
    return outcome.file;
  }

  async function failureOf(task: ProcessTask, context: ProcessContext = ctx()): Promise<JobError> {
    const error = await processMedia(task, context).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(JobError);
    return error as JobError;
  }

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'courier-process-'));
    clip = join(root, 'clip.mp4');
    song = join(root, 'song.mp3');
    still = join(root, 'still.png');
    await ffmpeg([
      '-f', 'lavfi', '-i', 'testsrc=duration=3:size=640x360:rate=25',
      '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3:sample_rate=44100',
      '-ac', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k', '-shortest', clip,
    ]);
    await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=330:duration=3', '-c:a', 'libmp3lame', '-b:a', '128k', '-metadata', 'title=Test Tone', '-metadata', 'artist=Courier Band', song]);
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=400x300:rate=1', '-frames:v', '1', still]);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    percents = [];
    controller = new AbortController();
  });

  it('Info answers with a human summary of a video', async () => {
    const outcome = await processMedia(await job(clip, { action: 'info' }), ctx());
    expect(outcome.kind).to.equal('text');
    const text = outcome.kind === 'text' ? outcome.text : '';
    expect(text).to.contain('Duration: 0:03').and.contain('Container: MP4').and.contain('Video: h264, 640×360, 25 fps');
    expect(text).to.contain('Audio: aac, stereo, 44.1 kHz').and.match(/Bitrate: \d+ kb\/s/).and.match(/Size: \d+(\.\d)? KB/);
  });

  it('Info on a still picture says it is an image', async () => {
    const outcome = await processMedia(await job(still, { action: 'info' }), ctx());
    expect(outcome.kind === 'text' && outcome.text).to.contain('Image: png, 400×300').and.not.contain('Duration');
  });

  it('Extract audio copies AAC into an M4A without re-encoding', async () => {
    const task = await job(clip, { action: 'extractAudio' });
    const file = await fileOf(task);
    expect(file).to.include({ fileName: 'clip.m4a', mimeType: 'audio/mp4', sendAs: 'audio' });
    expect(file.durationSeconds).to.be.closeTo(3, 0.2);
    expect(file.thumbPath).to.equal(undefined);
    expect(await streamCodecs(file.path)).to.deep.equal(['aac']);
    expect(await audioPacketsMd5(file.path)).to.equal(await audioPacketsMd5(clip));
    expect(percents.at(-1)).to.equal(100);
  });

  it('Extract audio can be forced to MP3 from an AAC source', async () => {
    const file = await fileOf(await job(clip, { action: 'extractAudio', option: 'mp3' }));
    expect(file).to.include({ fileName: 'clip.mp3', mimeType: 'audio/mpeg' });
    expect(await streamCodecs(file.path)).to.deep.equal(['mp3']);
  });

  it('Extract audio makes Opus in an Ogg container (.opus) when asked, at 48 kHz', async () => {
    const file = await fileOf(await job(clip, { action: 'extractAudio', option: 'opus' }));
    expect(file).to.include({ fileName: 'clip.opus', mimeType: 'audio/ogg', sendAs: 'audio' });
    expect(file.durationSeconds).to.be.closeTo(3, 0.2);
    expect(await streamCodecs(file.path)).to.deep.equal(['opus']);
    const { stdout } = await run(ffprobePath, ['-v', 'error', '-show_entries', 'format=format_name:stream=sample_rate', '-of', 'csv=p=0', file.path]);
    expect(stdout).to.include('48000').and.to.include('ogg');
  });

  it('Extract audio from a tagged MP3 keeps title and performer', async () => {
    const file = await fileOf(await job(song, { action: 'extractAudio' }));
    expect(file).to.include({ fileName: 'song.mp3', sendAs: 'audio', title: 'Test Tone', performer: 'Courier Band' });
    expect(await streamCodecs(file.path)).to.deep.equal(['mp3']);
    expect(file.durationSeconds).to.be.closeTo(3, 0.2);
  });

  it('Compress 480p makes a streamable H.264/AAC MP4 with a small thumbnail, never upscaling', async () => {
    const file = await fileOf(await job(clip, { action: 'compress', option: '480p' }));
    expect(file).to.include({ fileName: 'clip.mp4', mimeType: 'video/mp4', sendAs: 'video', supportsStreaming: true, width: 640, height: 360 });
    expect(await streamCodecs(file.path)).to.deep.equal(['h264', 'aac']);
    expect(file.durationSeconds).to.be.closeTo(3, 0.2);
    // +faststart: the index (moov) comes before the media data (mdat), so playback starts at once.
    const bytes = await readFile(file.path);
    expect(bytes.indexOf('moov')).to.be.greaterThan(0).and.lessThan(bytes.indexOf('mdat'));
    expect(file.thumbPath).to.be.a('string');
    expect(dirname(file.thumbPath!)).to.equal(dirname(file.path));
    expect(await streamCodecs(file.thumbPath!)).to.deep.equal(['mjpeg']);
    expect(await videoSize(file.thumbPath!)).to.deep.equal([320, 180]);
  });

  it('Convert to MP4 and to GIF', async () => {
    const mp4 = await fileOf(await job(clip, { action: 'convert', option: 'mp4' }));
    expect(await streamCodecs(mp4.path)).to.deep.equal(['h264', 'aac']);
    expect(mp4).to.include({ sendAs: 'video', supportsStreaming: true, width: 640, height: 360 });

    const gif = await fileOf(await job(clip, { action: 'convert', option: 'gif' }));
    expect(gif).to.include({ fileName: 'clip.gif', mimeType: 'image/gif', sendAs: 'animation', width: 480, height: 270 });
    expect(await streamCodecs(gif.path)).to.deep.equal(['gif']);
    expect(await durationOf(gif.path)).to.be.closeTo(3, 0.3);
    expect(gif.thumbPath).to.be.a('string');
  });

  it('refuses a GIF of a clip longer than 15 s', async () => {
    const long = join(root, 'long.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=duration=16:size=160x120:rate=5', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', long]);
    const task = await job(long, { action: 'convert', option: 'gif' });
    const error = await failureOf(task);
    expect(error.reason).to.equal('UNSUPPORTED_MEDIA');
    expect(error.message).to.contain('15 s');
    expect(await readdir(task.jobDir)).to.deep.equal([basename(task.input)]);
  });

  it('Thumbnail takes a JPEG photo at 1 s by default and at the chosen second', async () => {
    const first = await fileOf(await job(clip, { action: 'thumbnail' }));
    expect(first).to.include({ fileName: 'clip.jpg', mimeType: 'image/jpeg', sendAs: 'photo', width: 640, height: 360 });
    expect(first.durationSeconds).to.equal(undefined);
    expect(await streamCodecs(first.path)).to.deep.equal(['mjpeg']);

    const later = await fileOf(await job(clip, { action: 'thumbnail', option: '2' }));
    expect(await readFile(later.path)).to.not.deep.equal(await readFile(first.path)); // testsrc's counter moved on
    const pastEnd = await fileOf(await job(clip, { action: 'thumbnail', option: '99' }));
    expect(pastEnd.sizeBytes).to.be.greaterThan(1000);
  });

  it('the thumbnail second: 1 s, the middle of short clips, clamped inside the clip', () => {
    expect(thumbnailSecond(10, undefined)).to.equal(1);
    expect(thumbnailSecond(1, undefined)).to.equal(0.5);
    expect(thumbnailSecond(10, '4')).to.equal(4);
    expect(thumbnailSecond(10, '60')).to.be.closeTo(9.9, 1e-9);
    expect(thumbnailSecond(null, '5')).to.equal(0);
  });

  it('Send as file returns the input untouched under a clean display name', async () => {
    const task = await job(clip, { action: 'sendAsFile' }, { inputName: '../../holiday clip.mp4' });
    const file = await fileOf(task);
    expect(file).to.deep.equal({ path: task.input, fileName: 'holiday clip.mp4', mimeType: 'application/octet-stream', sendAs: 'document', sizeBytes: (await readFile(clip)).length });
  });

  it('a file name like ../../x names outputs inside the job directory', async () => {
    const task = await job(clip, { action: 'extractAudio', option: 'mp3' }, { inputName: '../../x' });
    const file = await fileOf(task);
    expect(file.fileName).to.equal('x.mp3');
    expect(basename(file.path)).to.match(/^result-[0-9a-f]+\.mp3$/);
    expect((await readdir(task.jobDir)).sort()).to.deep.equal([basename(task.input), basename(file.path)].sort());
    expect(await readdir(dirname(root))).to.not.include('x.mp3');
  });

  it('a corrupt file is CORRUPT_MEDIA and leaves nothing behind', async () => {
    const junk = join(root, 'junk.mp4');
    await writeFile(junk, seededBytes('process-corrupt', 32 * 1024));
    const task = await job(junk, { action: 'compress', option: '480p' });
    const error = await failureOf(task);
    expect(error).to.include({ reason: 'CORRUPT_MEDIA', retryable: false });
    expect(await readdir(task.jobDir)).to.deep.equal([basename(task.input)]);
  });

  it('a playlist disguised as .mp4 is refused before ffprobe or ffmpeg run', async () => {
    const playlist = join(root, 'movie.mp4');
    await writeFile(playlist, '#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n');
    const task = await job(playlist, { action: 'convert', option: 'mp4' });
    // Tools that do not exist: had either been started, the error would say so (INTERNAL).
    const error = await failureOf(task, { ...ctx(), ffmpegPath: '/nonexistent/ffmpeg', ffprobePath: '/nonexistent/ffprobe' });
    expect(error.reason).to.equal('UNSUPPORTED_MEDIA');
    expect(error.message).to.contain('HLS playlist');
  });

  it('media over the duration limit is DURATION_TOO_LONG', async () => {
    const error = await failureOf(await job(clip, { action: 'compress', option: '480p' }, { maxDurationSeconds: 2 }));
    expect(error).to.include({ reason: 'DURATION_TOO_LONG', retryable: false });
    expect(error.message).to.contain('limit is 2 s');
  });

  it('a picture cannot be compressed', async () => {
    const error = await failureOf(await job(still, { action: 'compress', option: '480p' }));
    expect(error.reason).to.equal('UNSUPPORTED_MEDIA');
  });

  it('an input outside the job directory is refused', async () => {
    const task = await job(clip, { action: 'info' });
    const error = await failureOf({ ...task, input: clip });
    expect(error.reason).to.equal('INTERNAL');
    expect(error.message).to.contain('not inside the job directory');
  });

  it('cancelling kills ffmpeg and removes the partial output', async () => {
    const longer = join(root, 'longer.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=duration=30:size=640x360:rate=25', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', longer]);
    const task = await job(longer, { action: 'convert', option: 'mp4' });
    const context: ProcessContext = {
      ...ctx(),
      // Cancel as soon as ffmpeg reports any progress: it is running and writing its output.
      onPercent: (p) => {
        if (p < 100) controller.abort();
      },
    };
    const error = await failureOf(task, context);
    expect(error.reason).to.equal('CANCELLED');
    expect(await readdir(task.jobDir)).to.deep.equal([basename(task.input)]);
  });
});
