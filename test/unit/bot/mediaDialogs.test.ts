/**
 * Trim, Rename and Compress to size in the router: the button asks, the answer starts the job
 * with the answer as its option, a bad answer is named and the question asked again, chatter
 * gets the reminder, /cancel leaves. A real (temporary) database holds offers and dialogs, so a
 * new router (a restart) finds the question, and an answer handled twice (a crash before the
 * inbox marked it done) decides the same way. The runner is a recording stand-in.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBotRouter } from '../../../src/bot/commands.js';
import type { Incoming } from '../../../src/domain/incoming.js';
import type { MediaRef } from '../../../src/domain/media.js';
import { openDatabase, type Database } from '../../../src/storage/index.js';
import { texts } from '../../../src/texts/index.js';
import { FakePort } from '../../helpers/fakeBotPort.js';
import { RecordingRunner } from '../../helpers/recordingRunner.js';

const MiB = 1024 * 1024;
const video: MediaRef = {
  kind: 'video',
  location: { type: 'document', id: '77', accessHash: '-5', fileReference: 'AQI=', dcId: 2 },
  sizeBytes: 30 * MiB,
  mimeType: 'video/mp4',
  fileName: 'holiday.mp4',
  durationSeconds: 8,
  width: 1280,
  height: 720,
};
const chat = { kind: 'user' as const, id: '1001', accessHash: '9' };
const en = texts.en;

let seq = 0;
function message(text: string, extra: Partial<Incoming> = {}): Incoming {
  seq += 1;
  return { kind: 'message', updateKey: `msg:user:1001:${seq}`, chat, senderId: '1001', messageId: 100 + seq, text, date: 1, ...extra } as Incoming;
}
function press(data: string): Incoming {
  seq += 1;
  return { kind: 'callback', updateKey: `cbq:${seq}`, chat, senderId: '1001', queryId: String(seq), messageId: 51, data, date: 1 };
}


describe('media dialogs: Trim, Rename and Compress to size ask first', () => {
  let dir: string;
  let db: Database;
  let port: FakePort;
  let runner: RecordingRunner;
  let now: number;
  /** A fresh router each time: nothing survives in memory between updates, as after a restart. */
  const route = (incoming: Incoming) => buildBotRouter({ botUsername: 'CourierBot', media: { db, runner, now: () => now }, dialogTtlMs: 3_600_000 }).handle(incoming, port);
  const lastText = () => port.sent.at(-1)?.text;

  /** Sends the video, presses `label` under its offer; returns the file's message id. */
  async function ask(label: string, media: MediaRef = video): Promise<number> {
    const file = message('', { media } as Partial<Incoming>);
    await route(file);
    const button = port.sent.at(-1)!.opts.buttons!.flat().find((b) => b.text === label);
    if (!button || !('data' in button)) throw new Error(`no ${label} button`);
    await route(press(button.data));
    return (file as { messageId: number }).messageId;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-media-dialogs-'));
    db = openDatabase(join(dir, 'courier.db'));
    port = new FakePort();
    runner = new RecordingRunner();
    now = Date.UTC(2026, 10, 29, 12);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Trim asks under the file, and the answer starts the job with the range as its option, replying to the file', async () => {
    const fileId = await ask('Trim');
    expect(port.answers.at(-1)).to.deep.equal({ queryId: String(seq) });
    expect(lastText()).to.equal(en.trimAsk('0:08'));
    expect(port.sent.at(-1)!.opts.replyTo).to.equal(fileId);
    expect(runner.submitted).to.deep.equal([]);
    const answer = message('0:02 0:05');
    await route(answer);
    expect(runner.submitted).to.have.length(1);
    expect(runner.submitted[0]).to.deep.include({ originKey: answer.updateKey, sourceMessageId: fileId, request: { action: 'trim', option: '2-5' } });
    expect(lastText()).to.equal(en.trimAccepted('0:02', '0:05'));
    expect(port.sent.at(-1)!.opts.replyTo).to.equal((answer as { messageId: number }).messageId);
    // The dialog is over: the same text again is just text.
    await route(message('0:02 0:05'));
    expect(lastText()).to.equal(en.hint);
    expect(runner.submitted).to.have.length(1);
  });

  it('a bad range is named, followed by the question again, and the dialog keeps waiting', async () => {
    await ask('Trim');
    await route(message('0:05-0:02'));
    expect(lastText()).to.equal(`${en.trimEndBeforeStart('0:05', '0:02')}\n\n${en.trimAsk('0:08')}`);
    await route(message('0:07 0:20'));
    expect(lastText()).to.equal(`${en.trimBeyondDuration('0:20', '0:08')}\n\n${en.trimAsk('0:08')}`);
    await route(message('1 2 3'));
    expect(lastText()).to.equal(`${en.trimUnparsable}\n\n${en.trimAsk('0:08')}`);
    await route(message('0:03 0:03'));
    expect(lastText()).to.equal(`${en.trimEmpty('0:03')}\n\n${en.trimAsk('0:08')}`);
    expect(runner.submitted).to.deep.equal([]);
    await route(message('3 8'));
    expect(runner.submitted[0]!.request).to.deep.equal({ action: 'trim', option: '3-8' });
    expect(lastText()).to.equal(en.trimAccepted('0:03', '0:08'));
  });

  it('chatter and unknown commands get the reminder, /cancel leaves, and a new file still gets its offer', async () => {
    await ask('Trim');
    await route(message('what?'));
    expect(lastText()).to.equal(en.dialogReminder(en.mediaDialogWaits.trimRange));
    await route(message('/frobnicate'));
    expect(lastText()).to.equal(en.dialogReminder(en.mediaDialogWaits.trimRange));
    await route(message('', { media: { ...video, location: { ...video.location, id: '78' } } } as Partial<Incoming>));
    expect(lastText()).to.equal(en.mediaOffer('holiday.mp4', '30 MB'));
    await route(message('/cancel'));
    expect(lastText()).to.equal(en.dialogCancelled);
    await route(message('/cancel'));
    expect(lastText()).to.equal(en.dialogNothingToCancel);
    expect(runner.submitted).to.deep.equal([]);
  });

  it('the question survives a restart, and expires after dialogs.ttlHours', async () => {
    await ask('Trim');
    now += 59 * 60_000;
    await route(message('0:01 0:02'));
    expect(runner.submitted).to.have.length(1);
    await ask('Trim');
    now += 61 * 60_000;
    await route(message('0:01 0:02'));
    expect(lastText()).to.equal(en.hint);
    expect(runner.submitted).to.have.length(1);
  });

  it('an answer handled again after a crash decides the same way: the same job origin, no second question, the same reply ids', async () => {
    await ask('Trim');
    const answer = message('0:02 0:05');
    await route(answer);
    // The inbox did not mark it done before the crash: the same update comes again.
    await route(answer);
    expect(runner.submitted).to.have.length(2);
    expect(runner.submitted[1]).to.deep.equal(runner.submitted[0]);
    const bad = message('9 1');
    await ask('Trim');
    const before = port.sent.length;
    await route(bad);
    await route(bad);
    const [first, second] = port.sent.slice(before);
    expect(second!.text).to.equal(first!.text);
    expect(second!.opts.randomId).to.equal(first!.opts.randomId);
  });

  it('a refused job gets no confirmation: the runner has already said why, under the file', async () => {
    await ask('Trim');
    runner.result = { kind: 'refused', reason: 'QUEUE_FULL', text: 'full' };
    const before = port.sent.length;
    await route(message('0:01 0:03'));
    expect(runner.submitted).to.have.length(1);
    expect(port.sent.length).to.equal(before);
  });

  it('Rename asks for a name, sanitises it and keeps the extension; a name with nothing left is asked again', async () => {
    await ask('Rename');
    expect(lastText()).to.equal(en.renameAsk('holiday.mp4'));
    await route(message('...'));
    expect(lastText()).to.equal(`${en.renameEmpty}\n\n${en.renameAsk('holiday.mp4')}`);
    await route(message('../Beach\u202E day'));
    expect(runner.submitted[0]!.request).to.deep.equal({ action: 'rename', option: '_Beach day.mp4' });
    expect(lastText()).to.equal(en.renameAccepted('_Beach day.mp4'));
  });

  it('Compress to size says the smallest size, refuses too small and not smaller, and passes a good target on', async () => {
    await ask('Compress to size');
    const minimum = lastText()!;
    expect(minimum).to.match(/^How big may the video be at most\? .* It is 30 MB now; the smallest I can make it is \d+ KB\.$/);
    await route(message('0.05'));
    expect(lastText()).to.match(/^That is too small for a video this long: the smallest I can make it is \d+ KB\.\n\nHow big/);
    await route(message('30'));
    expect(lastText()).to.match(/^The file is already 30 MB, not bigger than that\./);
    await route(message('twenty'));
    expect(lastText()).to.equal(en.dialogReminder(en.mediaDialogWaits.sizeTarget));
    await route(message('12,5 MB'));
    expect(runner.submitted[0]!.request).to.deep.equal({ action: 'compressToSize', option: '12.5' });
    expect(lastText()).to.equal('Compressing to at most 12.5 MB: watch the status message.');
  });

  it('asks in the user\'s language', async () => {
    const file = message('', { media: video, langCode: 'fa' } as Partial<Incoming>);
    await route(file);
    const trim = port.sent.at(-1)!.opts.buttons!.flat().find((b) => b.text === texts.fa.actions.trim)!;
    await route({ ...press('data' in trim ? trim.data : ''), langCode: 'fa' } as Incoming);
    expect(lastText()).to.equal(texts.fa.trimAsk('0:08'));
  });
});
