/**
 * Broadcasts: the pure state machine, and the runner against a fake Telegram that, like the real
 * one, drops a second send with the same random_id. A crash in the middle (sends delivered but
 * not yet marked) and a restart deliver to everyone exactly once; users who blocked the bot or
 * deleted their account are marked and skipped by the next broadcast.
 */
import { expect } from 'chai';
import { applyCommand, commandsFor, isFinished, verdictOf } from '../../../src/bot/broadcast/broadcastMachine.js';
import { broadcastCallback, createBroadcastRunner, decodeBroadcastCallback } from '../../../src/bot/broadcast/broadcastRunner.js';
import type { BotPort, SendOptions, SentMessage } from '../../../src/domain/botPort.js';
import type { ChatRef } from '../../../src/domain/chat.js';
import { RecipientBlockedError, RecipientDeactivatedError } from '../../../src/domain/recipientErrors.js';
import { openDatabase, type Database } from '../../../src/storage/index.js';
import { createBroadcast, getBroadcast, tallyBroadcast } from '../../../src/storage/bot/broadcastRepository.js';
import { getUser, recordSeen } from '../../../src/storage/bot/userRepository.js';

describe('broadcast state machine', () => {
  it('pause, resume and cancel move only where they may', () => {
    expect(applyCommand('running', 'pause')).to.equal('paused');
    expect(applyCommand('paused', 'resume')).to.equal('running');
    expect(applyCommand('running', 'resume')).to.equal(null);
    expect(applyCommand('paused', 'pause')).to.equal(null);
    expect(applyCommand('running', 'cancel')).to.equal('cancelled');
    expect(applyCommand('paused', 'cancel')).to.equal('cancelled');
    for (const end of ['done', 'cancelled'] as const) for (const c of ['pause', 'resume', 'cancel'] as const) expect(applyCommand(end, c)).to.equal(null);
  });

  it('a running broadcast with nobody pending is finished; a paused one is not', () => {
    const tally = { pending: 0, sent: 3, blocked: 1, deactivated: 0, failed: 0 };
    expect(isFinished('running', tally)).to.equal(true);
    expect(isFinished('paused', tally)).to.equal(false);
    expect(isFinished('running', { ...tally, pending: 1 })).to.equal(false);
  });

  it('reads a send error: blocked and deleted are final, a 400 fails, anything else is retried a few times', () => {
    expect(verdictOf(new RecipientBlockedError('1'), 1)).to.equal('blocked');
    expect(verdictOf(new RecipientDeactivatedError('1'), 1)).to.equal('deactivated');
    expect(verdictOf(Object.assign(new Error('PEER_ID_INVALID'), { code: 400 }), 1)).to.equal('failed');
    expect(verdictOf(new Error('socket closed'), 1)).to.equal('retry');
    expect(verdictOf(new Error('socket closed'), 5)).to.equal('failed');
  });

  it('shows Pause and Cancel while running, Resume and Cancel while paused, nothing at the end', () => {
    expect(commandsFor('running')).to.deep.equal(['pause', 'cancel']);
    expect(commandsFor('paused')).to.deep.equal(['resume', 'cancel']);
    expect(commandsFor('done')).to.deep.equal([]);
    expect(decodeBroadcastCallback(broadcastCallback('resume', 'Ab_9-x'))).to.deep.equal({ command: 'resume', id: 'Ab_9-x' });
    expect(decodeBroadcastCallback('adm:bcsend')).to.equal(null);
  });
});

/** Telegram as the runner sees it: remembers random_ids; may refuse some users; may hang after N deliveries (a crash). */
class FakeTelegram {
  readonly delivered = new Map<string, number>();
  readonly randomIds = new Set<bigint>();
  readonly edits: string[] = [];
  blocked = new Set<string>();
  deactivated = new Set<string>();
  port(hangAfter = Infinity): BotPort {
    let count = 0;
    return {
      sendText: async (chat: ChatRef, _text: string, opts: SendOptions): Promise<SentMessage> => {
        if (this.blocked.has(chat.id)) throw new RecipientBlockedError(chat.id);
        if (this.deactivated.has(chat.id)) throw new RecipientDeactivatedError(chat.id);
        if (this.randomIds.has(opts.randomId)) return { messageId: null, duplicate: true };
        this.randomIds.add(opts.randomId);
        this.delivered.set(chat.id, (this.delivered.get(chat.id) ?? 0) + 1);
        count += 1;
        if (count > hangAfter) return new Promise<SentMessage>(() => {}); // delivered, then the process died
        return { messageId: count, duplicate: false };
      },
      editText: async (_chat, _id, text) => void this.edits.push(text),
      answerCallback: async () => {},
      ping: async () => 1,
    };
  }
}

function seedUsers(db: Database, n: number): string[] {
  const ids = Array.from({ length: n }, (_, i) => String(5000 + i));
  for (const id of ids) recordSeen(db, { userId: id, accessHash: '7' }, 1);
  return ids;
}

const ADMIN_CHAT = JSON.stringify({ kind: 'user', id: '1001', accessHash: '1' });

