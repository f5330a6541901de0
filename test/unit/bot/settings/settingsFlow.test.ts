/**
 * /settings through the router, on a real (temporary) database and a recording port: the menu is
 * edited in place, a choice is stored and shown at once (in the new language when that was the
 * choice), every later reply follows it, a press handled twice changes nothing more, and the
 * media flow takes the audio format, the Compress preset, "video as file" and "run at once" from
 * the settings. Also the pure rules behind the media part (jobPreferences, deliveredAs).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBotRouter } from '../../../../src/bot/commands.js';
import { immediateRequest, orderedOptions, requestFor } from '../../../../src/bot/settings/jobPreferences.js';
import type { Button } from '../../../../src/domain/botPort.js';
import type { Incoming } from '../../../../src/domain/incoming.js';
import type { MediaRef } from '../../../../src/domain/media.js';
import type { ResultFile } from '../../../../src/domain/mediaPorts.js';
import { DEFAULT_USER_SETTINGS, type UserSettings } from '../../../../src/domain/userSettings.js';
import { actionsFor } from '../../../../src/jobs/actions.js';
import { deliveredAs } from '../../../../src/jobs/runner/jobStages.js';
import { loadUserSettings } from '../../../../src/storage/bot/settingsRepository.js';
import { openDatabase, type Database } from '../../../../src/storage/index.js';
import { texts } from '../../../../src/texts/index.js';
import { FakePort } from '../../../helpers/fakeBotPort.js';
import { RecordingRunner } from '../../../helpers/recordingRunner.js';

const chat = { kind: 'user' as const, id: '1001', accessHash: '9' };
let seq = 0;
const message = (text: string, extra: Partial<Incoming> = {}): Incoming =>
  ({ kind: 'message', updateKey: `msg:user:1001:${++seq}`, chat, senderId: '1001', messageId: 50 + seq, text, date: 1, ...extra }) as Incoming;
const press = (data: string, updateKey = `cbq:${++seq}`, langCode?: string): Incoming =>
  ({ kind: 'callback', updateKey, chat, senderId: '1001', queryId: '555', messageId: 7, data, date: 1, ...(langCode ? { langCode } : {}) });

const video: MediaRef = {
  kind: 'video',
  location: { type: 'document', id: '77', accessHash: '-5', fileReference: 'AQI=', dcId: 2 },
  sizeBytes: 30 * 1024 * 1024,
  mimeType: 'video/mp4',
  fileName: 'holiday.mp4',
  durationSeconds: 10,
  width: 1920,
  height: 1080,
};
const song: MediaRef = { ...video, kind: 'audio', mimeType: 'audio/mpeg', fileName: 'song.mp3', width: undefined, height: undefined } as MediaRef;


const find = (buttons: Button[][] | undefined, label: string): string => {
  const b = buttons?.flat().find((x) => x.text === label || x.text.startsWith(`${label} `));
  if (!b || !('data' in b)) throw new Error(`no button ${label} in ${JSON.stringify(buttons?.flat().map((x) => x.text))}`);
  return b.data;
};

describe('/settings through the router', () => {
  let dir: string;
  let db: Database;
  let port: FakePort;
  let runner: RecordingRunner;
  const route = (incoming: Incoming) => buildBotRouter({ botUsername: 'CourierBot', media: { db, runner }, settings: { db, now: () => 1234 } }).handle(incoming, port);
  /** The buttons the menu shows now: those of the last edit, else of the sent menu. */
  const menuButtons = () => port.edits.at(-1)?.buttons ?? port.sent.at(-1)?.opts.buttons;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-settings-flow-'));
    db = openDatabase(join(dir, 'courier.db'));
    port = new FakePort();
    runner = new RecordingRunner();
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the menu, navigates by editing the same message, and stores a choice', async () => {
    await route(message('/settings'));
    expect(port.sent).to.have.length(1);
    expect(port.sent[0]!.text).to.equal(texts.en.settingsMenu('Automatic', 'Automatic', '720p', 'Ask', 'As video'));
    await route(press(find(menuButtons(), texts.en.settingsButtons.audioFormat)));
    expect(port.edits.at(-1)).to.include({ messageId: 7, text: texts.en.settingsQuestions.audioFormat });
    await route(press(find(menuButtons(), 'Opus')));
    expect(port.edits.at(-1)!.text).to.equal(texts.en.settingsMenu('Automatic', 'Opus', '720p', 'Ask', 'As video'));
    expect(port.answers.at(-1)).to.deep.equal({ queryId: '555', text: 'Saved.' });
    expect(port.sent, 'navigation sends no new messages').to.have.length(1);
    expect(loadUserSettings(db, '1001')).to.deep.include({ settings: { ...DEFAULT_USER_SETTINGS, audioFormat: 'opus' }, updatedAt: 1234 });
  });

  it('choosing فارسی redraws the menu in Persian at once, and every later reply is Persian despite lang_code', async () => {
    await route(message('/settings', { langCode: 'en' }));
    await route(press(find(menuButtons(), texts.en.settingsButtons.lang)));
    await route(press(find(menuButtons(), 'فارسی')));
    expect(port.edits.at(-1)!.text).to.equal(texts.fa.settingsMenu('فارسی', texts.fa.settingsAuto, '720p', texts.fa.settingsAsk, texts.fa.settingsVideoAs.video));
    expect(port.answers.at(-1)!.text).to.equal(texts.fa.settingsSaved);
    await route(message('/start', { langCode: 'en' }));
    expect(port.sent.at(-1)!.text).to.equal(texts.fa.welcome);
    await route(message('', { langCode: 'en', media: video } as Partial<Incoming>));
    expect(port.sent.at(-1)!.text).to.equal(texts.fa.mediaOffer('holiday.mp4', texts.fa.size(video.sizeBytes)));
    await route(press(find(port.sent.at(-1)!.opts.buttons, texts.fa.actions.info)));
    expect(runner.submitted.at(-1)!.lang, 'the job (and its statuses) in Persian').to.equal('fa');
    // Back to Automatic: the app's language again.
    await route(message('/settings', { langCode: 'ru' }));
    await route(press(find(menuButtons(), texts.fa.settingsButtons.lang)));
    await route(press(find(menuButtons(), texts.fa.settingsAuto), undefined, 'ru'));
    expect(port.edits.at(-1)!.text).to.equal(texts.ru.settingsMenu(texts.ru.settingsAuto, texts.ru.settingsAuto, '720p', texts.ru.settingsAsk, texts.ru.settingsVideoAs.video));
  });

  it('the same press handled again (after a crash) writes nothing new and shows the same', async () => {
    await route(message('/settings'));
    await route(press(find(menuButtons(), texts.en.settingsButtons.videoAs)));
    const data = find(menuButtons(), 'As file');
    await route(press(data, 'cbq:first'));
    const first = port.edits.at(-1);
    const row = () => db.prepare('SELECT updated_by, settings FROM user_settings WHERE user_id = ?').get('1001');
    const stored = row();
    await route(press(data, 'cbq:first'));
    expect(port.edits.at(-1)).to.deep.equal(first);
    expect(row()).to.deep.equal(stored);
    expect(stored).to.include({ updated_by: 'cbq:first' });
  });

  it('in a group, /settings points to the private chat; a forged settings button is answered, not obeyed', async () => {
    await route(message('/settings', { chat: { kind: 'chat', id: '555' } }));
    expect(port.sent.at(-1)!.text).to.equal(texts.en.settingsPrivateOnly);
    await route(press('s1|s|l|de'));
    expect(port.answers.at(-1)!.text).to.equal(texts.en.callbackUnknown);
    expect(loadUserSettings(db, '1001').updatedAt).to.equal(null);
  });

  it('a press takes the audio format and "video as file" from the settings; the preferred preset is offered first', async () => {
    await route(message('/settings'));
    for (const [setting, value] of [['audioFormat', 'M4A'], ['videoAs', 'As file'], ['compressPreset', '480p']] as const) {
      await route(press(find(menuButtons(), texts.en.settingsButtons[setting])));
      await route(press(find(menuButtons(), value)));
    }
    await route(message('', { media: video } as Partial<Incoming>));
    const offer = port.sent.at(-1)!.opts.buttons!;
    expect(offer.flat().map((b) => b.text).filter((l) => /^Compress \d/.test(l))).to.deep.equal(['Compress 480p ~1.2 MB', 'Compress 720p ~2.6 MB']);
    await route(press(find(offer, 'Extract audio')));
    await route(press(find(offer, 'Compress 720p')));
    await route(press(find(offer, 'Convert to GIF')));
    expect(runner.submitted.map((s) => s.request)).to.deep.equal([
      { action: 'extractAudio', option: 'm4a' },
      { action: 'compress', option: '720p', videoAs: 'file' },
      { action: 'convert', option: 'gif' },
    ]);
  });

  it('run at once: a fitting action starts a job for the message itself; one that does not fit asks', async () => {
    await route(message('/settings'));
    await route(press(find(menuButtons(), texts.en.settingsButtons.onNewFile)));
    await route(press(find(menuButtons(), 'Compress')));
    const sentBefore = port.sent.length;
    const clip = message('', { media: video } as Partial<Incoming>);
    await route(clip);
    expect(port.sent.length, 'no offer: the runner answers with its status').to.equal(sentBefore);
    expect(runner.submitted).to.have.length(1);
    expect(runner.submitted[0]).to.deep.include({ originKey: clip.updateKey, sourceMessageId: clip.messageId, request: { action: 'compress', option: '720p' } });
    await route(message('', { media: song } as Partial<Incoming>));
    expect(runner.submitted, 'an MP3 cannot be compressed').to.have.length(1);
    expect(port.sent.at(-1)!.text).to.match(/What should I do with it\?$/);
  });
});

