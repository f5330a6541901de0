/**
 * Videos over Telegram's per-file limit: the pure cut planning (packets and keyframes → cut
 * times), then real ffmpeg runs on a small noisy clip with a 512 KiB limit, checking that every
 * part is under the limit, starts with a keyframe, plays (ffprobe reads it) and that the parts'
 * durations add up to the whole.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import type { ResultFile } from '../../../../src/domain/mediaPorts.js';
import { DEFAULT_MEDIA_LIMITS } from '../../../../src/media/limits.js';
import { detectConfinement } from '../../../../src/media/confinement.js';
import { processMedia } from '../../../../src/media/process.js';
import { parsePacketLine, splitVideo } from '../../../../src/media/split/video.js';
import { partBudget, planVideoCuts, UnsplittableVideoError, videoPartName, type PacketInfo } from '../../../../src/media/split/plan.js';
import { ffmpegPath, ffprobePath } from '../../../helpers/mediaFixtures.js';

const run = promisify(execFile);
const KIB = 1024;

/** A video of `seconds` at 25 fps with a keyframe every `gop` frames, `frameBytes` each, and audio packets of 200 bytes every 0.02 s. */
function packets(seconds: number, gop: number, frameBytes: number): PacketInfo[] {
  const out: PacketInfo[] = [];
  for (let f = 0; f < seconds * 25; f++) out.push({ time: f / 25, size: frameBytes, videoKey: f % gop === 0 });
  for (let a = 0; a < seconds * 50; a++) out.push({ time: a / 50 + 0.001, size: 200, videoKey: false });
  return out;
}

