import { filename as mediaWorkerFile } from '../../../../workers/media.js';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createMediaPool } from '../../../../src/jobs/pool/pool.js';
import type { FetchLinkTask, MediaPool, ProcessOutcome, ProcessTask } from '../../../../src/domain/mediaPorts.js';
import { JobError } from '../../../../src/domain/jobError.js';
import { processMedia } from '../../../../src/media/process.js';
import { openDatabase, type Database } from '../../../../src/storage/index.js';
import { readJobProgress } from '../../../../src/storage/jobProgress.js';
import { seededBytes, sha256Hex } from '../../../helpers/seededBytes.js';
import { ffmpegPath, ffprobePath } from '../../../helpers/mediaFixtures.js';

const run = promisify(execFile);

async function ffmpeg(args: string[]): Promise<void> {
  await run(ffmpegPath, ['-hide_banner', '-v', 'error', '-nostdin', '-y', ...args]);
}

/** Command lines of this machine's processes that mention `needle` (ffmpeg runs get the job directory in theirs). */
async function processesMentioning(needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) found.push(cmdline.replaceAll('\0', ' '));
  }
  return found;
}

/** Polls `check` on the event loop until it holds; fails after `limitMs`. */
async function until(what: string, check: () => boolean | Promise<boolean>, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function rejection(promise: Promise<unknown>): Promise<JobError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(JobError);
  return error as JobError;
}

const BIG = seededBytes('pool-link', 8 * 1024 * 1024);
const WORKERS = 4;

