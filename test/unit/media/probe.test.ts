import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededBytes } from '../../helpers/seededBytes.js';
import { JobError } from '../../../src/domain/jobError.js';
import { parseProbeOutput, probeMedia } from '../../../src/media/probe.js';
import { ffprobePath, generateClip } from '../../helpers/mediaFixtures.js';

describe('probing media with ffprobe', () => {
  let dir: string;
  let clip: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'courier-probe-'));
    clip = join(dir, 'clip.mp4');
    await generateClip(clip, { title: 'Test tone' });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('summarises a generated H.264/AAC clip', async () => {
    const summary = await probeMedia({ ffprobePath, filePath: clip });
    expect(summary.durationSeconds).to.be.closeTo(2, 0.15);
    expect(summary.sizeBytes).to.be.greaterThan(1000);
    expect(summary.format).to.contain('mp4');
    expect(summary.video).to.deep.equal({ codec: 'h264', width: 320, height: 240, fps: 25 });
    expect(summary.audio).to.deep.include({ codec: 'aac', channels: 1, sampleRate: 44100 });
    expect(summary.isImage).to.equal(false);
    expect(summary.tags).to.deep.equal({ title: 'Test tone', artist: 'Courier Tests' });
  });

  it('a file of random bytes is CORRUPT_MEDIA with a clear message', async () => {
    const junk = join(dir, 'junk.mp4');
    await writeFile(junk, seededBytes('corrupt', 64 * 1024));
    const error = await probeMedia({ ffprobePath, filePath: junk }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(JobError);
    expect(error).to.include({ reason: 'CORRUPT_MEDIA', retryable: false });
    expect((error as Error).message).to.contain('could not read').and.contain('junk.mp4');
  });

  it('a missing ffprobe is an INTERNAL error naming media.ffprobePath', async () => {
    const error = await probeMedia({ ffprobePath: join(dir, 'no-ffprobe'), filePath: clip }).catch((e: unknown) => e);
    expect(error).to.include({ reason: 'INTERNAL' });
    expect((error as Error).message).to.contain('media.ffprobePath');
  });

  it('parses ffprobe JSON: frame rates, case-insensitive tags, cover art is not video, images are flagged', () => {
    const audioWithCover = parseProbeOutput({
      streams: [
        { codec_type: 'audio', codec_name: 'mp3', channels: 2, sample_rate: '48000', bit_rate: '320000' },
        { codec_type: 'video', codec_name: 'mjpeg', width: 600, height: 600, disposition: { attached_pic: 1 } },
      ],
      format: { format_name: 'mp3', duration: '185.5', size: '7400000', tags: { TITLE: 'Song', ARTIST: 'Band' } },
    });
    expect(audioWithCover.video).to.equal(null);
    expect(audioWithCover.audio).to.deep.equal({ codec: 'mp3', channels: 2, sampleRate: 48000, bitRate: 320000 });
    expect(audioWithCover.tags).to.deep.equal({ title: 'Song', artist: 'Band' });

    const ntsc = parseProbeOutput({
      streams: [{ codec_type: 'video', codec_name: 'h264', width: 1920, height: 1080, avg_frame_rate: '30000/1001' }],
      format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '10.0' },
    });
    expect(ntsc.video?.fps).to.equal(29.97);

    const photo = parseProbeOutput({ streams: [{ codec_type: 'video', codec_name: 'mjpeg', width: 800, height: 600 }], format: { format_name: 'image2' } });
    expect(photo.isImage).to.equal(true);
    expect(photo.durationSeconds).to.equal(null);
  });

  it('refuses JSON without audio or video as UNSUPPORTED_MEDIA and garbage as CORRUPT_MEDIA', () => {
    expect(() => parseProbeOutput({ streams: [{ codec_type: 'subtitle', codec_name: 'subrip' }], format: { format_name: 'srt' } }))
      .to.throw(JobError)
      .with.property('reason', 'UNSUPPORTED_MEDIA');
    expect(() => parseProbeOutput({ nothing: true })).to.throw(JobError).with.property('reason', 'CORRUPT_MEDIA');
  });
});
