/**
 * /stats stays fast on a big database: every query of statsRepository reads an index range
 * (EXPLAIN QUERY PLAN shows no full scan of users, inbox or jobs), and on 200,000 users and
 * 200,000 inbox rows the whole readStats takes well under a second.
 */
import { expect } from 'chai';
import { openDatabase, type Database } from '../../../src/storage/index.js';
import { readStats, STATS_QUERIES } from '../../../src/storage/bot/statsRepository.js';
import { countReachable, recordSeen, setBanned, markUnreachable } from '../../../src/storage/bot/userRepository.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 29, 18, 0);
const START_OF_DAY = Date.UTC(2026, 10, 29);

function plan(db: Database, sql: string): string {
  const args = (sql.match(/\?/g) ?? []).map(() => 0);
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join(' | ');
}

function seed(db: Database, users: number, inboxRows: number): void {
  db.transaction(() => {
    for (let i = 0; i < users; i++) recordSeen(db, { userId: String(100_000 + i), accessHash: '1', lang: 'en' }, NOW - (i % 30) * DAY);
    const inbox = db.prepare("INSERT INTO inbox (update_key, chat_key, kind, payload, sent_at, received_at, status, handled_at) VALUES (?, ?, 'message', '{}', 0, ?, 'done', ?)");
    for (let i = 0; i < inboxRows; i++) inbox.run(`msg:${i}`, `user:${i % 1000}`, NOW - (i % 48) * 3_600_000, NOW - (i % 48) * 3_600_000);
    const job = db.prepare(
      "INSERT INTO jobs (id, origin_key, user_id, chat, source_message_id, source, input_key, action, lang, state, max_attempts, created_at, updated_at) VALUES (?, ?, '1', '{}', 1, '{}', 'k', ?, 'en', ?, 3, ?, ?)",
    );
    const states = ['done', 'failed', 'cancelled', 'queued', 'processing'];
    for (let i = 0; i < 5000; i++) job.run(`j${i}`, `o${i}`, i % 2 ? 'compress' : 'info', states[i % 5], NOW - (i % 48) * 3_600_000 - 60_000, NOW - (i % 48) * 3_600_000);
  })();
  db.exec('ANALYZE');
}

describe('stats queries on a big database', () => {
  let db: Database;
  before(function () {
    this.timeout(120_000);
    db = openDatabase(':memory:');
    seed(db, 200_000, 200_000);
  });
  after(() => db.close());

  it('no stats query scans users, inbox or jobs without an index', () => {
    for (const [name, sql] of Object.entries(STATS_QUERIES)) {
      const p = plan(db, sql);
      expect(p, name).to.not.match(/SCAN (users|inbox|jobs)(?! USING)/);
      if (/FROM (users|inbox|jobs)/.test(sql)) expect(p, name).to.match(/USING (COVERING )?INDEX|SEARCH/);
      // A time filter must bound the index range, not be checked row by row.
      for (const column of ['updated_at', 'last_seen', 'first_seen', 'handled_at']) {
        if (new RegExp(`${column} >= \\?`).test(sql)) expect(p, name).to.include(`${column}>?`);
      }
    }
  });

  it('counts users, activity and today’s messages and jobs', () => {
    const started = performance.now();
    const s = readStats(db, NOW, START_OF_DAY);
    const ms = performance.now() - started;
    expect(s.users.total).to.equal(200_000);
    // Seen today (i % 30 = 0) or exactly a day ago (i % 30 = 1): 6,667 users each.
    expect(s.users.active24h).to.equal(13_334);
    expect(s.users.active7d).to.be.greaterThan(s.users.active24h);
    expect(s.messagesToday).to.be.greaterThan(0).and.lessThan(200_000);
    expect(s.jobsToday.map((j) => j.outcome)).to.include.members(['done', 'failed', 'cancelled']);
    expect(s.queue.queued).to.equal(1000);
    expect(s.queue.running).to.equal(1000);
    expect(s.jobTimeMs).to.deep.equal({ p50: 60_000, p95: 60_000 });
    expect(ms, 'readStats ms').to.be.lessThan(1000);
  });

  it('counts reachable users from the trigger-kept total less the banned, blocked and deleted', () => {
    const before = countReachable(db);
    setBanned(db, '100001', true, NOW);
    markUnreachable(db, '100002', 'blocked');
    markUnreachable(db, '100003', 'deactivated');
    expect(countReachable(db)).to.equal(before - 3);
    const p = plan(db, 'SELECT COUNT(*) AS n FROM users INDEXED BY users_unreachable WHERE banned = 1 OR blocked = 1 OR deactivated = 1');
    expect(p).to.match(/users_unreachable/);
  });
});
