/**
 * Story: media jobs survive what happens to them. Courier runs as a child process against the
 * emulator (in this process, flood limits off), users send files with real GramJS clients and
 * press the buttons; a job is cancelled in each phase, Courier is SIGKILLed in each phase and
 * started again, one user queues more than the limits allow while another user waits, and temp
 * directories of crashed jobs are swept. Each story checks what the user sees (the one status
 * message, the results, the refusals) and what is left in Courier's temp directory.
 *
 * Slow phases are made with the emulator's fault injection (stallMethod delays every call of a
 * method: upload.GetFile for downloads, upload.SaveBigFilePart for uploads) and, for processing,
 * with a real transcode of a longer clip.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Api } from 'telegram';
import { killHard, runCourier, until, waitForOutput, type CourierProcess, storyEnv } from '../helpers/courierProcess.js';
import { connectUserClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { buttonsOf, fileTraffic, JobsChat, phaseOf, type Phase } from '../helpers/jobsResilienceChat.js';
import { seededBytes } from '../helpers/seededBytes.js';
import { ffmpegPath, generateClip } from '../helpers/mediaFixtures.js';

const run = promisify(execFile);
const MIB = 1024 * 1024;
/** 12 MiB: 12 download chunks (1 MiB) and 24 upload parts (512 KiB, saveBigFilePart above 10 MB). */
const BIG = 12 * MIB;

