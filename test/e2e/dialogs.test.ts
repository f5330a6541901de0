/**
 * Story: the questions a media action asks survive anything. Courier runs as a child process
 * against the emulator (in this process, flood limits off) and a real GramJS user talks to it.
 *
 * First the dialog's manners: a bad range is named and the question asked again, a text that is
 * no range at all gets the reminder of what is awaited, /cancel leaves, and after it a range is
 * just text. Rename returns the file under the new name, extension kept.
 *
 * Last (it restarts Courier with a one-second "delayed" threshold): the user sends an 8 s clip and
 * presses Trim; Courier is SIGKILLed right after asking; the user answers while it is down;
 * Courier starts again, catches up, reads the answer against the dialog it stored before the
 * crash, confirms it with the "sorry for the wait" note, and the user gets exactly one status
 * message and one 3 s clip.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, type TelegramClient } from 'telegram';
import { killHard, runCourier, storyEnv, waitForOutput, type CourierProcess } from '../helpers/courierProcess.js';
import { connectUserClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { ANY_STATUS, attributeOf, documentOf, eventually, ffprobeFile, JobsChat } from '../helpers/jobsChat.js';
import { ffprobePath, generateClip } from '../helpers/mediaFixtures.js';

const CLIP = { seconds: 8, width: 320, height: 240 };
const QUESTION = /^Which part should I keep\? Send the start and the end, e\.g\. 0:10 1:25 \(seconds, m:ss or h:mm:ss\)\. The file lasts 0:08\.$/;

describe('dialogs: a question survives a crash, and answers are read with care', function () {
  this.timeout(120_000);
  let emu: TestEmulator;
  let user: TelegramClient;
  let chat: JobsChat;
  let dataDir: string;
  let mediaDir: string;
  let clip: string;
  let courier: CourierProcess | null = null;

  async function start(extra: Record<string, string> = {}): Promise<void> {
    const env = storyEnv(dataDir, { COURIER__JOBS__POOL_SIZE: '1', COURIER__JOBS__MIN_FREE_DISK_BYTES: '0', ...extra });
    const run = runCourier(['start', '--sandbox', emu.dataDir], env);
    courier = run;
    await waitForOutput(run, /Courier is running as @/);
  }

  /** Sends the 8 s clip as a video (a fresh upload each time, so no earlier result is re-used). */
  async function sendClip(fileName: string): Promise<number> {
    return chat.sendFile(clip, [
      new Api.DocumentAttributeVideo({ duration: CLIP.seconds, w: CLIP.width, h: CLIP.height, supportsStreaming: true }),
      new Api.DocumentAttributeFilename({ fileName }),
    ]);
  }

  /** The bot's text replies to message `id` (no media, no status), oldest first. */
  async function textsReplyingTo(id: number): Promise<string[]> {
    return (await chat.repliesTo(id)).filter((m) => !m.media && !ANY_STATUS.test(m.message)).map((m) => m.message);
  }

  /** Waits for the bot's text reply to `id` and returns it. */
  function answerTo(id: number): Promise<string> {
    return eventually(async () => (await textsReplyingTo(id))[0], `the bot's answer to message ${id}`);
  }

  before(async function () {
    this.timeout(90_000);
    emu = await startTestEmulator({ limits: { enabled: false } });
    user = await connectUserClient(emu.sandbox, emu.sandbox.users[0]!.phone);
    chat = new JobsChat(user, emu.sandbox.bot_username);
    dataDir = mkdtempSync(join(tmpdir(), 'courier-dialogs-'));
    mediaDir = mkdtempSync(join(tmpdir(), 'courier-dialogs-media-'));
    clip = join(mediaDir, 'clip8.mp4');
    await generateClip(clip, { seconds: CLIP.seconds });
    await start();
  });

  after(async () => {
    if (courier) await killHard(courier);
    await user?.destroy();
    await emu?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
  });

  it('a bad range is named and asked again, a text that is no range gets the reminder, /cancel leaves the dialog', async () => {
    const id = await sendClip('second.mp4');
    await chat.press(await chat.offerFor(id), 'Trim');
    await chat.replyTo(id, (m) => !m.media && m.message.startsWith('Which part'), 'the Trim question');

    const backwards = await chat.sendText('0:05-0:02');
    const [problem, again] = (await answerTo(backwards)).split('\n\n');
    expect(problem).to.equal('The end (0:02) comes before the start (0:05).');
    expect(again).to.match(QUESTION);

    const tooLong = await chat.sendText('0:07 0:20');
    expect(await answerTo(tooLong)).to.match(/^The file lasts only 0:08, so the part cannot end at 0:20\.\n\nWhich part/);

    const garbled = await chat.sendText('0:1x 5');
    expect(await answerTo(garbled)).to.match(/^I could not read that as a range: /);

    const chatter = await chat.sendText('hello?');
    expect(await answerTo(chatter)).to.equal('I am waiting for the start and the end of the part to keep (e.g. 0:10 1:25). Send it, or /cancel to stop.');

    const cancel = await chat.sendText('/cancel');
    expect(await answerTo(cancel)).to.equal('Cancelled. What we were doing is forgotten.');
    // The dialog is gone: a range is now just a text, and no job was started for this file.
    const late = await chat.sendText('0:01 0:02');
    expect(await answerTo(late)).to.equal('Send me a file or a link, or /help to see what I can do.');
    expect(await chat.statusMessages(id)).to.deep.equal([]);
  });

  it('Rename: asks for the name and sends the file back under it, the extension kept', async () => {
    const id = await sendClip('holiday.mp4');
    await chat.press(await chat.offerFor(id), 'Rename');
    const question = await chat.replyTo(id, (m) => !m.media && m.message.startsWith('What should'), 'the Rename question');
    expect(question.message).to.equal('What should holiday.mp4 be called? Send the new name; the extension stays unless you type one.');
    const answer = await chat.sendText('../Beach day/2026');
    expect(await answerTo(answer)).to.equal('Sending it back as _Beach day_2026.mp4.');
    const [status] = await chat.finalStatuses(id, 1);
    expect(status!.message).to.equal('Done.');
    const [result, ...more] = (await chat.repliesTo(id)).filter((m) => m.media);
    expect(more).to.deep.equal([]);
    expect(attributeOf(documentOf(result!)!, Api.DocumentAttributeFilename)?.fileName).to.equal('_Beach day_2026.mp4');
  });

  it('Trim: Courier is killed after asking, the user answers while it is down, and gets one status and one 3 s clip after the restart', async () => {
    const id = await sendClip('clip8.mp4');
    const offer = await chat.offerFor(id);
    await chat.press(offer, 'Trim');
    const question = await chat.replyTo(id, (m) => !m.media && m.message.startsWith('Which part'), 'the Trim question');
    expect(question.message).to.match(QUESTION);

    await killHard(courier!);
    courier = null;
    const answer = await chat.sendText('0:02 0:05');
    // Answers that waited over a second get the "sorry for the wait" note: this one waited for a restart.
    await start({ COURIER__UPDATES__DELAYED_NOTE_SECONDS: '1' });

    const [status, ...moreStatuses] = await chat.finalStatuses(id, 1);
    expect(status!.message).to.equal('Done.');
    expect(moreStatuses, 'one status message').to.deep.equal([]);
    const replies = await chat.repliesTo(id);
    const results = replies.filter((m) => m.media);
    expect(results, 'one result').to.have.length(1);
    expect(replies.filter((m) => !m.media && m.message.startsWith('Which part')), 'the question was asked once').to.have.length(1);
    // The answer is confirmed as understood, once, with the note that it was handled late.
    const confirmations = await textsReplyingTo(answer);
    expect(confirmations).to.have.length(1);
    expect(confirmations[0]).to.match(/^\(Sorry for the wait: I was offline for about \d+ min and am handling your message now\.\)\n\nCutting 0:02–0:05: watch the status message\.$/);

    const doc = documentOf(results[0]!)!;
    expect(attributeOf(doc, Api.DocumentAttributeFilename)?.fileName).to.equal('clip8.mp4');
    const path = join(mediaDir, 'trimmed.mp4');
    writeFileSync(path, await chat.download(results[0]!));
    const probed = await ffprobeFile(ffprobePath, path);
    expect(probed.durationSeconds).to.be.closeTo(3, 0.3);
    expect(probed.streams.map((s) => s.codec_type).sort()).to.deep.equal(['audio', 'video']);
  });
});
