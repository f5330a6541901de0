/**
 * The language of an update that came without one (a short update: Telegram sends no user object,
 * so no lang_code): taken from what is stored of the user, else asked of Telegram once, and used
 * for every answer of the update, through the real drain and router.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBotRouter } from '../../../src/bot/commands.js';
import type { Incoming } from '../../../src/domain/incoming.js';
import { createInboxDrain } from '../../../src/inbox/drain.js';
import { recordSeen } from '../../../src/storage/bot/userRepository.js';
import { storeUpdates } from '../../../src/storage/inboxRepository.js';
import { openDatabase, type Database } from '../../../src/storage/index.js';
import { texts } from '../../../src/texts/index.js';
import { FakePort } from '../../helpers/fakeBotPort.js';

const NOW = 1_800_000_000_000;
const nowSec = NOW / 1000;

/** A FakePort that also answers users.getUsers with the languages it is given. */
class LangPort extends FakePort {
  readonly asked: { id: string; accessHash?: string }[] = [];
  constructor(private readonly langs: Record<string, string | null | Error>) {
    super();
  }
  async userLangCode(user: { id: string; accessHash?: string }): Promise<string | null> {
    this.asked.push(user);
    const answer = this.langs[user.id];
    if (answer instanceof Error) throw answer;
    return answer ?? null;
  }
}

describe('inbox: the language of an update Telegram sent without a user object', () => {
  let dir: string;
  let db: Database;
  let nextId = 1;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-lang-'));
    db = openDatabase(join(dir, 'courier.db'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const store = (userId: string, text: string, langCode?: string): void => {
    const id = nextId++;
    const chat = { kind: 'user' as const, id: userId, accessHash: `77${userId}` };
    const incoming: Incoming = { kind: 'message', updateKey: `msg:user:${userId}:${id}`, chat, senderId: userId, messageId: id, text, date: nowSec, ...(langCode ? { langCode } : {}) };
    storeUpdates(db, [{ updateKey: incoming.updateKey, chatKey: `user:${userId}`, kind: 'message', payload: incoming, sentAt: nowSec, receivedAt: NOW, recovered: false }], {
      pts: id,
      qts: 0,
      date: 1,
      seq: 0,
      channels: {},
    });
  };
  const drainAll = async (port: FakePort, userId: string): Promise<void> => {
    const drain = createInboxDrain({ db, router: buildBotRouter(), port, now: () => NOW, delayedNoteSeconds: 60, oldMessages: { maxAgeHours: null, action: 'handle' } });
    while (await drain(`user:${userId}`));
  };

  it('a new user’s first /start is answered in the language Telegram gives when asked, with the chat’s access hash', async () => {
    const port = new LangPort({ '2001': 'ru-RU' });
    store('2001', '/start');
    await drainAll(port, '2001');
    expect(port.sent.map((s) => s.text)).to.deep.equal([texts.ru.welcome]);
    expect(port.asked).to.deep.equal([{ id: '2001', accessHash: '772001' }]);
  });

  it('a language stored from an earlier update (also before a restart) is used without asking', async () => {
    // What src/bot/users.ts records of an earlier update that named the user's language.
    recordSeen(db, { userId: '2002', lang: 'fa' }, NOW - 3_600_000);
    const port = new LangPort({ '2002': 'ru' });
    store('2002', '/start');
    await drainAll(port, '2002');
    expect(port.sent.map((s) => s.text)).to.deep.equal([texts.fa.welcome]);
    expect(port.asked).to.deep.equal([]);
  });

  it('an update that carries its language is answered in it without asking', async () => {
    const port = new LangPort({ '2003': 'fa' });
    store('2003', '/start', 'ru');
    await drainAll(port, '2003');
    expect(port.sent.map((s) => s.text)).to.deep.equal([texts.ru.welcome]);
    expect(port.asked).to.deep.equal([]);
  });

  it('a user Telegram shares no language for, or a failed lookup, gets English, and Telegram is asked only once', async () => {
    const port = new LangPort({ '2004': null, '2005': new Error('FLOOD_WAIT_3600') });
    store('2004', '/start');
    store('2004', '/start');
    store('2005', '/start');
    store('2005', '/start');
    await drainAll(port, '2004');
    await drainAll(port, '2005');
    expect(port.sent.map((s) => s.text)).to.deep.equal([texts.en.welcome, texts.en.welcome, texts.en.welcome, texts.en.welcome]);
    expect(port.asked.map((a) => a.id)).to.deep.equal(['2004', '2005']);
  });
});
