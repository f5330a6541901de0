/**
 * Story: an operator limits each user to 2 jobs and 1 MiB of input a day
 * (COURIER__QUOTAS__JOBS_PER_DAY, COURIER__QUOTAS__BYTES_PER_DAY) and makes Bob an admin. Courier
 * runs as a child process against the emulator; Alice and Bob are real GramJS clients that send
 * files and press the buttons.
 *
 * Alice's first file is larger than her whole day's data: refused before anything is fetched,
 * saying which limit. Her next two small files go through; the third is refused with the jobs
 * limit, what she used and the time to 00:00 UTC, in a reply to that file, and the press is
 * answered shortly. /usage shows 0 jobs left. The refusal loses nothing: the buttons still answer.
 * Bob, the admin, does three files over both limits and /usage tells him no limit applies.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCourier, storyEnv, until, waitForOutput, killHard, type CourierProcess } from '../helpers/courierProcess.js';
import { connectUserClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { JobsChat, phaseOf } from '../helpers/jobsResilienceChat.js';
import { seededBytes } from '../helpers/seededBytes.js';

const KIB = 1024;
const MIB = 1024 * KIB;

describe('daily quotas: jobs and bytes per user, admins exempt', function () {
  this.timeout(120_000);
  let emu: TestEmulator;
  let alice: JobsChat;
  let bob: JobsChat;
  let dataDir: string;
  let mediaDir: string;
  let courier: CourierProcess | null = null;
  let seq = 0;

  before(async function () {
    this.timeout(90_000);
    emu = await startTestEmulator({ limits: { enabled: false } });
    const [first, second] = emu.sandbox.users;
    alice = new JobsChat(emu, first!.user_id, await connectUserClient(emu.sandbox, first!.phone));
    bob = new JobsChat(emu, second!.user_id, await connectUserClient(emu.sandbox, second!.phone));
    dataDir = mkdtempSync(join(tmpdir(), 'courier-quotas-'));
    mediaDir = mkdtempSync(join(tmpdir(), 'courier-quotas-media-'));
    courier = runCourier(
      ['start', '--sandbox', emu.dataDir],
      storyEnv(dataDir, {
        COURIER_ADMINS: String(bob.userId),
        COURIER__QUOTAS__JOBS_PER_DAY: '2',
        COURIER__QUOTAS__BYTES_PER_DAY: String(MIB),
        COURIER__JOBS__MIN_FREE_DISK_BYTES: '0',
        COURIER__JOBS__PROGRESS_INTERVAL_MS: '150',
      }),
    );
    await waitForOutput(courier, /Courier is running as @/);
  });

  after(async () => {
    if (courier) await killHard(courier);
    await alice?.client.destroy();
    await bob?.client.destroy();
    await emu?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
  });

  /** Sends a fresh document (unique bytes: no job re-uses another's result); returns the message id. */
  async function sendDoc(chat: JobsChat, size: number): Promise<number> {
    seq += 1;
    const path = join(mediaDir, `doc-${seq}.bin`);
    writeFileSync(path, seededBytes(`quotas ${seq}`, size));
    return chat.sendFile(path, { fileName: `doc-${seq}.bin` });
  }

  async function offerOf(chat: JobsChat, sourceId: number) {
    await until(() => chat.repliesTo(sourceId).offer !== undefined, `the offer under message ${sourceId}`, 30_000);
    return chat.repliesTo(sourceId).offer!;
  }

  async function pressSendAsFile(chat: JobsChat, sourceId: number): Promise<string> {
    return chat.press(await offerOf(chat, sourceId), 'Send as file');
  }

  async function untilDone(chat: JobsChat, sourceId: number): Promise<void> {
    await until(
      () => {
        const text = chat.repliesTo(sourceId).statuses[0]?.message.message ?? '';
        if (phaseOf(text)?.name === 'Failed' || phaseOf(text)?.name === 'Cancelled') throw new Error(`job of message ${sourceId} ended: ${text}`);
        return phaseOf(text)?.name === 'Done' && chat.repliesTo(sourceId).results.length === 1;
      },
      `the job of message ${sourceId} done and its file sent`,
      60_000,
    ).catch((error: unknown) => {
      console.log(courier?.output().slice(-6000));
      throw error;
    });
  }

  async function refusalTo(chat: JobsChat, sourceId: number): Promise<string> {
    await until(() => chat.repliesTo(sourceId).refusals.length > 0, `a refusal under message ${sourceId}`, 30_000);
    return chat.repliesTo(sourceId).refusals[0]!.message.message;
  }

  /** Sends /usage; returns the bot's reply to it. */
  async function usage(chat: JobsChat): Promise<string> {
    const sent = await chat.client.sendMessage(emu.sandbox.bot_username, { message: '/usage' });
    await until(() => chat.repliesTo(sent.id).results.length > 0, 'the answer to /usage', 30_000);
    return chat.repliesTo(sent.id).results[0]!.message.message;
  }

  it('refuses a file over the day\'s data before fetching it, takes two jobs, refuses the third saying which limit and when it resets; /usage shows 0 left', async () => {
    const big = await sendDoc(alice, 1.5 * MIB);
    const bigAnswer = await pressSendAsFile(alice, big);
    expect(bigAnswer).to.match(/^Daily limit reached: it resets in (\d+ h )?\d+ min\. \/usage shows what you used\.$/);
    expect(await refusalTo(alice, big)).to.match(
      /^Sorry, I can't take this job\. This file \(1\.5 MB\) would go over your daily limit of data: 0 B of 1\.0 MB used today\. The limits reset at 00:00 UTC, in (\d+ h )?\d+ min; these buttons work again then\.$/,
    );
    expect(alice.repliesTo(big).statuses, 'no job for the refused file').to.deep.equal([]);

    for (let i = 0; i < 2; i++) {
      const doc = await sendDoc(alice, 64 * KIB);
      expect(await pressSendAsFile(alice, doc)).to.equal('On it: watch the status message.');
      await untilDone(alice, doc);
    }

    const third = await sendDoc(alice, 64 * KIB);
    expect(await pressSendAsFile(alice, third)).to.match(/^Daily limit reached: it resets in /);
    expect(await refusalTo(alice, third)).to.match(
      /^Sorry, I can't take this job\. You have reached your daily limit of jobs: 2 of 2 used today\. The limits reset at 00:00 UTC, in (\d+ h )?\d+ min; these buttons work again then\.$/,
    );
    expect(alice.repliesTo(third).statuses).to.deep.equal([]);
    // Nothing is lost: the offer keeps its buttons, and a press is still answered (refused again today).
    expect(await pressSendAsFile(alice, third)).to.match(/^Daily limit reached/);

    const text = await usage(alice);
    const lines = text.split('\n');
    expect(lines[0]).to.equal('Your usage today (days are counted in UTC):');
    expect(lines[1]).to.equal('Jobs: 2 of 2 used, 0 left');
    expect(lines[2]).to.equal('Data: 128 KB of 1.0 MB used, 896 KB left');
    expect(lines[3]).to.match(/^The limits reset at 00:00 UTC, in (\d+ h )?\d+ min\.$/);
  });

  it('an admin is not limited: three files over both limits go through, and /usage says no limit applies', async () => {
    for (let i = 0; i < 3; i++) {
      const doc = await sendDoc(bob, 1.5 * MIB);
      expect(await pressSendAsFile(bob, doc)).to.equal('On it: watch the status message.');
      await untilDone(bob, doc);
    }
    expect(await usage(bob)).to.equal(['Your usage today (days are counted in UTC):', 'Jobs: 3 used, no limit', 'Data: 4.5 MB used, no limit', 'You are an admin: no daily limits apply to you.'].join('\n'));
  });
});
