/**
 * Stories of the admin panel against a fake port and a real (in-memory) database: only admins see
 * it, two admins' dialogs never mix, a restart between question and answer loses nothing, a crash
 * in the middle of an answer doubles nothing, bans hold at once and after a restart.
 */
import { expect } from 'chai';
import { buildBotRouter, type BotOptions } from '../../../src/bot/commands.js';
import type { Incoming, IncomingCallback, IncomingMessage } from '../../../src/domain/incoming.js';
import { openDatabase, type Database } from '../../../src/storage/index.js';
import { getBroadcast } from '../../../src/storage/bot/broadcastRepository.js';
import { recentAudit } from '../../../src/storage/bot/auditRepository.js';
import { getUser } from '../../../src/storage/bot/userRepository.js';
import { RecipientBlockedError } from '../../../src/domain/recipientErrors.js';
import type { MediaRef } from '../../../src/domain/media.js';
import { texts } from '../../../src/texts/index.js';
import { FakePort } from '../../helpers/fakeBotPort.js';

const ALICE = '1001';
const DAVE = '1004'; // a second admin
const BOB = '1002';
const CAROL = '1003';

let seq = 0;
function msg(from: string, text: string, extra: Partial<IncomingMessage> = {}): IncomingMessage {
  seq += 1;
  return { kind: 'message', updateKey: `msg:user:${from}:${seq}`, chat: { kind: 'user', id: from, accessHash: `-${from}` }, senderId: from, messageId: seq, text, date: 1_700_000_000, ...extra };
}
function press(from: string, data: string, messageId = 77): IncomingCallback {
  seq += 1;
  return { kind: 'callback', updateKey: `cbq:${seq}`, chat: { kind: 'user', id: from, accessHash: `-${from}` }, senderId: from, queryId: String(seq), messageId, data, date: 1_700_000_000 };
}

interface Bench {
  db: Database;
  launched: string[];
  cancelled: { jobId: string; owner: string }[];
  router(): ReturnType<typeof buildBotRouter>;
  handle(incoming: Incoming): Promise<FakePort>;
}

function bench(db: Database = openDatabase(':memory:')): Bench {
  const launched: string[] = [];
  const cancelled: { jobId: string; owner: string }[] = [];
  const backups: { name: string; bytes: number; modifiedAt: number }[] = [];
  const admin: NonNullable<BotOptions['admin']> = {
    db,
    admins: [ALICE, DAVE],
    now: () => Date.UTC(2026, 10, 29, 12),
    broadcasts: { launch: (id) => void launched.push(id), command: () => 'paused' },
    resolveUsername: async (name) => (name === 'carol' ? { kind: 'user', id: CAROL } : null),
    cancelJob: async (jobId, owner) => void cancelled.push({ jobId, owner }),
    system: async () => ({ diskFreeBytes: 10e9, memoryBytes: 150e6, uptimeSeconds: 3600 }),
    listBackups: () => backups,
    backUpNow: async () => {
      backups.unshift({ name: 'courier-now.db', bytes: 4096, modifiedAt: Date.UTC(2026, 10, 29, 12) });
      return 'courier-now.db';
    },
  };
  const make = () => buildBotRouter({ botUsername: 'CourierBot', admin });
  let router = make();
  return {
    db,
    launched,
    cancelled,
    router: () => (router = make()),
    async handle(incoming) {
      const port = new FakePort();
      await router.handle(incoming, port);
      return port;
    },
  };
}

const buttonsOf = (port: FakePort) => port.sent.flatMap((s) => s.opts.buttons ?? []).flat().map((b) => b.text);