describe('broadcast runner', () => {
  it('after a crash in the middle, the restarted runner reaches everyone exactly once', async () => {
    const db = openDatabase(':memory:');
    const users = seedUsers(db, 60);
    const telegram = new FakeTelegram();
    createBroadcast(db, { id: 'b1', adminId: '1001', adminChat: ADMIN_CHAT, text: 'news', lang: 'en' }, 1);
    // First run: 25 sends get through (1 progress message + 24 recipients), the rest hang: the process dies.
    const first = createBroadcastRunner({ db, port: telegram.port(25), window: 5, sleep: async () => {} });
    first.launch('b1');
    await new Promise((r) => setTimeout(r, 50));
    const markedBefore = tallyBroadcast(db, 'b1').sent;
    expect(markedBefore).to.be.lessThan(telegram.delivered.size);
    // Restart.
    const second = createBroadcastRunner({ db, port: telegram.port(), window: 5, sleep: async () => {} });
    second.start();
    await second.idle();
    for (const id of users) expect(telegram.delivered.get(id), id).to.equal(1);
    expect(tallyBroadcast(db, 'b1')).to.deep.equal({ pending: 0, sent: 60, blocked: 0, deactivated: 0, failed: 0 });
    expect(getBroadcast(db, 'b1')!.state).to.equal('done');
    expect(telegram.edits.at(-1)).to.equal('Broadcast finished: 60 sent, 0 blocked the bot, 0 deleted, 0 failed, of 60');
  });

  it('marks users who blocked the bot or deleted their account, and the next broadcast skips them', async () => {
    const db = openDatabase(':memory:');
    const users = seedUsers(db, 10);
    const telegram = new FakeTelegram();
    telegram.blocked.add(users[3]!);
    telegram.deactivated.add(users[7]!);
    const runner = createBroadcastRunner({ db, port: telegram.port(), window: 3, sleep: async () => {} });
    createBroadcast(db, { id: 'b1', adminId: '1001', adminChat: ADMIN_CHAT, text: 'one', lang: 'en' }, 1);
    runner.launch('b1');
    await runner.idle();
    expect(tallyBroadcast(db, 'b1')).to.deep.include({ sent: 8, blocked: 1, deactivated: 1 });
    expect(getUser(db, users[3]!)!.blocked).to.equal(true);
    expect(getUser(db, users[7]!)!.deactivated).to.equal(true);
    expect(createBroadcast(db, { id: 'b2', adminId: '1001', adminChat: ADMIN_CHAT, text: 'two', lang: 'en' }, 2).recipients).to.equal(8);
    // Writing again means they unblocked: reachable again.
    recordSeen(db, { userId: users[3]! }, 3);
    expect(getUser(db, users[3]!)!.blocked).to.equal(false);
  });

  it('a media broadcast sends the stored file again, with its caption, in the bulk lane', async () => {
    const db = openDatabase(':memory:');
    seedUsers(db, 3);
    const sent: { chat: string; id: string; caption?: string; lane?: string }[] = [];
    const port: BotPort = {
      ...new FakeTelegram().port(),
      sendMedia: async (chat, location, opts) => {
        sent.push({ chat: chat.id, id: location.id, ...(opts.caption !== undefined ? { caption: opts.caption } : {}), ...(opts.lane ? { lane: opts.lane } : {}) });
        return { messageId: 1, duplicate: false };
      },
    };
    const media = { kind: 'photo', location: { type: 'photo', id: '91', accessHash: '3', fileReference: 'AA==', dcId: 2, thumbSize: 'y' }, sizeBytes: 5, mimeType: 'image/jpeg' };
    createBroadcast(db, { id: 'm1', adminId: '1001', adminChat: ADMIN_CHAT, text: 'look', media: JSON.stringify(media), lang: 'en' }, 1);
    const runner = createBroadcastRunner({ db, port, window: 2, sleep: async () => {} });
    runner.launch('m1');
    await runner.idle();
    expect(sent.map((s) => s.chat).sort()).to.deep.equal(['5000', '5001', '5002']);
    expect(sent.every((s) => s.id === '91' && s.caption === 'look' && s.lane === 'bulk')).to.equal(true);
  });

  it('pause stops new sends at once, resume carries on, cancel leaves the rest unsent', async () => {
    const db = openDatabase(':memory:');
    seedUsers(db, 30);
    const telegram = new FakeTelegram();
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    const base = telegram.port();
    const port: BotPort = { ...base, sendText: async (c, t, o) => (o.lane === 'bulk' ? gate.then(() => base.sendText(c, t, o)) : base.sendText(c, t, o)) };
    const runner = createBroadcastRunner({ db, port, window: 2, sleep: async () => {} });
    createBroadcast(db, { id: 'b1', adminId: '1001', adminChat: ADMIN_CHAT, text: 'x', lang: 'en' }, 1);
    runner.launch('b1');
    await new Promise((r) => setTimeout(r, 10));
    expect(runner.command('b1', 'pause')).to.equal('paused');
    release();
    await runner.idle();
    expect(tallyBroadcast(db, 'b1').sent).to.equal(2); // the two in flight finished; nothing more
    expect(telegram.edits.at(-1)).to.match(/^Broadcast paused: 2 sent/);
    gate = new Promise<void>((r) => (release = r));
    expect(runner.command('b1', 'resume')).to.equal('running');
    await new Promise((r) => setTimeout(r, 10));
    expect(runner.command('b1', 'cancel')).to.equal('cancelled');
    release();
    await runner.idle();
    const tally = tallyBroadcast(db, 'b1');
    expect(tally.sent).to.equal(4); // two more in flight when Cancel came
    expect(tally.pending).to.equal(26);
    expect(getBroadcast(db, 'b1')!.state).to.equal('cancelled');
    expect(runner.command('b1', 'resume')).to.equal(null);
  });
});
