/**
 * The media flow in the router: files and links get action buttons, a press submits a job with the
 * offer's source, other people's presses and stale buttons are refused, Cancel/Retry reach the
 * runner. A real (temporary) database holds the offers; the runner is a recording stand-in.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBotRouter } from '../../../src/bot/commands.js';
import { actionInputOf, offerButtons } from '../../../src/bot/media.js';
import type { Incoming } from '../../../src/domain/incoming.js';
import type { MediaRef } from '../../../src/domain/media.js';
import { texts } from '../../../src/texts/index.js';
import { decodeCallback } from '../../../src/jobs/actions.js';
import { encodeJobCallback } from '../../../src/jobs/jobCallbacks.js';
import { openDatabase, type Database } from '../../../src/storage/index.js';
import { FakePort } from '../../helpers/fakeBotPort.js';
import { RecordingRunner } from '../../helpers/recordingRunner.js';

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

const chat = { kind: 'user' as const, id: '1001', accessHash: '9' };
const message = (text: string, extra: Partial<Incoming> = {}): Incoming =>
  ({ kind: 'message', updateKey: `msg:user:1001:${text.length}`, chat, senderId: '1001', messageId: 50, text, date: 1, ...extra }) as Incoming;
const press = (data: string, senderId = '1001'): Incoming => ({ kind: 'callback', updateKey: `cb:${data.length}${senderId}`, chat, senderId, queryId: '555', messageId: 51, data, date: 1 });


describe('media flow: files and links get buttons, presses start jobs', () => {
  let dir: string;
  let db: Database;
  let port: FakePort;
  let runner: RecordingRunner;
  const route = (incoming: Incoming) => buildBotRouter({ botUsername: 'CourierBot', media: { db, runner } }).handle(incoming, port);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-media-flow-'));
    db = openDatabase(join(dir, 'courier.db'));
    port = new FakePort();
    runner = new RecordingRunner();
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a video gets a reply naming it with one button per action and option, the compress sizes estimated', async () => {
    await route(message('', { media: video } as Partial<Incoming>));
    expect(port.sent).to.have.length(1);
    const sent = port.sent[0]!;
    expect(sent.text).to.equal(texts.en.mediaOffer('holiday.mp4', '30 MB'));
    expect(sent.opts.replyTo).to.equal(50);
    const labels = sent.opts.buttons!.flat().map((b) => b.text);
    expect(labels).to.deep.equal(['Info', 'Extract audio', 'Compress 720p ~2.6 MB', 'Compress 480p ~1.2 MB', 'Convert to MP4', 'Convert to GIF', 'Thumbnail', 'Trim', 'Compress to size', 'Send as file', 'Rename']);
    for (const b of sent.opts.buttons!.flat()) expect(Buffer.byteLength('data' in b ? b.data : '')).to.be.at.most(64);
  });

  it('pressing a button submits the job with the offer\'s file, the press\'s update as origin, and answers the press', async () => {
    await route(message('', { media: video } as Partial<Incoming>));
    const compress = port.sent[0]!.opts.buttons!.flat().find((b) => b.text.startsWith('Compress 480p'))!;
    await route(press('data' in compress ? compress.data : ''));
    expect(runner.submitted).to.have.length(1);
    expect(runner.submitted[0]).to.deep.include({ userId: '1001', sourceMessageId: 50, request: { action: 'compress', option: '480p' }, lang: 'en' });
    expect(runner.submitted[0]!.source).to.deep.equal({ kind: 'telegram', media: video });
    expect(runner.submitted[0]!.originKey).to.match(/^cb:/);
    expect(port.answers).to.deep.equal([{ queryId: '555', text: texts.en.jobAccepted }]);
  });

  it('a refusal from the runner is what the press is answered with', async () => {
    await route(message('', { media: video } as Partial<Incoming>));
    runner.result = { kind: 'refused', reason: 'QUEUE_FULL', text: 'You have 5 jobs waiting.' };
    const info = port.sent[0]!.opts.buttons![0]![0]!;
    await route(press('data' in info ? info.data : ''));
    expect(port.answers.at(-1)?.text).to.equal('You have 5 jobs waiting.');
  });

  it("someone else's press, and a press on an unknown offer, start nothing", async () => {
    await route(message('', { media: video } as Partial<Incoming>));
    const info = port.sent[0]!.opts.buttons![0]![0]!;
    const data = 'data' in info ? info.data : '';
    await route(press(data, '2002'));
    expect(port.answers.at(-1)?.text).to.equal(texts.en.notYourButton);
    const forged = data.replace(decodeCallback(data).mediaRef, 'AAAAAAAAAAAAAAAA');
    await route(press(forged));
    expect(port.answers.at(-1)?.text).to.equal(texts.en.offerExpired);
    expect(runner.submitted).to.have.length(0);
  });

  it('an http(s) link gets buttons; another scheme gets a polite refusal', async () => {
    await route(message('https://example.com/clip.mp4'));
    expect(port.sent.at(-1)?.text).to.equal(texts.en.linkOffer);
    const labels = port.sent.at(-1)!.opts.buttons!.flat().map((b) => b.text);
    expect(labels).to.include('Compress 720p').and.to.include('Send as file').and.not.include('Convert to GIF');
    await route(message('ftp://example.com/clip.mp4'));
    expect(port.sent.at(-1)?.text).to.equal(texts.en.linkScheme);
    expect(port.sent.at(-1)?.opts.buttons).to.equal(undefined);
  });

  it('the same update handled twice offers the same buttons (the offer id comes from the update)', async () => {
    await route(message('', { media: video } as Partial<Incoming>));
    await route(message('', { media: video } as Partial<Incoming>));
    expect(port.sent[0]!.opts.buttons).to.deep.equal(port.sent[1]!.opts.buttons);
  });

  it('Cancel and Retry under a status message go to the runner with the presser', async () => {
    await route(press(encodeJobCallback({ op: 'cancel', jobId: 'job42' })));
    await route(press(encodeJobCallback({ op: 'retry', jobId: 'job42' }), '2002'));
    expect(runner.presses).to.deep.equal(['cancel job42 by 1001', 'retry job42 by 2002']);
    expect(port.answers.map((a) => a.text)).to.deep.equal(['Cancelled.', 'Trying again.']);
  });

  it('a Russian user reads the offer and every button in Russian, a Persian user in Persian', async () => {
    await route(message('', { media: video, langCode: 'ru' } as Partial<Incoming>));
    expect(port.sent[0]!.text).to.equal('holiday.mp4 (30 МБ). Что с этим сделать?');
    expect(port.sent[0]!.opts.buttons!.flat().map((b) => b.text)).to.deep.equal([
      'Информация', 'Извлечь звук', 'Сжать 720p ~2,6 МБ', 'Сжать 480p ~1,2 МБ', 'Конвертировать в MP4', 'Конвертировать в GIF', 'Миниатюра', 'Обрезать', 'Сжать до размера', 'Отправить файлом', 'Переименовать',
    ]);
    await route(message('x', { media: { ...video, fileName: undefined }, langCode: 'fa-IR' } as Partial<Incoming>));
    const fa = port.sent[1]!;
    expect(fa.text).to.equal(texts.fa.mediaOffer('ویدیو', '۳۰ مگابایت'));
    expect(fa.opts.buttons!.flat().map((b) => b.text)).to.deep.equal([
      'مشخصات', 'جدا کردن صدا', 'فشرده‌سازی \u2068720p\u2069 (حدود ۲٫۶ مگابایت)', 'فشرده‌سازی \u2068480p\u2069 (حدود ۱٫۲ مگابایت)',
      'تبدیل به \u2068MP4\u2069', 'تبدیل به \u2068GIF\u2069', 'تصویر بندانگشتی', 'برش', 'فشرده‌سازی تا حجم معین', 'ارسال به‌صورت فایل', 'تغییر نام',
    ]);
  });

  it('a press is submitted with the presser\'s language, so the job\'s status and buttons follow it', async () => {
    await route(message('', { media: video, langCode: 'fa' } as Partial<Incoming>));
    const info = port.sent[0]!.opts.buttons![0]![0]!;
    await route({ ...press('data' in info ? info.data : ''), langCode: 'fa' } as Incoming);
    expect(runner.submitted[0]!.lang).to.equal('fa');
    expect(port.answers.at(-1)?.text).to.equal(texts.fa.jobAccepted);
  });

  /** The offered actions and options, read from the buttons' data (labels are the texts' business). */
  const offered = (media: MediaRef) =>
    offerButtons('abc', { kind: 'telegram', media })
      .flat()
      .map((b) => decodeCallback('data' in b ? b.data : ''))
      .map((p) => (p.option === undefined ? p.action : `${p.action} ${p.option}`));
  const VIDEO_OF_UNKNOWN_LENGTH = ['info', 'extractAudio', 'compress 720p', 'compress 480p', 'convert mp4', 'thumbnail', 'trim', 'sendAsFile', 'rename'];

  it('a video sent as a file (no video attribute, a video/* mime type) gets the video actions', () => {
    const { durationSeconds: _d, width: _w, height: _h, ...asFile } = video;
    expect(offered({ ...asFile, kind: 'document', mimeType: 'video/x-matroska', fileName: 'holiday.mkv' })).to.deep.equal(VIDEO_OF_UNKNOWN_LENGTH);
  });

  it("a video with the placeholder attributes of an unmeasured upload (duration 0, 1x1: GramJS's sendFile) gets the video actions", () => {
    expect(offered({ ...video, durationSeconds: 0, width: 1, height: 1 })).to.deep.equal(VIDEO_OF_UNKNOWN_LENGTH);
    // Unknown length: no size estimate on the buttons.
    const labels = offerButtons('abc', { kind: 'telegram', media: { ...video, durationSeconds: 0, width: 1, height: 1 } }).flat().map((b) => b.text);
    expect(labels.filter((l) => l.includes('~'))).to.deep.equal([]);
  });

  it('a measured video keeps what its attributes say: 720p only above 720 lines, GIF only when short', () => {
    expect(offered({ ...video, durationSeconds: 10, width: 640, height: 360 })).to.deep.equal(['info', 'extractAudio', 'compress 480p', 'convert mp4', 'convert gif', 'thumbnail', 'trim', 'compressToSize', 'sendAsFile', 'rename']);
  });

  it('a file whose type says neither video nor audio gets only Info, Send as file and Rename, whatever its name', () => {
    const { durationSeconds: _d, width: _w, height: _h, ...asFile } = video;
    expect(offered({ ...asFile, kind: 'document', mimeType: 'application/octet-stream' })).to.deep.equal(['info', 'sendAsFile', 'rename']);
  });

  it('what Telegram says about a file decides the actions before anything is downloaded', () => {
    expect(actionInputOf({ ...video, kind: 'audio', mimeType: 'audio/mpeg' }).audio).to.deep.equal({ codec: 'mp3' });
    expect(actionInputOf({ ...video, kind: 'document', mimeType: 'application/pdf' })).to.include({ video: null, audio: null, isImage: false });
    expect(offerButtons('abc', { kind: 'telegram', media: { ...video, kind: 'document', mimeType: 'application/pdf' } }).flat().map((b) => b.text)).to.deep.equal(['Info', 'Send as file', 'Rename']);
  });
});
