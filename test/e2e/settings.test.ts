/**
 * Story: a user's /settings, end to end. Courier runs as a child process against the emulator (in
 * this process, flood limits off); a real GramJS user opens /settings, navigates the inline menu
 * (one message, edited in place) and picks فارسی. Courier is then SIGKILLed and started again:
 * /start answers in Persian, because the choice is stored, not remembered. Then the user picks
 * Opus for Extract audio and "as file" for video results: Extract audio on a clip returns an Ogg
 * Opus file (ffprobe says codec opus) and Compress returns a document rather than a playable
 * video, each job's offer and status in Persian.
 *
 * The emulator sends no lang_code, so without the stored choice every answer would be English.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, type TelegramClient } from 'telegram';
import { locateFfprobe } from '../../src/media/locate.js';
import { installFastIge } from '../../src/telegram/files/crypto/fastIge.js';
import { texts } from '../../src/texts/index.js';
import { killHard, runCourier, waitForOutput, type CourierProcess, storyEnv, showCourierOutputOnFailure } from '../helpers/courierProcess.js';
import { connectUserClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { attributeOf, buttonsOf, documentOf, eventually, ffprobeFile, JobsChat } from '../helpers/jobsChat.js';
import { generateClip } from '../helpers/mediaFixtures.js';

const { en, fa } = texts;

describe('/settings end to end: a language that survives a crash, Opus audio, video results as files', function () {
  this.timeout(150_000);
  let emu: TestEmulator;
  let user: TelegramClient;
  let chat: JobsChat;
  let dataDir: string;
  let mediaDir: string;
  let clip: string;
  let ffprobe: string;
  let courier: CourierProcess | null = null;

  async function start(): Promise<void> {
    const run = runCourier(
      ['start', '--sandbox', emu.dataDir],
      storyEnv(dataDir, { COURIER__JOBS__POOL_SIZE: '1', COURIER__JOBS__MIN_FREE_DISK_BYTES: '0', COURIER__JOBS__PROGRESS_INTERVAL_MS: '500' }),
    );
    courier = run;
    await waitForOutput(run, /Courier is running as @/);
  }

  /** The bot's message with id `id` as the chat shows it now (edits included). */
  async function current(id: number): Promise<Api.Message | undefined> {
    return (await chat.history()).find((m) => m.id === id);
  }

  /** Waits until message `id` shows `text`; returns it as shown then. */
  function untilShows(id: number, text: string, what: string): Promise<Api.Message> {
    return eventually(async () => {
      const m = await current(id);
      return m?.message === text ? m : undefined;
    }, what);
  }

  /** Sends /settings and returns the menu the bot answers with. */
  async function openSettings(): Promise<Api.Message> {
    const sent = await chat.sendText('/settings');
    return eventually(
      async () => (await chat.history()).find((m) => !m.out && m.id > sent && buttonsOf(m).some((b) => b.data.startsWith('s1|'))),
      'the settings menu',
    );
  }

  /** On the menu: opens `setting`, picks `choice`, and checks the press is answered as saved, in `t`'s language. */
  async function choose(menu: Api.Message, setting: keyof typeof en.settingsButtons, choice: string, t = fa): Promise<void> {
    await chat.press(menu, t.settingsButtons[setting]);
    const page = await untilShows(menu.id, t.settingsQuestions[setting], `the ${setting} page`);
    expect(await chat.press(page, choice)).to.equal(t.settingsSaved);
  }

  /** Sends the clip (a fresh upload: no earlier result is re-used), presses `label` on its Persian offer, returns the result and the status. */
  async function runOnClip(label: string): Promise<{ result: Api.Message; status: Api.Message }> {
    const id = await chat.sendFile(clip, [
      new Api.DocumentAttributeVideo({ duration: 2, w: 320, h: 240, supportsStreaming: true }),
      new Api.DocumentAttributeFilename({ fileName: 'clip.mp4' }),
    ]);
    const offer = await chat.offerFor(id);
    expect(offer.message, 'the offer in Persian').to.equal(fa.mediaOffer('clip.mp4', fa.size(statSync(clip).size)));
    expect(await chat.press(offer, label)).to.equal(fa.jobAccepted);
    const status = await chat.replyTo(id, (m) => !m.media && m.message === fa.done, 'the status "Done." in Persian', 60_000);
    const result = await chat.replyTo(id, (m) => documentOf(m) !== null, 'the result');
    return { result, status };
  }

  before(async function () {
    this.timeout(90_000);
    installFastIge();
    dataDir = mkdtempSync(join(tmpdir(), 'courier-settings-data-'));
    mediaDir = mkdtempSync(join(tmpdir(), 'courier-settings-media-'));
    clip = join(mediaDir, 'clip.mp4');
    await generateClip(clip, { seconds: 2 });
    ffprobe = (await locateFfprobe(null)).path;
    emu = await startTestEmulator({ limits: { enabled: false } });
    user = await connectUserClient(emu.sandbox, emu.sandbox.users[0]!.phone);
    chat = new JobsChat(user, emu.sandbox.bot_username);
    await start();
  });

  after(async () => {
    if (courier) await killHard(courier);
    await user?.destroy();
    await emu?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
  });

  showCourierOutputOnFailure(() => courier);

  it('فارسی picked in the menu redraws it in Persian; after SIGKILL and a restart /start answers in Persian', async () => {
    const menu = await openSettings();
    expect(menu.message).to.equal(en.settingsMenu('Automatic', 'Automatic', '720p', 'Ask', 'As video'));
    await chat.press(menu, en.settingsButtons.lang);
    const page = await untilShows(menu.id, en.settingsQuestions.lang, 'the language page');
    expect(buttonsOf(page).map((b) => b.text)).to.deep.equal(['✓ Automatic', 'English', 'فارسی', 'Русский', '« Back']);
    expect(await chat.press(page, 'فارسی')).to.equal(fa.settingsSaved);
    await untilShows(menu.id, fa.settingsMenu('فارسی', fa.settingsAuto, '720p', fa.settingsAsk, fa.settingsVideoAs.video), 'the menu redrawn in Persian');

    await killHard(courier!);
    courier = null;
    await start();
    const sent = await chat.sendText('/start');
    const welcome = await eventually(async () => (await chat.history()).find((m) => !m.out && m.id > sent), 'the answer to /start');
    expect(welcome.message).to.equal(fa.welcome);
  });

  it('Opus chosen: Extract audio on a clip returns an Ogg Opus file', async () => {
    const menu = await openSettings();
    expect(menu.message, 'the menu opens in the stored language').to.equal(fa.settingsMenu('فارسی', fa.settingsAuto, '720p', fa.settingsAsk, fa.settingsVideoAs.video));
    await choose(menu, 'audioFormat', 'Opus');
    await untilShows(menu.id, fa.settingsMenu('فارسی', 'Opus', '720p', fa.settingsAsk, fa.settingsVideoAs.video), 'the menu showing Opus');

    const { result } = await runOnClip(fa.actions.extractAudio);
    const doc = documentOf(result)!;
    expect(doc.mimeType).to.equal('audio/ogg');
    expect(attributeOf(doc, Api.DocumentAttributeFilename)?.fileName).to.equal('clip.opus');
    const path = join(mediaDir, 'result.opus');
    writeFileSync(path, await chat.download(result));
    const probed = await ffprobeFile(ffprobe, path);
    expect(probed.format).to.equal('ogg');
    expect(probed.streams.map((s) => s.codec_name)).to.deep.equal(['opus']);
  });

  it('video results "as file": Compress returns a document, not a playable video', async () => {
    const menu = await openSettings();
    await choose(menu, 'videoAs', fa.settingsVideoAs.file);
    await untilShows(menu.id, fa.settingsMenu('فارسی', 'Opus', '720p', fa.settingsAsk, fa.settingsVideoAs.file), 'the menu showing "as file"');

    const { result } = await runOnClip(fa.compressOption('480p', null));
    const doc = documentOf(result)!;
    expect(doc.mimeType).to.equal('video/mp4');
    expect(attributeOf(doc, Api.DocumentAttributeFilename)?.fileName).to.equal('clip.mp4');
    expect(attributeOf(doc, Api.DocumentAttributeVideo), 'a document carries no video attribute').to.equal(undefined);
    const path = join(mediaDir, 'result.mp4');
    writeFileSync(path, await chat.download(result));
    expect((await ffprobeFile(ffprobe, path)).streams.map((s) => s.codec_name)).to.include('h264');
  });
});