describe('admin panel', () => {
  it('/admin shows the panel with Stats and Broadcast to an admin; for anyone else it does not exist', async () => {
    const b = bench();
    const alice = await b.handle(msg(ALICE, '/admin'));
    expect(alice.sent[0]!.text).to.equal(texts.en.adminPanel);
    expect(buttonsOf(alice)).to.include.members(['Stats', 'Broadcast', 'Users', 'Jobs', 'Backups']);
    const bob = await b.handle(msg(BOB, '/admin'));
    expect(bob.sent.map((s) => s.text)).to.deep.equal([texts.en.hint]);
    for (const cmd of ['/stats', '/ban 1003', '/broadcast']) expect((await b.handle(msg(BOB, cmd))).sent.map((s) => s.text), cmd).to.deep.equal([texts.en.hint]);
    const pressed = await b.handle(press(BOB, 'adm:stats'));
    expect(pressed.answers[0]!.text).to.equal(texts.en.callbackUnknown);
    expect(pressed.edits).to.have.length(0);
  });

  it('Stats shows users, messages, jobs, system, catch-up and backup lines', async () => {
    const b = bench();
    await b.handle(msg(BOB, 'hello'));
    const port = await b.handle(press(ALICE, 'adm:stats'));
    const text = port.edits[0]!.text;
    expect(text).to.include('Users: 2 in all').and.include('Disk free').and.include('No catch-up yet').and.include('No backup yet');
  });

  it('two admins broadcasting at once each get their own draft, and a restart in between loses neither', async () => {
    const b = bench();
    await b.handle(msg(BOB, 'hi'));
    await b.handle(msg(CAROL, 'hi'));
    await b.handle(msg(ALICE, '/broadcast'));
    await b.handle(msg(DAVE, '/broadcast'));
    const aliceDraft = await b.handle(msg(ALICE, 'from Alice'));
    b.router(); // restart: a new router over the same database
    const daveDraft = await b.handle(msg(DAVE, 'from Dave'));
    // Four users wrote: Bob, Carol, Alice, Dave.
    expect(aliceDraft.sent[0]!.text).to.equal(texts.en.broadcastPreview(4, 'from Alice'));
    expect(daveDraft.sent[0]!.text).to.equal(texts.en.broadcastPreview(4, 'from Dave'));
    b.router();
    await b.handle(press(DAVE, 'adm:bcsend'));
    await b.handle(press(ALICE, 'adm:bcsend'));
    expect(b.launched).to.have.length(2);
    expect(b.launched.map((id) => getBroadcast(b.db, id)!.text).sort()).to.deep.equal(['from Alice', 'from Dave']);
    expect(recentAudit(b.db).filter((a) => a.action === 'broadcast.send').map((a) => a.adminId).sort()).to.deep.equal([ALICE, DAVE]);
    // A second press on the same preview finds no draft any more.
    expect((await b.handle(press(ALICE, 'adm:bcsend'))).answers[0]!.text).to.equal(texts.en.callbackUnknown);
  });

  it('the answer handled again after a crash decides the same way: same preview, same random_id, one broadcast', async () => {
    const b = bench();
    await b.handle(msg(BOB, 'hi'));
    await b.handle(msg(ALICE, '/broadcast'));
    const answer = msg(ALICE, 'news');
    const first = await b.handle(answer);
    b.router();
    const again = await b.handle(answer);
    expect(again.sent.map((s) => [s.text, s.opts.randomId])).to.deep.equal(first.sent.map((s) => [s.text, s.opts.randomId]));
    const send = press(ALICE, 'adm:bcsend');
    await b.handle(send);
    await b.handle(send);
    expect(new Set(b.launched).size).to.equal(1);
  });

  it('a file sent at the broadcast question is previewed with its caption and broadcast by reference', async () => {
    const b = bench();
    await b.handle(msg(BOB, 'hi'));
    await b.handle(msg(ALICE, '/broadcast'));
    const video: MediaRef = { kind: 'video', location: { type: 'document', id: '77', accessHash: '-5', fileReference: 'AQI=', dcId: 2 }, sizeBytes: 10, mimeType: 'video/mp4', fileName: 'promo.mp4' };
    const preview = await b.handle(msg(ALICE, 'Watch this', { media: video }));
    expect(preview.sent[0]!.text).to.equal(texts.en.broadcastPreviewMedia(2, 'promo.mp4', 'Watch this'));
    await b.handle(press(ALICE, 'adm:bcsend'));
    const stored = getBroadcast(b.db, b.launched[0]!)!;
    expect(stored.text).to.equal('Watch this');
    expect(JSON.parse(stored.media!)).to.deep.equal(video);
  });

  it('/cancel leaves the dialog; an unexpected message gets a reminder of what is awaited', async () => {
    const b = bench();
    await b.handle(msg(ALICE, '/broadcast'));
    await b.handle(msg(ALICE, 'draft'));
    const stray = await b.handle(msg(ALICE, 'what now?'));
    expect(stray.sent[0]!.text).to.equal(texts.en.dialogReminder(texts.en.dialogWaits.broadcastConfirm));
    expect((await b.handle(msg(ALICE, '/cancel'))).sent[0]!.text).to.equal(texts.en.dialogCancelled);
    expect((await b.handle(msg(ALICE, 'what now?'))).sent[0]!.text).to.equal(texts.en.hint);
    expect((await b.handle(msg(BOB, '/cancel'))).sent[0]!.text).to.equal(texts.en.dialogNothingToCancel);
  });

  it('a ban takes effect at once and after a restart: the user is never answered and their jobs are cancelled', async () => {
    const b = bench();
    await b.handle(msg(CAROL, 'hi'));
    b.db.prepare(
      "INSERT INTO jobs (id, origin_key, user_id, chat, source_message_id, source, input_key, action, lang, state, max_attempts, created_at, updated_at) VALUES ('j1', 'o1', ?, '{}', 1, '{}', 'k', 'info', 'en', 'queued', 3, 0, 0)",
    ).run(CAROL);
    const ban = await b.handle(msg(ALICE, '/ban @carol'));
    expect(ban.sent[0]!.text).to.equal(texts.en.banned(CAROL));
    expect(b.cancelled).to.deep.equal([{ jobId: 'j1', owner: CAROL }]);
    expect((await b.handle(msg(CAROL, '/start'))).sent).to.have.length(0);
    b.router();
    expect((await b.handle(msg(CAROL, 'https://example.com/a.mp4'))).sent).to.have.length(0);
    expect(getUser(b.db, CAROL)!.banned).to.equal(true);
    expect((await b.handle(msg(ALICE, `/ban ${DAVE}`))).sent[0]!.text).to.equal(texts.en.cannotBanAdmin);
    expect((await b.handle(msg(ALICE, '/ban @nobody'))).sent[0]!.text).to.equal(texts.en.userNotFound('@nobody'));
    await b.handle(msg(ALICE, `/unban ${CAROL}`));
    expect((await b.handle(msg(CAROL, '/start'))).sent[0]!.text).to.equal(texts.en.welcome);
    expect(recentAudit(b.db).map((a) => a.action)).to.deep.equal(['unban', 'ban']);
  });

  it('a reply refused because the user blocked the bot marks them and ends the update as handled', async () => {
    const b = bench();
    const port = new FakePort();
    port.sendText = async (chat) => {
      throw new RecipientBlockedError(chat.id);
    };
    await b.router().handle(msg(BOB, 'hello'), port);
    expect(getUser(b.db, BOB)!.blocked).to.equal(true);
    // Writing again means they unblocked the bot.
    await b.handle(msg(BOB, 'back'));
    expect(getUser(b.db, BOB)!.blocked).to.equal(false);
  });

  it('Jobs lists running and queued jobs with a Cancel button each; a press cancels as the owner and is audited', async () => {
    const b = bench();
    b.db.prepare(
      "INSERT INTO jobs (id, origin_key, user_id, chat, source_message_id, source, input_key, action, lang, state, max_attempts, created_at, updated_at) VALUES ('j9', 'o9', ?, ?, 1, ?, 'k', 'compress', 'en', 'processing', 3, 0, 0)",
    ).run(BOB, JSON.stringify({ kind: 'user', id: BOB }), JSON.stringify({ kind: 'link', url: 'https://example.com/a.mp4' }));
    const view = await b.handle(press(ALICE, 'adm:jobs'));
    expect(view.edits[0]!.text).to.equal(`${texts.en.jobsActive}\n${texts.en.jobLine('j9', BOB, 'Compress', 'processing')}`);
    expect(view.edits[0]!.buttons!.flat().map((x) => x.text)).to.include(texts.en.jobCancelButton('j9'));
    await b.handle(press(ALICE, 'adm:jc:j9'));
    expect(b.cancelled).to.deep.equal([{ jobId: 'j9', owner: BOB }]);
    expect(recentAudit(b.db)[0]).to.deep.include({ adminId: ALICE, action: 'job.cancel' });
  });

  it('Backups lists the backups folder and the last backup; Back up now calls the injected function', async () => {
    const b = bench();
    const empty = await b.handle(press(ALICE, 'adm:backups'));
    expect(empty.edits[0]!.text).to.equal(`${texts.en.backupsNone}\n${texts.en.statsNoBackup}`);
    b.db.prepare("INSERT INTO kv (key, value) VALUES ('ops.lastBackupAt', ?)").run(String(Date.UTC(2026, 10, 29, 3)));
    const done = await b.handle(press(ALICE, 'adm:backupnow'));
    expect(done.edits[0]!.text).to.include(texts.en.backupDone('courier-now.db')).and.include('courier-now.db, 4.0 KB, 2026-11-29 12:00').and.include('Last backup: 2026-11-29 03:00');
    expect(recentAudit(b.db)[0]).to.deep.include({ action: 'backup' });
  });

  it('Users asks for a user and shows their card with Ban; the button bans', async () => {
    const b = bench();
    await b.handle(msg(BOB, 'hi'));
    await b.handle(press(ALICE, 'adm:users'));
    const card = await b.handle(msg(ALICE, BOB));
    expect(card.sent[0]!.text).to.match(/^User 1002: active, last seen 2026-11-29 12:00$/);
    expect(buttonsOf(card)).to.include('Ban');
    await b.handle(press(ALICE, `adm:ban:${BOB}`));
    expect(getUser(b.db, BOB)!.banned).to.equal(true);
  });
});
