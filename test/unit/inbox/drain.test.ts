/**
 * The per-chat drain of the inbox: order, the "offline" note on late messages, the policy for very
 * old ones, and a row that crashes its handler every time being skipped instead of wedging the chat.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBotRouter } from '../../../src/bot/commands.js';
import { createInboxDrain } from '../../../src/inbox/drain.js';
import type { Incoming } from '../../../src/domain/incoming.js';
import { Router } from '../../../src/bot/router.js';
import { texts } from '../../../src/texts/index.js';
import { countPending, inboxRow, storeUpdates } from '../../../src/storage/inboxRepository.js';
import { openDatabase, type Database } from '../../../src/storage/index.js';
import { FakePort } from '../../helpers/fakeBotPort.js';
import { settingsLanguage } from '../../../src/bot/settings/useSettings.js';
import { saveUserSettings } from '../../../src/storage/bot/settingsRepository.js';
import { DEFAULT_USER_SETTINGS } from '../../../src/domain/userSettings.js';

const NOW = 1_800_000_000_000;

function store(db: Database, messages: { id: number; text: string; sentAt: number; lang?: string }[]): void {
  const chat = { kind: 'user' as const, id: '1001', accessHash: '9' };
  storeUpdates(
    db,
    messages.map((m) => {
      const incoming: Incoming = { kind: 'message', updateKey: `msg:user:1001:${m.id}`, chat, senderId: '1001', messageId: m.id, text: m.text, date: m.sentAt, ...(m.lang ? { langCode: m.lang } : {}) };
      return { updateKey: incoming.updateKey, chatKey: 'user:1001', kind: 'message', payload: incoming, sentAt: m.sentAt, receivedAt: NOW, recovered: true };
    }),
    { pts: messages.length, qts: 0, date: 1, seq: 0, channels: {} },
  );
}

describe('inbox drain: one chat, in order, late and old messages, poison rows', () => {
  let dir: string;
  let db: Database;
  let port: FakePort;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-drain-'));
    db = openDatabase(join(dir, 'courier.db'));
    port = new FakePort();
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const nowSec = NOW / 1000;

  it('answers in order; a message that waited past delayedNoteSeconds gets the note, in its language, on its first answer only', async () => {
    store(db, [
      { id: 1, text: 'hello', sentAt: nowSec - 5 },
      { id: 2, text: 'still there?', sentAt: nowSec - 600, lang: 'ru' },
    ]);
    const drain = createInboxDrain({ db, router: buildBotRouter(), port, now: () => NOW, delayedNoteSeconds: 60, oldMessages: { maxAgeHours: null, action: 'handle' } });
    while (await drain('user:1001'));
    expect(port.sent.map((s) => s.text)).to.deep.equal([texts.en.hint, `${texts.ru.delayed(10)}\n\n${texts.ru.hint}`]);
    expect(port.sent.map((s) => s.opts.replyTo)).to.deep.equal([1, 2]);
    expect(countPending(db)).to.equal(0);
  });

  it('the note and the answer follow the language the sender chose in /settings, over their app’s', async () => {
    store(db, [{ id: 1, text: 'still there?', sentAt: nowSec - 600, lang: 'ru' }]);
    saveUserSettings(db, '1001', { ...DEFAULT_USER_SETTINGS, lang: 'fa' }, 'cbq:1', NOW);
    const settings = { db };
    const drain = createInboxDrain({
      db,
      router: buildBotRouter({ settings }),
      port,
      now: () => NOW,
      delayedNoteSeconds: 60,
      oldMessages: { maxAgeHours: null, action: 'handle' },
      langOf: settingsLanguage(db),
    });
    while (await drain('user:1001'));
    expect(port.sent.map((s) => s.text)).to.deep.equal([`${texts.fa.delayed(10)}\n\n${texts.fa.hint}`]);
  });

  it("with oldMessages 'acknowledge', a message past maxAgeHours only gets the too-old note", async () => {
    store(db, [{ id: 7, text: '/ping', sentAt: nowSec - 3 * 3600 }]);
    const drain = createInboxDrain({ db, router: buildBotRouter(), port, now: () => NOW, delayedNoteSeconds: 60, oldMessages: { maxAgeHours: 2, action: 'acknowledge' } });
    expect(await drain('user:1001')).to.equal(true);
    expect(await drain('user:1001')).to.equal(false);
    expect(port.sent.map((s) => s.text)).to.deep.equal([texts.en.tooOld(2)]);
  });

  it('a row whose handler keeps crashing is skipped after maxAttempts, and the chat goes on', async () => {
    store(db, [
      { id: 1, text: 'boom', sentAt: nowSec },
      { id: 2, text: 'fine', sentAt: nowSec },
    ]);
    const router = new Router().use(async (ctx) => {
      if (ctx.incoming.kind === 'message' && ctx.incoming.text === 'boom') throw new Error('handler bug');
      await ctx.reply('ok');
    });
    const drain = createInboxDrain({ db, router, port, now: () => NOW, delayedNoteSeconds: 60, oldMessages: { maxAgeHours: null, action: 'handle' }, maxAttempts: 2 });
    for (let i = 0; i < 2; i++) await drain('user:1001').catch(() => undefined); // two crashes (a restart each, in production)
    expect(port.sent).to.have.length(0);
    while (await drain('user:1001'));
    expect(inboxRow(db, 1)?.status).to.equal('skipped');
    expect(port.sent.map((s) => [s.text, s.opts.replyTo])).to.deep.equal([['ok', 2]]);
  });
});
