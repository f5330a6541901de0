/**
 * Story: Courier speaks the language of the user's Telegram app. Courier runs as a child process
 * against the emulator; each user's real GramJS client declares its app language (TelegramClient
 * option langCode, sent in initConnection), which Telegram gives bots as the user's lang_code.
 *
 * - a Russian user's /start gets the Russian welcome, their video the offer with Russian buttons,
 *   and the job they start a Russian status with a Russian Cancel button, which answers in Russian;
 * - a Persian user's /start gets the Persian welcome; a German one (a language Courier does not
 *   have) the English one.
 *
 * /start is a plain text, which Telegram sends bots as a short update without the user object,
 * so these also check that Courier finds the language of a user it has never seen.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { offerButtons } from '../../src/bot/media.js';
import type { MediaRef } from '../../src/domain/media.js';
import { userBox, type StoredMessage } from '../../src/emulator/world/messageStore.js';
import { texts, type Texts } from '../../src/texts/index.js';
import { runCourier, storyEnv, until, waitForOutput, type CourierProcess } from '../helpers/courierProcess.js';
import { connectUserClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { buttonsOf, JobsChat } from '../helpers/jobsResilienceChat.js';
import { generateClip } from '../helpers/mediaFixtures.js';

describe('language: Courier answers in the language of the user’s Telegram app', function () {
  this.timeout(90_000);
  let emu: TestEmulator;
  let courier: CourierProcess | null = null;
  let dataDir: string;
  let clip: string;
  const chats: JobsChat[] = [];

  before(async function () {
    this.timeout(90_000);
    emu = await startTestEmulator({ limits: { enabled: false } });
    dataDir = mkdtempSync(join(tmpdir(), 'courier-language-'));
    clip = join(dataDir, 'clip.mp4');
    await generateClip(clip, { seconds: 2 });
    courier = runCourier(['start', '--sandbox', emu.dataDir], storyEnv(dataDir, { COURIER__PATHS__TEMP: join(dataDir, 'scratch'), COURIER__JOBS__MIN_FREE_DISK_BYTES: '0' }));
    await waitForOutput(courier, /Courier is running as @/);
  });

  after(async () => {
    if (courier) {
      courier.child.kill('SIGTERM');
      await courier.exited;
    }
    for (const chat of chats) await chat.client.destroy();
    await emu?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(() => emu.emulator.world.faults.clear());

  /** Sandbox user `index`, signed in with an app that declares `langCode`. */
  async function userSpeaking(index: number, langCode: string): Promise<JobsChat> {
    const user = emu.sandbox.users[index]!;
    const chat = new JobsChat(emu, user.user_id, await connectUserClient(emu.sandbox, user.phone, '', langCode));
    chats.push(chat);
    return chat;
  }

  /** The bot's messages in the user's chat after message `afterId`, oldest first (as the user's box stores them). */
  function botMessagesAfter(chat: JobsChat, afterId: number): StoredMessage[] {
    const history = emu.emulator.world.store.latest(userBox(chat.userId), 200, { user: chat.botId }).reverse();
    return history.filter((m) => m.fromId === chat.botId && m.id > afterId);
  }

  async function firstAnswerTo(chat: JobsChat, text: string): Promise<StoredMessage> {
    const sent = await chat.client.sendMessage(emu.sandbox.bot_username, { message: text });
    await until(() => botMessagesAfter(chat, sent.id).length > 0, `the bot's answer to ${text}`, 30_000).catch((error: unknown) => {
      console.log(courier?.output().slice(-4000));
      throw error;
    });
    return botMessagesAfter(chat, sent.id)[0]!;
  }

  const labels = (m: StoredMessage): string[] => buttonsOf(m.message).map((b) => b.text);

  it('a Russian app: the welcome, the offer under a video with its buttons, a job’s status and Cancel, all in Russian', async () => {
    const ru = await userSpeaking(0, 'ru');
    expect((await firstAnswerTo(ru, '/start')).message.message).to.equal(texts.ru.welcome);

    const source = await ru.sendFile(clip, { fileName: 'clip.mp4', video: { seconds: 2, w: 320, h: 240 } });
    await until(() => botMessagesAfter(ru, source).length > 0, 'the offer under the video', 30_000);
    const offer = botMessagesAfter(ru, source)[0]!;
    const sizeBytes = statSync(clip).size;
    expect(offer.message.message).to.equal(texts.ru.mediaOffer('clip.mp4', texts.ru.size(sizeBytes)));
    // What Courier read of the video (a 2 s, 320x240 MP4), with the labels of each catalogue.
    const media = { kind: 'video', mimeType: 'video/mp4', sizeBytes, fileName: 'clip.mp4', durationSeconds: 2, width: 320, height: 240 } as MediaRef;
    const expected = (t: Texts) => offerButtons('id', { kind: 'telegram', media }, t).flat().map((b) => b.text);
    expect(labels(offer)).to.deep.equal(expected(texts.ru));
    expect(labels(offer)).to.not.include.members([texts.en.actions.info, texts.en.actions.sendAsFile]);

    // The result's upload is held back (each part 10 s), so the job stays cancellable while its status is read.
    emu.emulator.world.faults.stallMethod('upload.SaveFilePart', 10_000);
    expect(await ru.press(offer, texts.ru.actions.sendAsFile)).to.equal(texts.ru.jobAccepted);
    const statusOf = () => botMessagesAfter(ru, offer.id).find((m) => labels(m).length > 0);
    await until(() => statusOf() !== undefined, 'the job’s status message with its button', 30_000);
    const status = statusOf()!;
    const percents = Array.from({ length: 101 }, (_, i) => i);
    const russianStatuses = [texts.ru.queued(0), ...(['downloading', 'processing', 'uploading'] as const).flatMap((p) => percents.map((n) => texts.ru.progress(texts.ru.phases[p], n)))];
    expect(russianStatuses).to.include(status.message.message);
    expect(labels(status)).to.deep.equal([texts.ru.cancelButton]);
    expect(await ru.press(status, texts.ru.cancelButton)).to.equal(texts.ru.cancelling);
    await until(() => ru.current(status).message.message === texts.ru.cancelled, 'the status "cancelled" in Russian', 30_000);
  });

  it('a Persian app gets the Persian welcome', async () => {
    const fa = await userSpeaking(1, 'fa');
    expect((await firstAnswerTo(fa, '/start')).message.message).to.equal(texts.fa.welcome);
  });

  it('an app in a language Courier does not have (German) gets English', async () => {
    const de = await userSpeaking(2, 'de');
    expect((await firstAnswerTo(de, '/start')).message.message).to.equal(texts.en.welcome);
  });
});