async function probe(file: string): Promise<{ duration: number; firstVideoKey: boolean }> {
  const { stdout } = await run(ffprobePath, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  const { stdout: first } = await run(ffprobePath, ['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1', '-show_entries', 'packet=flags', '-of', 'csv=p=0', file]);
  return { duration: Number(stdout.trim()), firstVideoKey: first.trim().startsWith('K') };
}

describe('splitting a video over the per-file limit', function () {
  this.timeout(120_000);

  describe('planning cuts (pure)', () => {
    it('cuts only at keyframes, keeps every part within the budget and covers the whole video', () => {
      const list = packets(60, 50, 10 * KIB); // a keyframe every 2 s, about 260 KB a second
      const maxBytes = 4 * 1024 * KIB;
      const plan = planVideoCuts(list, maxBytes);
      const keyTimes = list.filter((p) => p.videoKey).map((p) => p.time);
      expect(plan.partStarts[0]).to.equal(0);
      for (const start of plan.partStarts.slice(1)) expect(keyTimes).to.include(start);
      for (const bytes of plan.partBytes) expect(bytes).to.be.at.most(partBudget(maxBytes, 0.03));
      expect(plan.partBytes.reduce((a, b) => a + b, 0)).to.equal(list.reduce((a, p) => a + p.size, 0));
      // 520 KB per 2 s keyframe interval: 7 intervals (3.64 MB) fit a part, so 15.6 MB takes 5 parts.
      expect(plan.partBytes.length).to.equal(plan.cutTimes.length + 1).and.equal(5);
      // Each cut time lies between the chosen keyframe and the keyframe before it.
      plan.cutTimes.forEach((t, i) => {
        const start = plan.partStarts[i + 1]!;
        expect(t).to.be.lessThan(start).and.greaterThan(start - 2);
      });
    });

    it('needs no cut when the packets fit, and a wider margin makes more parts', () => {
      const list = packets(10, 25, 5 * KIB);
      expect(planVideoCuts(list, 4 * 1024 * KIB).cutTimes).to.deep.equal([]);
      const thin = planVideoCuts(packets(60, 25, 10 * KIB), 4 * 1024 * KIB, 0.03).partBytes.length;
      expect(planVideoCuts(packets(60, 25, 10 * KIB), 4 * 1024 * KIB, 0.3).partBytes.length).to.be.greaterThan(thin);
    });

    it('refuses when one keyframe interval is larger than a part may be', () => {
      expect(() => planVideoCuts(packets(30, 250, 10 * KIB), 1024 * KIB)).to.throw(UnsplittableVideoError, /between two keyframes/);
    });

    it('reads ffprobe packet lines and names parts', () => {
      expect(parsePacketLine('codec_type=video|pts_time=2.000000|dts_time=1.960000|size=4321|flags=K__')).to.deep.equal({ time: 2, size: 4321, videoKey: true });
      expect(parsePacketLine('codec_type=audio|pts_time=N/A|dts_time=0.5|size=10|flags=K_')).to.deep.equal({ time: 0.5, size: 10, videoKey: false });
      expect(parsePacketLine('codec_type=subtitle|pts_time=1|dts_time=1|size=3|flags=K_')).to.equal(null);
      expect(videoPartName('holiday.mp4', 1)).to.equal('holiday.part2.mp4');
      expect(videoPartName('noext', 0)).to.equal('noext.part1.mp4');
    });
  });

  describe('with ffmpeg, a 512 KiB limit', () => {
    let root: string;
    let clip: string;
    let clipDuration: number;

    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'courier-split-'));
      clip = join(root, 'noisy.mp4');
      // Noise keeps the encoder from shrinking it: about 850 KB for 6 s, a keyframe every second.
      await run(ffmpegPath, [
        '-hide_banner', '-v', 'error', '-nostdin', '-y',
        '-f', 'lavfi', '-i', 'testsrc2=duration=6:size=320x240:rate=25,noise=alls=20:allf=t',
        '-f', 'lavfi', '-i', 'sine=frequency=440:duration=6',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-crf', '30', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-shortest', clip,
      ]);
      clipDuration = (await probe(clip)).duration;
    });
    after(async () => rm(root, { recursive: true, force: true }));

    async function checkParts(parts: ResultFile[], wholeDuration: number, limit: number): Promise<void> {
      expect(parts.length).to.be.at.least(2);
      let total = 0;
      for (const [i, part] of parts.entries()) {
        expect(part.sizeBytes).to.equal((await stat(part.path)).size).and.be.at.most(limit);
        expect(part.sendAs).to.equal('video');
        const probed = await probe(part.path);
        expect(probed.firstVideoKey, `part ${i + 1} starts with a keyframe`).to.equal(true);
        expect(part.durationSeconds).to.be.closeTo(probed.duration, 0.01);
        total += probed.duration;
      }
      expect(total).to.be.closeTo(wholeDuration, 0.15);
    }

    it('cuts a video into playable parts under the limit whose durations add up, and removes the whole', async () => {
      const jobDir = await mkdtemp(join(root, 'job-'));
      const whole = join(jobDir, 'result-abc.mp4');
      await copyFile(clip, whole);
      const describe = {
        ffmpegPath, ffprobePath, jobDir, signal: new AbortController().signal, timeoutMs: 60_000,
        limits: DEFAULT_MEDIA_LIMITS, confinement: await detectConfinement(), maxSeconds: 600,
      };
      const file: ResultFile = { path: whole, fileName: 'noisy.mp4', mimeType: 'video/mp4', sendAs: 'video', sizeBytes: (await stat(whole)).size, durationSeconds: clipDuration };
      const made: string[] = [];
      const parts = await splitVideo({ file, maxPartBytes: 512 * KIB, hasAudio: true, describe, made });
      expect(parts.map((p) => p.fileName)).to.deep.equal(parts.map((_, i) => `noisy.part${i + 1}.mp4`));
      await checkParts(parts, clipDuration, 512 * KIB);
      expect((await readdir(jobDir)).includes(basename(whole)), 'the whole file is removed').to.equal(false);
      for (const part of parts) expect(made).to.include(part.path);
    });

    it('processing (Compress) returns the parts of a video result over task.maxPartBytes', async () => {
      const jobDir = await mkdtemp(join(root, 'job-'));
      const input = join(jobDir, 'input-noisy.mp4');
      await copyFile(clip, input);
      const outcome = await processMedia(
        { jobId: 'j', input, jobDir, request: { action: 'compress', option: '480p' }, inputName: 'noisy.mp4', maxDurationSeconds: 600, timeoutMs: 60_000, maxPartBytes: 512 * KIB },
        { ffmpegPath, ffprobePath, signal: new AbortController().signal, onPercent: () => undefined },
      );
      if (outcome.kind !== 'file' || !outcome.parts) throw new Error(`expected parts, got ${JSON.stringify(outcome)}`);
      expect(outcome.file.sizeBytes).to.be.greaterThan(512 * KIB);
      await checkParts(outcome.parts, outcome.file.durationSeconds!, 512 * KIB);
    });
  });
});
