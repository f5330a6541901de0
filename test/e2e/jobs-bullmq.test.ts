/**
 * Story: media jobs on BullMQ, done by worker processes, survive a worker's death. Courier runs as
 * the service (jobs.backend bullmq) with two `npm run worker` processes, all children of this test,
 * against the emulator (in this process) and a redis-server of the test's own. Two users ask for
 * four transcodes; while both workers are busy, one is SIGKILLed. Its job stalls, the surviving
 * worker takes it over after the lock runs out (short lock settings here; see README), and every
 * job ends with exactly one result and one status message that says "Done.".
 *
 * Then the service itself is SIGKILLed while a job runs on a worker and started again: it
 * re-attaches to the BullMQ job by its id and the user still gets one result.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { killHard, runCourier, storyEnv, until, waitForOutput, type CourierProcess } from '../helpers/courierProcess.js';
import { connectUserClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { JobsChat, phaseOf } from '../helpers/jobsResilienceChat.js';
import { ffmpegPath } from '../helpers/mediaFixtures.js';
import { startTestRedis, type TestRedis } from '../helpers/redisServer.js';

const run = promisify(execFile);

describe('media jobs on BullMQ: two workers, one killed mid-job', function () {
  this.timeout(240_000);
  let emu: TestEmulator;
  let redis: TestRedis;
  let alice: JobsChat;
  let bob: JobsChat;
  let dataDir: string;
  let clip: string;
  const children: CourierProcess[] = [];

  const env = (): Record<string, string> =>
    storyEnv(dataDir, {
      COURIER__JOBS__BACKEND: 'bullmq',
      COURIER_REDIS_URL: redis.url,
      COURIER__JOBS__QUEUE_NAME: 'story',
      // One job at a time per worker, so each of the two is busy with its own job when one dies.
      COURIER__JOBS__POOL_SIZE: '1',
      COURIER__JOBS__PROGRESS_INTERVAL_MS: '150',
      COURIER__JOBS__MIN_FREE_DISK_BYTES: '0',
      // Short, so the story does not wait the production 30 s + 15 s for a dead worker's job.
      COURIER__JOBS__LOCK_DURATION_MS: '4000',
      COURIER__JOBS__STALLED_INTERVAL_MS: '1000',
    });

  function spawn(args: string[]): CourierProcess {
    const child = runCourier(args, env());
    children.push(child);
    return child;
  }

  async function startService(): Promise<CourierProcess> {
    const service = spawn(['start', '--sandbox', emu.dataDir]);
    await waitForOutput(service, /Courier is running as @/);
    return service;
  }

  async function startWorker(id: string): Promise<CourierProcess> {
    const worker = spawn(['worker', '--sandbox', emu.dataDir, '--id', id]);
    await waitForOutput(worker, new RegExp(`worker ${id} is running as @`));
    return worker;
  }

  const count = (child: CourierProcess, pattern: RegExp) => child.output().match(new RegExp(pattern.source, 'g'))?.length ?? 0;

  async function ask(chat: JobsChat, label: string): Promise<number> {
    const source = await chat.sendFile(clip, { fileName: 'clip.mp4', video: { seconds: 20, w: 854, h: 480 } });
    let offer: ReturnType<JobsChat['repliesTo']>['offer'];
    await until(() => (offer = chat.repliesTo(source).offer) !== undefined, `the offer under ${source}`, 30_000);
    await chat.press(offer!, label);
    return source;
  }

  /** Every job ended "Done." in its one status message, with exactly one result. */
  async function expectOneResultEach(jobs: { chat: JobsChat; source: number }[], logs: () => string): Promise<void> {
    const done = () => jobs.every(({ chat, source }) => phaseOf(chat.repliesTo(source).statuses[0]?.message.message ?? '')?.name === 'Done');
    await until(done, 'every job done', 120_000, 200).catch((error: unknown) => {
      console.log(jobs.map(({ chat, source }) => chat.repliesTo(source).statuses.map((s) => s.message.message)), logs().slice(-8000));
      throw error;
    });
    // Late duplicates would show up after "Done."; give them a moment.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const { chat, source } of jobs) {
      const replies = chat.repliesTo(source);
      expect(replies.statuses.map((s) => s.message.message), `job of message ${source}`).to.deep.equal(['Done.']);
      expect(replies.results, `results of message ${source}`).to.have.length(1);
    }
  }

  before(async function () {
    this.timeout(120_000);
    redis = await startTestRedis();
    emu = await startTestEmulator({ limits: { enabled: false } });
    const [first, second] = emu.sandbox.users;
    alice = new JobsChat(emu, first!.user_id, await connectUserClient(emu.sandbox, first!.phone));
    bob = new JobsChat(emu, second!.user_id, await connectUserClient(emu.sandbox, second!.phone));
    dataDir = mkdtempSync(join(tmpdir(), 'courier-jobs-bullmq-'));
    clip = join(dataDir, 'clip.mp4');
    // 20 s of 854x480: a transcode that takes seconds, long enough to kill a worker during it.
    await run(ffmpegPath, [
      '-hide_banner', '-v', 'error', '-nostdin', '-y',
      '-f', 'lavfi', '-i', 'testsrc=duration=20:size=854x480:rate=25',
      '-f', 'lavfi', '-i', 'sine=frequency=440:duration=20',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-shortest', clip,
    ]);
  });

  after(async () => {
    for (const child of children) await killHard(child);
    await alice?.client.destroy();
    await bob?.client.destroy();
    await emu?.stop();
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('four Convert/Compress jobs, a worker SIGKILLed in the middle: one result each, the survivor did the rest', async () => {
    const service = await startService();
    const [w1, w2] = await Promise.all([startWorker('w1'), startWorker('w2')]);
    const jobs = [
      { chat: alice, source: await ask(alice, 'Convert to MP4') },
      { chat: bob, source: await ask(bob, 'Compress 480p') },
      { chat: alice, source: await ask(alice, 'Compress 480p') },
      { chat: bob, source: await ask(bob, 'Convert to MP4') },
    ];
    // Both workers busy with a job each: kill the first in the middle of its job.
    await until(() => count(w1, /job taken/) >= 1 && count(w2, /job taken/) >= 1, 'both workers busy', 60_000, 50);
    expect(count(w1, /job done/), 'w1 is still in its first job').to.equal(0);
    await killHard(w1);

    await expectOneResultEach(jobs, () => `${service.output()}\n--- w2\n${w2.output()}`);
    expect(count(w2, /restartedAfterStall":true/), 'the survivor took over the stalled job').to.be.at.least(1);
    expect(count(w2, /job done/), 'the survivor did the killed worker\'s job and the rest').to.equal(4 - count(w1, /job done/));
  });

  it('a service SIGKILLed while a worker runs a job re-attaches to it at start: one result', async () => {
    const service = children.find((c) => /Courier is running/.test(c.output()) && c.child.exitCode === null)!;
    const w2 = children.find((c) => /worker w2 is running/.test(c.output()))!;
    const taken = count(w2, /job taken/);
    const source = await ask(alice, 'Convert to MP4');
    await until(() => count(w2, /job taken/) > taken, 'the worker took the job', 30_000, 50);
    await killHard(service);
    const restarted = await startService();
    await expectOneResultEach([{ chat: alice, source }], () => `${restarted.output()}\n--- w2\n${w2.output()}`);
  });
});