describe('settings → job requests (pure)', () => {
  const mine = (change: Partial<UserSettings>): UserSettings => ({ ...DEFAULT_USER_SETTINGS, ...change });
  const videoInput = { durationSeconds: 10, video: { codec: 'h264', height: 1080 }, audio: { codec: 'aac' }, isImage: false };
  const smallVideo = { ...videoInput, video: { codec: 'h264', height: 480 } };

  it('fills the button’s open choices, and marks only video-making requests "as file"', () => {
    expect(requestFor('extractAudio', undefined, DEFAULT_USER_SETTINGS)).to.deep.equal({ action: 'extractAudio' });
    expect(requestFor('extractAudio', undefined, mine({ audioFormat: 'opus', videoAs: 'file' }))).to.deep.equal({ action: 'extractAudio', option: 'opus' });
    expect(requestFor('convert', 'mp4', mine({ videoAs: 'file' }))).to.deep.equal({ action: 'convert', option: 'mp4', videoAs: 'file' });
    expect(requestFor('thumbnail', undefined, mine({ videoAs: 'file' }))).to.deep.equal({ action: 'thumbnail' });
  });

  it('runs at once only what fits; Compress falls back to the preset the file allows', () => {
    expect(immediateRequest(DEFAULT_USER_SETTINGS, actionsFor(videoInput))).to.equal(null);
    expect(immediateRequest(mine({ onNewFile: 'info' }), actionsFor(videoInput))).to.deep.equal({ action: 'info' });
    expect(immediateRequest(mine({ onNewFile: 'compress', compressPreset: '720p' }), actionsFor(smallVideo))).to.deep.equal({ action: 'compress', option: '480p' });
    expect(immediateRequest(mine({ onNewFile: 'compress' }), actionsFor({ ...videoInput, video: null, audio: { codec: 'mp3' } }))).to.equal(null);
    expect(immediateRequest(mine({ onNewFile: 'sendAsFile', videoAs: 'file' }), actionsFor(videoInput))).to.deep.equal({ action: 'sendAsFile' });
  });

  it('puts the preferred preset first', () => {
    const compress = actionsFor(videoInput).find((o) => o.action === 'compress')!;
    expect(orderedOptions(compress, { compressPreset: '480p' })).to.deep.equal(['480p', '720p']);
    expect(orderedOptions(compress, { compressPreset: '720p' })).to.deep.equal(['720p', '480p']);
  });

  it('a video result asked "as file" is sent as a document; other results are left alone', () => {
    const result: ResultFile = { path: '/j/r.mp4', fileName: 'a.mp4', mimeType: 'video/mp4', sendAs: 'video', sizeBytes: 9, supportsStreaming: true, thumbPath: '/j/t.jpg' };
    expect(deliveredAs(result, { action: 'compress', option: '480p' })).to.equal(result);
    const asFile = deliveredAs(result, { action: 'compress', option: '480p', videoAs: 'file' });
    expect(asFile).to.include({ sendAs: 'document', mimeType: 'video/mp4', thumbPath: '/j/t.jpg' });
    expect(asFile).to.not.have.property('supportsStreaming');
    const gif = { ...result, sendAs: 'animation' as const };
    expect(deliveredAs(gif, { action: 'convert', option: 'gif', videoAs: 'file' })).to.equal(gif);
  });
});