describe('media jobs: cancel, crash and resume, limits, temp directories', function () {
  this.timeout(90_000);
  let emu: TestEmulator;
  let alice: JobsChat;
  let bob: JobsChat;
  let dataDir: string;
  let tempDir: string;
  let mediaDir: string;
  let courier: CourierProcess | null = null;
  let extraEnv: Record<string, string> = {};
  const media = { longClip: '', shortClip: '', seq: 0 };

  const env = (): Record<string, string> =>
    storyEnv(dataDir, {
      COURIER__PATHS__TEMP: tempDir,
      COURIER__JOBS__POOL_SIZE: '2',
      COURIER__JOBS__PROGRESS_INTERVAL_MS: '150',
      COURIER__JOBS__MIN_FREE_DISK_BYTES: '0',
      ...extraEnv,
    });

  async function start(): Promise<CourierProcess> {
    const started = runCourier(['start', '--sandbox', emu.dataDir], env());
    courier = started;
    await waitForOutput(started, /Courier is running as @/);
    return started;
  }

  async function crash(): Promise<void> {
    if (courier) await killHard(courier);
    courier = null;
  }

  async function stop(): Promise<void> {
    if (!courier) return;
    courier.child.kill('SIGTERM');
    expect(await courier.exited).to.equal(0);
    courier = null;
  }

  const stall = (method: string, ms: number) => emu.emulator.world.faults.stallMethod(method, ms);
  const jobsRoot = () => join(tempDir, 'jobs');
  const jobDirs = () => (existsSync(jobsRoot()) ? readdirSync(jobsRoot()) : []);

  /** Polls until `get` returns something; `what` names it in the timeout error. */
  async function waitFor<T>(get: () => T | undefined, what: string, ms = 30_000): Promise<T> {
    let value: T | undefined;
    await until(() => (value = get()) !== undefined, what, ms);
    return value!;
  }

  /** A fresh random document (unique bytes, so no job can re-use an earlier result). */
  function randomDoc(size: number): string {
    const path = join(mediaDir, `doc-${++media.seq}.bin`);
    writeFileSync(path, seededBytes(`jobs-resilience ${media.seq}`, size));
    return path;
  }

  async function sendDoc(chat: JobsChat, size: number): Promise<number> {
    return chat.sendFile(randomDoc(size), { fileName: `doc-${media.seq}.bin` });
  }

  async function sendClip(chat: JobsChat, which: 'longClip' | 'shortClip'): Promise<number> {
    const video = which === 'longClip' ? { seconds: 50, w: 854, h: 480 } : { seconds: 2, w: 320, h: 240 };
    return chat.sendFile(media[which], { fileName: `${which}.mp4`, video });
  }

  /** Presses an action under the file's offer; returns the bot's answer to the press. */
  async function pressAction(chat: JobsChat, sourceId: number, label: string): Promise<string> {
    const offer = await waitFor(() => chat.repliesTo(sourceId).offer, `the offer under message ${sourceId}`);
    return chat.press(offer, label);
  }

  /** The text of the job's status message (the `index`-th job started from this file). */
  function statusText(chat: JobsChat, sourceId: number, index = 0): string | undefined {
    return chat.repliesTo(sourceId).statuses[index]?.message.message;
  }

  /**
   * Waits until the status message shows a phase `accept` likes. Phases only move forward, so a
   * status that has gone past `beyond` fails at once instead of waiting for the deadline.
   */
  async function untilStatus(chat: JobsChat, sourceId: number, accept: (p: Phase) => boolean, what: string, ms = 30_000): Promise<void> {
    const seen: string[] = [];
    await until(
      () => {
        const text = statusText(chat, sourceId) ?? '';
        if (seen.at(-1) !== text) seen.push(text);
        const phase = phaseOf(text);
        if (phase && !accept(phase) && ['Done', 'Cancelled', 'Failed'].includes(phase.name)) {
          throw new Error(`the job ended while waiting for ${what}; the status showed ${JSON.stringify(seen)}`);
        }
        return phase !== null && accept(phase);
      },
      what,
      ms,
    ).catch((error: unknown) => {
      console.log('statuses seen:', seen, '\n', courier?.output().slice(-6000));
      throw error;
    });
  }

  /** Presses Cancel under the status message and checks everything a cancelled job leaves. */
  async function cancelAndCheck(chat: JobsChat, sourceId: number): Promise<void> {
    const status = chat.repliesTo(sourceId).statuses[0]!;
    expect(buttonsOf(status.message).map((b) => b.text)).to.deep.equal(['Cancel']);
    expect(await chat.press(status, 'Cancel')).to.equal('Cancelled.');
    await untilStatus(chat, sourceId, (p) => p.name === 'Cancelled', 'the status "Cancelled."', 10_000);
    const after = chat.repliesTo(sourceId);
    expect(after.statuses.map((s) => s.message.message)).to.deep.equal(['Cancelled.']);
    expect(after.results, 'no result for a cancelled job').to.deep.equal([]);
    // The status edit comes right before the directory is removed.
    await until(() => jobDirs().length === 0, 'the job directory removed', 5000);
    expect(buttonsOf(after.statuses[0]!.message), 'no Cancel button on a cancelled job').to.deep.equal([]);
  }

  before(async function () {
    this.timeout(90_000);
    emu = await startTestEmulator({ limits: { enabled: false } });
    const [first, second] = emu.sandbox.users;
    alice = new JobsChat(emu, first!.user_id, await connectUserClient(emu.sandbox, first!.phone));
    bob = new JobsChat(emu, second!.user_id, await connectUserClient(emu.sandbox, second!.phone));
    dataDir = mkdtempSync(join(tmpdir(), 'courier-jobs-resilience-'));
    tempDir = join(dataDir, 'scratch');
    mediaDir = mkdtempSync(join(tmpdir(), 'courier-jobs-resilience-media-'));
    media.shortClip = join(mediaDir, 'short.mp4');
    media.longClip = join(mediaDir, 'long.mp4');
    // 50 s of 854x480: a transcode that takes seconds, long enough to act while it runs.
    await Promise.all([
      generateClip(media.shortClip, { seconds: 2 }),
      run(ffmpegPath, [
        '-hide_banner', '-v', 'error', '-nostdin', '-y',
        '-f', 'lavfi', '-i', 'testsrc=duration=50:size=854x480:rate=25',
        '-f', 'lavfi', '-i', 'sine=frequency=440:duration=50',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-shortest', media.longClip,
      ]),
    ]);
    await start();
  });

  after(async () => {
    await crash();
    await alice?.client.destroy();
    await bob?.client.destroy();
    await emu?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
  });

  afterEach(async function () {
    emu.emulator.world.faults.clear();
    if (!courier) await start();
    // Every story ends with every job in a terminal state, and none of them leaves a directory.
    await until(() => jobDirs().length === 0, 'no job directory left', 30_000).catch((error: unknown) => {
      console.log('left:', jobDirs(), courier?.output().slice(-6000));
      throw error;
    });
  });

  describe('cancel in each phase', () => {
    it('while downloading: the status ends "Cancelled." without buttons, nothing is sent, the directory is gone', async () => {
      const source = await sendDoc(alice, BIG);
      stall('upload.GetFile', 3000);
      await pressAction(alice, source, 'Send as file');
      await untilStatus(alice, source, (p) => p.name === 'Downloading', 'the status "Downloading…"');
      expect(jobDirs()).to.have.length(1);
      await cancelAndCheck(alice, source);
    });

    it('while processing (a transcode running in the pool): cancelled, nothing sent, directory gone', async () => {
      const source = await sendClip(alice, 'longClip');
      await pressAction(alice, source, 'Convert to MP4');
      await untilStatus(alice, source, (p) => p.name === 'Processing', 'the status "Processing…"');
      await cancelAndCheck(alice, source);
    });

    it('while uploading the result: cancelled, no result message, directory gone', async () => {
      const source = await sendDoc(alice, BIG);
      const before = fileTraffic(emu).partsSaved;
      stall('upload.SaveBigFilePart', 3000);
      await pressAction(alice, source, 'Send as file');
      await untilStatus(alice, source, (p) => p.name === 'Uploading', 'the status "Uploading…"');
      await cancelAndCheck(alice, source);
      // Cancelled before the first window of parts came back: the rest of the file was never sent.
      expect(fileTraffic(emu).partsSaved - before).to.be.below(BIG / (512 * 1024));
    });
  });

  describe('resume after SIGKILL', () => {
    /** After the restart the job finishes on its own: one status message ("Done."), one result. */
    async function expectFinishedOnce(chat: JobsChat, source: number): Promise<Api.Message> {
      await untilStatus(chat, source, (p) => p.name === 'Done', 'the status "Done." after the restart', 60_000);
      const replies = chat.repliesTo(source);
      expect(replies.statuses.map((s) => s.message.message), 'one status message').to.deep.equal(['Done.']);
      expect(replies.results, 'exactly one result').to.have.length(1);
      return replies.results[0]!.message;
    }

    function expectNoButtons(chat: JobsChat, source: number): void {
      expect(buttonsOf(chat.repliesTo(source).statuses[0]!.message), 'no Cancel button on a finished job').to.deep.equal([]);
    }

    it('during the download: it continues where it was and sends the result once', async () => {
      const source = await sendDoc(bob, 2 * BIG); // 24 chunks of 1 MiB
      // Chunks come in rounds of the download window (16 of the 24 chunks, then the other 8): the
      // status shows 67% for one whole stall, long enough for a throttled status edit to show it.
      stall('upload.GetFile', 4000);
      await pressAction(bob, source, 'Send as file');
      await untilStatus(bob, source, (p) => p.name === 'Downloading' && (p.percent ?? 0) >= 50, 'the download past 50%');
      await crash();
      stall('upload.GetFile', 0);
      await start();
      const afterRestart = fileTraffic(emu).chunksServed;
      const result = await expectFinishedOnce(bob, source);
      expect(result.media).to.be.instanceOf(Api.MessageMediaDocument);
      // At most the missing half, plus requests of the killed process still stalled at the restart;
      // a download started over would fetch all 24 chunks again.
      if (process.env.DBG) console.log('chunks after the restart:', fileTraffic(emu).chunksServed - afterRestart);
      expect(fileTraffic(emu).chunksServed - afterRestart).to.be.below(24);
      expectNoButtons(bob, source);
    });

    it('during processing: processing runs again from the downloaded input and the result is sent once', async () => {
      const source = await sendClip(bob, 'longClip');
      await pressAction(bob, source, 'Compress 480p');
      await untilStatus(bob, source, (p) => p.name === 'Processing', 'the status "Processing…"');
      const served = fileTraffic(emu).chunksServed;
      await crash();
      await start();
      const result = await expectFinishedOnce(bob, source);
      expect(result.media).to.be.instanceOf(Api.MessageMediaDocument);
      expect(fileTraffic(emu).chunksServed, 'the input is not downloaded again').to.equal(served);
      expectNoButtons(bob, source);
    });

    it('during the upload: only the parts Telegram had not confirmed are sent again, and the result is sent once', async () => {
      const source = await sendDoc(bob, BIG); // 24 parts of 512 KiB
      stall('upload.SaveBigFilePart', 2000); // a window of 16 parts: two rounds
      await pressAction(bob, source, 'Send as file');
      await untilStatus(bob, source, (p) => p.name === 'Uploading' && (p.percent ?? 0) >= 60, 'the upload past 60%');
      await crash();
      stall('upload.SaveBigFilePart', 0);
      await start();
      const afterRestart = fileTraffic(emu).partsSaved;
      const result = await expectFinishedOnce(bob, source);
      expect(result.media).to.be.instanceOf(Api.MessageMediaDocument);
      // The 8 unconfirmed parts (plus any of the killed process still stalled at the restart); an
      // upload started over would send all 24 again.
      if (process.env.DBG) console.log('parts after the restart:', fileTraffic(emu).partsSaved - afterRestart);
      expect(fileTraffic(emu).partsSaved - afterRestart).to.be.below(24);
      expectNoButtons(bob, source);
    });
  });

  describe('temp directories', () => {
    it('after a crash, directories of no unfinished job are swept at the next start; the running job keeps its own', async () => {
      const source = await sendDoc(alice, 2 * MIB);
      stall('upload.GetFile', 4000);
      await pressAction(alice, source, 'Send as file');
      await untilStatus(alice, source, (p) => p.name === 'Downloading', 'the status "Downloading…"');
      const [own] = jobDirs();
      expect(jobDirs()).to.have.length(1);
      await crash();
      // What a crash mid-job leaves behind, for jobs the database no longer lists as unfinished.
      for (const ghost of ['ghostJob1', 'ghost_job_2']) {
        mkdirSync(join(jobsRoot(), ghost));
        writeFileSync(join(jobsRoot(), ghost, 'input.mp4.part'), seededBytes(ghost, 64 * 1024));
      }
      writeFileSync(join(jobsRoot(), 'stray-file'), 'x');
      const restarted = await start();
      expect(jobDirs()).to.deep.equal([own]);
      expect(restarted.output()).to.match(/swept leftover job directories/);
      // The resumed job is still stalled in its download: Cancel ends it and takes its directory.
      await cancelAndCheck(alice, source);
    });

    it('a failed job (Info on a file that is no media) tells the user why and leaves no directory', async () => {
      const source = await sendDoc(alice, 256 * 1024);
      await pressAction(alice, source, 'Info');
      await untilStatus(alice, source, (p) => p.name === 'Failed', 'the status "Failed."');
      const replies = alice.repliesTo(source);
      expect(replies.statuses[0]!.message.message).to.match(/^Failed\. \S/);
      expect(replies.results).to.deep.equal([]);
      await until(() => jobDirs().length === 0, 'the job directory removed', 5000);
    });
  });

  describe('per-user limits and fairness (pool of 1, 2 waiting per user)', () => {
    before(async () => {
      await stop();
      extraEnv = { COURIER__JOBS__POOL_SIZE: '1', COURIER__JOBS__PER_USER_QUEUED: '2' };
      await start();
    });
    after(() => {
      extraEnv = {};
    });

    it("a second user's job starts before the first user's queue is done; a job beyond the queue limit is refused politely", async () => {
      const fromAlice = await sendClip(alice, 'shortClip');
      const fromBob = await sendClip(bob, 'shortClip');
      await waitFor(() => alice.repliesTo(fromAlice).offer, "Alice's offer");
      await waitFor(() => bob.repliesTo(fromBob).offer, "Bob's offer");
      // Each download now takes 1.5 s: Alice's first job holds the only slot while the rest queue.
      stall('upload.GetFile', 1500);
      await pressAction(alice, fromAlice, 'Extract audio'); // runs
      await pressAction(alice, fromAlice, 'Thumbnail'); // waits, 1st
      await pressAction(alice, fromAlice, 'Send as file'); // waits, 2nd
      const refusedAnswer = await pressAction(alice, fromAlice, 'Info'); // a 3rd waiting job: refused
      await pressAction(bob, fromBob, 'Extract audio');
      expect(statusText(alice, fromAlice, 0)).to.match(/^(Queued|Downloading)/);

      expect(refusedAnswer).to.equal("Sorry, I can't take this job. You already have the most jobs waiting. Please wait until one finishes.");
      const refusals = alice.repliesTo(fromAlice).refusals.map((m) => m.message.message);
      expect(refusals).to.deep.equal([refusedAnswer]);

      const allDone = (chat: JobsChat, source: number, jobs: number) => {
        const replies = chat.repliesTo(source);
        return replies.results.length === jobs && replies.statuses.length === jobs && replies.statuses.every((s) => s.message.message === 'Done.');
      };
      await until(() => allDone(alice, fromAlice, 3) && allDone(bob, fromBob, 1), 'every accepted job done', 60_000);
      const a = alice.repliesTo(fromAlice);
      const b = bob.repliesTo(fromBob);
      expect(a.statuses.map((s) => s.message.message)).to.deep.equal(['Done.', 'Done.', 'Done.']);
      expect(b.statuses.map((s) => s.message.message)).to.deep.equal(['Done.']);
      // One job at a time, so results come in start order (origin = the global send order):
      // Alice's first, then Bob's (he had never been served), then Alice's other two.
      const order = [...a.results.map((m) => ({ who: 'alice', origin: m.origin })), ...b.results.map((m) => ({ who: 'bob', origin: m.origin }))]
        .sort((x, y) => x.origin - y.origin)
        .map((r) => r.who);
      expect(order).to.deep.equal(['alice', 'bob', 'alice', 'alice']);
    });
  });
});
