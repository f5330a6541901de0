import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { JobError } from '../../../src/domain/jobError.js';
import type { ProcessTask } from '../../../src/domain/mediaPorts.js';
import { runFfmpeg } from '../../../src/media/commands.js';
import { confinedCommand, describeConfinement, detectConfinement, NO_CONFINEMENT, type ConfinementSupport } from '../../../src/media/confinement.js';
import { DEFAULT_MEDIA_LIMITS } from '../../../src/media/limits.js';
import { processMedia } from '../../../src/media/process.js';
import { ffmpegPath, ffprobePath, generateClip } from '../../helpers/mediaFixtures.js';
import { writePngBomb, writeVideoBomb } from './pixelBombs.js';

const GNU_TIME = '/usr/bin/time';

describe('media confinement', function () {
  this.timeout(120_000);
  let root: string;
  let support: ConfinementSupport;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'courier-confine-'));
    support = await detectConfinement();
    // Shown in the test output: what this machine confines ffmpeg with.
    console.log(`      ${describeConfinement(support)}`);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe('the wrapped command', () => {
    const limits = { ...DEFAULT_MEDIA_LIMITS, maxMemoryBytes: 1000, maxResultBytes: 2000, threads: 2 };

    it('puts prlimit outermost, then bubblewrap with only the job directory writable and no network', () => {
      const { command, args } = confinedCommand('/bin/ffmpeg', ['-i', '/job/x'], { support: { prlimit: true, bwrap: true, unshareNet: true }, jobDir: '/job', limits, timeoutMs: 10_000 });
      expect(command).to.equal('prlimit');
      expect(args.slice(0, 4)).to.deep.equal(['--as=1000', `--cpu=${10 * 3 + 5}`, `--fsize=${2000 + 64 * 1024 * 1024}`, '--']);
      const bwrap = args.slice(4);
      expect(bwrap[0]).to.equal('bwrap');
      expect(bwrap.join(' ')).to.include('--ro-bind / /').and.include('--bind /job /job').and.include('--unshare-net').and.include('--die-with-parent');
      expect(bwrap.slice(-3)).to.deep.equal(['/bin/ffmpeg', '-i', '/job/x']);
    });

    it('falls back to unshare -n without bubblewrap, and to the bare tool with nothing', () => {
      const net = confinedCommand('/bin/ffmpeg', ['-x'], { support: { prlimit: false, bwrap: false, unshareNet: true }, jobDir: '/job', limits, timeoutMs: 1000 });
      expect([net.command, ...net.args]).to.deep.equal(['unshare', '-n', '--', '/bin/ffmpeg', '-x']);
      const bare = confinedCommand('/bin/ffmpeg', ['-x'], { support: NO_CONFINEMENT, jobDir: '/job', limits, timeoutMs: 1000 });
      expect([bare.command, ...bare.args]).to.deep.equal(['/bin/ffmpeg', '-x']);
    });

    it('detection asks each mechanism once and says in words what is missing', async () => {
      const asked: string[] = [];
      const found = await detectConfinement(async (command) => {
        asked.push(command);
        return command === 'prlimit';
      });
      expect(found).to.deep.equal({ prlimit: true, bwrap: false, unshareNet: false });
      expect(asked.sort()).to.deep.equal(['bwrap', 'prlimit', 'unshare']);
      expect(describeConfinement(found)).to.match(/prlimit/).and.match(/no network or file-system isolation/);
    });
  });

  describe('on this machine', () => {
    it('a confined ffmpeg writes into its job directory but nowhere else', async () => {
      // Not skipped where bubblewrap is missing: the confinement the README promises is what is tested.
      expect(support.bwrap, 'bubblewrap is not installed: apt-get install -y bubblewrap (.ci/run installs it)').to.equal(true);
      const jobDir = await mkdtemp(join(root, 'job-'));
      const elsewhere = await mkdtemp(join(root, 'elsewhere-'));
      const args = ['-hide_banner', '-nostdin', '-y', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=0.2:size=64x48', '-f', 'null'];
      const confine = { support, jobDir, limits: DEFAULT_MEDIA_LIMITS };
      await runFfmpeg({ ffmpegPath, args: [...args.slice(0, -2), '-f', 'mjpeg', '-frames:v', '1', join(jobDir, 'ok.jpg')], durationSeconds: null, timeoutMs: 30_000, confine });
      expect(existsSync(join(jobDir, 'ok.jpg'))).to.equal(true);
      const error = await runFfmpeg({ ffmpegPath, args: [...args.slice(0, -2), '-f', 'mjpeg', '-frames:v', '1', join(elsewhere, 'no.jpg')], durationSeconds: null, timeoutMs: 30_000, confine }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(JobError);
      expect(existsSync(join(elsewhere, 'no.jpg'))).to.equal(false);
    });

    it('a confined ffmpeg has no network: only the loopback interface exists', async () => {
      expect(support.bwrap || support.unshareNet, 'neither bubblewrap nor unshare -n works here: apt-get install -y bubblewrap').to.equal(true);
      const { command, args } = confinedCommand('cat', ['/proc/net/dev'], { support, jobDir: root, limits: DEFAULT_MEDIA_LIMITS, timeoutMs: 5000 });
      const { execFileSync } = await import('node:child_process');
      const interfaces = execFileSync(command, args, { encoding: 'utf8' })
        .split('\n')
        .slice(2)
        .map((line) => line.split(':')[0]?.trim())
        .filter((name) => name);
      expect(interfaces).to.deep.equal(['lo']);
    });
  });

  describe('pixel bombs end as a failed job naming the pixel limit, with ffmpeg small', () => {
    /**
     * The tools are run through a wrapper that records their peak RSS with GNU time (when the
     * machine has it), inside the same confinement as always.
     */
    async function measuredTools(dir: string): Promise<{ ffmpeg: string; ffprobe: string; peakKb: () => Promise<number | null> }> {
      const log = join(dir, 'rss.log');
      const wrap = async (name: string, real: string) => {
        const script = join(dir, name);
        const body = existsSync(GNU_TIME) ? `exec ${GNU_TIME} -a -f %M -o '${log}' '${real}' "$@"` : `exec '${real}' "$@"`;
        await writeFile(script, `#!/bin/sh\n${body}\n`);
        await chmod(script, 0o755);
        return script;
      };
      return {
        ffmpeg: await wrap('ffmpeg-measured', ffmpegPath),
        ffprobe: await wrap('ffprobe-measured', ffprobePath),
        peakKb: async () => {
          if (!existsSync(log)) return null;
          const values = (await readFile(log, 'utf8')).split('\n').map(Number).filter((n) => n > 0);
          return values.length > 0 ? Math.max(...values) : null;
        },
      };
    }

    async function bombJob(make: (path: string) => Promise<void>, name: string, request: ProcessTask['request']): Promise<{ error: unknown; peakKb: number | null }> {
      const jobDir = await mkdtemp(join(root, 'bomb-'));
      const input = join(jobDir, `input-${name}`);
      await make(input);
      const tools = await measuredTools(jobDir);
      const task: ProcessTask = { jobId: basename(jobDir), input, jobDir, request, inputName: name, maxDurationSeconds: 600, timeoutMs: 60_000 };
      const error = await processMedia(task, { ffmpegPath: tools.ffmpeg, ffprobePath: tools.ffprobe, signal: new AbortController().signal, onPercent: () => undefined }).then(
        () => null,
        (e: unknown) => e,
      );
      return { error, peakKb: await tools.peakKb() };
    }

    function expectPixelLimit(error: unknown, size: string): void {
      expect(error).to.be.instanceOf(JobError);
      const jobError = error as JobError;
      expect(jobError.reason).to.equal('UNSUPPORTED_MEDIA');
      expect(jobError.retryable).to.equal(false);
      expect(jobError.message).to.include(size).and.include('pixel limit of 67.1 Mpx');
    }

    it('a 30000×30000 PNG of under 1 MB', async () => {
      const { error, peakKb } = await bombJob((path) => writePngBomb(path, 30000, 30000), 'bomb.png', { action: 'thumbnail' });
      expectPixelLimit(error, '30000×30000');
      console.log(`      peak RSS of ffprobe/ffmpeg: ${peakKb === null ? 'not measured (no GNU time)' : `${Math.round(peakKb / 1024)} MiB`}`);
      if (peakKb !== null) expect(peakKb).to.be.below(100 * 1024);
    });

    it('a 16000×16000 video of 2 frames (half a megabyte), which libavutil alone would decode', async () => {
      const { error, peakKb } = await bombJob(
        (path) => writeVideoBomb(ffmpegPath, `${path}.png`, path, 16000, 16000).then(() => rm(`${path}.png`)),
        'bomb.mp4',
        { action: 'compress', option: '480p' },
      );
      expectPixelLimit(error, '16000×16000');
      console.log(`      peak RSS of ffprobe/ffmpeg: ${peakKb === null ? 'not measured (no GNU time)' : `${Math.round(peakKb / 1024)} MiB`}`);
      if (peakKb !== null) expect(peakKb).to.be.below(100 * 1024);
    });

    it('a normal clip still goes through the same guards', async () => {
      const jobDir = await mkdtemp(join(root, 'normal-'));
      const source = join(root, 'clip.mp4');
      await generateClip(source);
      const input = join(jobDir, 'input-clip.mp4');
      await copyFile(source, input);
      const outcome = await processMedia(
        { jobId: 'n', input, jobDir, request: { action: 'thumbnail' }, inputName: 'clip.mp4', maxDurationSeconds: 600, timeoutMs: 60_000 },
        { ffmpegPath, ffprobePath, signal: new AbortController().signal, onPercent: () => undefined },
      );
      expect(outcome.kind).to.equal('file');
    });
  });
});