describe('the media pool (Piscina worker threads)', function () {
  this.timeout(120_000);
  let root: string;
  let dbFile: string;
  let main: Database;
  let pool: MediaPool;
  let server: Server;
  let port: number;
  let clip: string; // 3 s 640x360 H.264/AAC
  let longClip: string; // 30 s, long enough to cancel mid-encode
  let jobCount = 0;

  function addJob(): string {
    jobCount += 1;
    const id = `job-${jobCount}`;
    const now = Date.now();
    main
      .prepare(
        `INSERT INTO jobs (id, origin_key, user_id, chat, source_message_id, source, input_key, action, lang, state, max_attempts, created_at, updated_at)
         VALUES (?, ?, 'user-1', '{}', 1, '{}', ?, 'convert', 'en', 'processing', 3, ?, ?)`,
      )
      .run(id, `origin-${id}`, `input-${id}`, now, now);
    return id;
  }

  async function processTask(source: string, request: ProcessTask['request']): Promise<ProcessTask> {
    const jobDir = await mkdtemp(join(root, 'job-'));
    const input = join(jobDir, 'input-source.mp4');
    await copyFile(source, input);
    return { jobId: addJob(), input, jobDir, request, inputName: 'clip.mp4', maxDurationSeconds: 600, timeoutMs: 60_000 };
  }

  async function linkTask(path: string, overrides: Partial<FetchLinkTask> = {}): Promise<FetchLinkTask> {
    const jobDir = await mkdtemp(join(root, 'link-'));
    return {
      jobId: addJob(),
      url: `http://127.0.0.1:${port}${path}`,
      jobDir,
      maxBytes: 64 * 1024 * 1024,
      allowLoopback: true,
      // The loopback server's random port must be allowed like any port other than 80 and 443.
      allowedPorts: [port],
      denyCidrs: [],
      timeoutMs: 10_000,
      deadlineSeconds: 600,
      minBytesPerSecond: 10_240,
      maxRedirects: 3,
      ...overrides,
    };
  }

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'courier-pool-'));
    dbFile = join(root, 'courier.db');
    main = openDatabase(dbFile);
    clip = join(root, 'clip.mp4');
    longClip = join(root, 'long.mp4');
    await ffmpeg([
      '-f', 'lavfi', '-i', 'testsrc=duration=3:size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip,
    ]);
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=duration=30:size=640x360:rate=25', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', longClip]);

    // Sends the body in 64 KiB writes so a download reports progress many times.
    server = createServer((request, response) => {
      if (request.url !== '/video.mp4') {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': BIG.length });
      let offset = 0;
      const pump = () => {
        while (offset < BIG.length) {
          const chunk = BIG.subarray(offset, offset + 64 * 1024);
          offset += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;

    pool = createMediaPool({
      workerFile: mediaWorkerFile,
      databaseFile: dbFile,
      ffmpegPath,
      ffprobePath,
      threads: WORKERS,
      // Every change of percent is written, so the contention test really contends.
      progressThrottle: { minStep: 0, intervalMs: 0 },
    });
  });
  after(async () => {
    await pool?.close();
    server?.close();
    main?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('processing through the pool gives the same result as processing directly', async () => {
    const direct = (task: ProcessTask) => processMedia(task, { ffmpegPath, ffprobePath, signal: new AbortController().signal, onPercent: () => undefined });
    const fileOf = (outcome: ProcessOutcome) => {
      if (outcome.kind !== 'file') throw new Error(`expected a file, got ${outcome.kind}`);
      return outcome.file;
    };
    // MP3 encoding is deterministic: the same command gives the same bytes on any thread. The
    // worker hashes its output; the main thread hashes the direct one.
    const mp3Pool = fileOf(await pool.process(await processTask(clip, { action: 'extractAudio', option: 'mp3' }), new AbortController().signal));
    const mp3Direct = fileOf(await direct(await processTask(clip, { action: 'extractAudio', option: 'mp3' })));
    expect({ ...mp3Pool, path: '' }).to.deep.equal({ ...mp3Direct, path: '' });
    expect(await pool.hashFile(mp3Pool.path, new AbortController().signal)).to.equal(sha256Hex(await readFile(mp3Direct.path)));

    // Multi-threaded x264 with a bitrate target varies by a few bytes from run to run; everything
    // else must match.
    const videoPool = fileOf(await pool.process(await processTask(clip, { action: 'compress', option: '480p' }), new AbortController().signal));
    const videoDirect = fileOf(await direct(await processTask(clip, { action: 'compress', option: '480p' })));
    const { path: _p1, thumbPath: _t1, sizeBytes: size1, ...poolRest } = videoPool;
    const { path: _p2, thumbPath: _t2, sizeBytes: size2, ...directRest } = videoDirect;
    expect(poolRest).to.deep.equal(directRest);
    expect(size1).to.be.closeTo(size2, size2 * 0.02);

    const info = await pool.process(await processTask(clip, { action: 'info' }), new AbortController().signal);
    expect(info.kind === 'text' && info.text).to.contain('640×360');
  });

  it("a worker's progress rows are visible on the main thread's own connection", async () => {
    const task = await processTask(clip, { action: 'convert', option: 'mp4' });
    expect(readJobProgress(main, task.jobId)).to.deep.equal({ percent: 0, progressAt: null });
    const before = Date.now();
    await pool.process(task, new AbortController().signal);
    const progress = readJobProgress(main, task.jobId);
    expect(progress?.percent).to.equal(100);
    expect(progress?.progressAt).to.be.at.least(before);
  });

  it('errors come back from the worker as JobErrors with their reason', async () => {
    const task = await processTask(clip, { action: 'info' });
    await rm(task.input);
    await copyFile(join(root, 'courier.db'), task.input); // a SQLite file: binary, but not media
    const error = await rejection(pool.process(task, new AbortController().signal));
    expect(error).to.include({ reason: 'CORRUPT_MEDIA', retryable: false });
  });

  it('downloads a link from a loopback server byte for byte', async () => {
    const task = await linkTask('/video.mp4');
    const result = await pool.fetchLink(task, new AbortController().signal);
    expect(dirname(result.path)).to.equal(task.jobDir);
    expect(basename(result.path)).to.match(/^input-[0-9a-f]+\.mp4$/);
    expect(result).to.include({ bytes: BIG.length, contentType: 'video/mp4', suggestedName: 'video.mp4' });
    expect(sha256Hex(await readFile(result.path))).to.equal(sha256Hex(BIG));
    expect(readJobProgress(main, task.jobId)?.percent).to.equal(100);
  });

  it('refuses a loopback link when loopback is not allowed, with a clear message', async () => {
    const task = await linkTask('/video.mp4', { allowLoopback: false });
    const error = await rejection(pool.fetchLink(task, new AbortController().signal));
    expect(error).to.include({ reason: 'LINK_REFUSED', retryable: false });
    expect(error.message).to.contain('The link was refused').and.contain('127.0.0.1');
    expect(await readdir(task.jobDir)).to.deep.equal([]);
  });

  it('refuses a loopback link on a port not in allowedPorts, even with loopback allowed', async () => {
    const task = await linkTask('/video.mp4', { allowedPorts: [] });
    const error = await rejection(pool.fetchLink(task, new AbortController().signal));
    expect(error).to.include({ reason: 'LINK_REFUSED', retryable: false });
    expect(error.message).to.contain(`port ${port} is not allowed (links.allowedPorts)`);
    expect(await readdir(task.jobDir)).to.deep.equal([]);
  });

  it('refuses a link over the size cap and keeps nothing', async () => {
    const task = await linkTask('/video.mp4', { maxBytes: 1024 * 1024 });
    const error = await rejection(pool.fetchLink(task, new AbortController().signal));
    expect(error.reason).to.equal('FILE_TOO_BIG');
    expect(error.message).to.contain('1048576');
    expect(await readdir(task.jobDir)).to.deep.equal([]);
  });

  it('all workers writing progress at once, with the main thread writing too, never hit SQLITE_BUSY', async () => {
    const tasks = await Promise.all(Array.from({ length: WORKERS * 2 }, () => linkTask('/video.mp4')));
    const seen = new Map<string, Set<number>>(tasks.map((t) => [t.jobId, new Set<number>()]));
    let finished = false;
    const downloads = Promise.all(tasks.map((t) => pool.fetchLink(t, new AbortController().signal))).finally(() => {
      finished = true;
    });
    // The main thread keeps writing the same table (as the runner does) and watches the percents move.
    const touch = main.prepare('UPDATE jobs SET updated_at = ? WHERE id = ?');
    let mainWrites = 0;
    while (!finished) {
      for (const t of tasks) {
        touch.run(Date.now(), t.jobId);
        mainWrites += 1;
        seen.get(t.jobId)!.add(readJobProgress(main, t.jobId)?.percent ?? -1);
      }
      await nextTurn();
    }
    const results = await downloads; // a SQLITE_BUSY in any worker would have failed its task
    expect(results.map((r) => r.bytes)).to.deep.equal(Array(tasks.length).fill(BIG.length));
    for (const t of tasks) expect(readJobProgress(main, t.jobId)?.percent).to.equal(100);
    const distinct = [...seen.values()].reduce((sum, s) => sum + s.size, 0);
    expect(distinct, 'the main thread saw the progress move while workers wrote it').to.be.greaterThan(tasks.length * 3);
    expect(mainWrites).to.be.greaterThan(0);
  });

  it('cancelling mid-ffmpeg kills it, answers CANCELLED and removes the partial output', async () => {
    const task = await processTask(longClip, { action: 'convert', option: 'mp4' });
    const controller = new AbortController();
    const running = pool.process(task, controller.signal);
    const settled = running.then(
      () => 'resolved',
      () => 'rejected',
    );
    // Wait until ffmpeg is running on this job and has reported progress, then cancel.
    await until('ffmpeg is encoding', async () => {
      if ((await Promise.race([settled, Promise.resolve('pending')])) !== 'pending') return true;
      return (readJobProgress(main, task.jobId)?.percent ?? 0) > 0 && (await processesMentioning(task.jobDir)).some((c) => c.includes('libx264'));
    });
    expect((await readdir(task.jobDir)).length, 'ffmpeg has started writing its output').to.equal(2);
    controller.abort();
    const error = await rejection(running);
    expect(error.reason).to.equal('CANCELLED');
    // The worker stopped ffmpeg itself (not a thread termination by the pool's grace timer).
    expect(error.message).to.contain('ffmpeg was stopped because the job was cancelled');
    expect(await processesMentioning(task.jobDir)).to.deep.equal([]);
    expect(await readdir(task.jobDir)).to.deep.equal(['input-source.mp4']);

    // The pool keeps working after a cancel.
    const info = await pool.process(await processTask(clip, { action: 'info' }), new AbortController().signal);
    expect(info.kind).to.equal('text');
  });

  it('cancelling a task still waiting in the queue drops it at once, while the running one goes on', async () => {
    const single = createMediaPool({ workerFile: mediaWorkerFile, databaseFile: dbFile, ffmpegPath, ffprobePath, threads: 1 });
    try {
      const first = await processTask(longClip, { action: 'convert', option: 'mp4' });
      const firstControl = new AbortController();
      const running = single.process(first, firstControl.signal);
      await until('the first task is encoding', () => (readJobProgress(main, first.jobId)?.percent ?? 0) > 0);
      const queuedControl = new AbortController();
      const queued = single.process(await processTask(clip, { action: 'info' }), queuedControl.signal);
      queuedControl.abort();
      const error = await rejection(queued);
      expect(error.reason).to.equal('CANCELLED');
      expect(error.message).to.contain('while queued');
      expect(await processesMentioning(first.jobDir), 'the running job was not disturbed').to.have.length.greaterThan(0);
      firstControl.abort();
      expect((await rejection(running)).reason).to.equal('CANCELLED');
    } finally {
      await single.close();
    }
  });

  it('a task cancelled before it starts never runs', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(pool.process(await processTask(clip, { action: 'info' }), controller.signal));
    expect(error.reason).to.equal('CANCELLED');
  });
});
