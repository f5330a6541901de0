/**
 * `bench load`: the pure planning (send times, the floor Telegram's limits set, percentiles,
 * pairing replies with messages) as examples, and one tiny run end to end — a real emulator in
 * this process, Courier as a child, the naive GramJS baseline — that checks the figures mean what
 * they say (every message answered once, the file's job done), not how fast anything is.
 */
import { expect } from 'chai';
import { answerFloorSeconds, defaultSeconds, percentile, planSends, ReplyClock } from '../../../../src/tools/bench/load/loadPlan.js';
import { parseLoadArgs } from '../../../../src/tools/bench/load/load.js';
import { eventLoopP99MsOf, scrapeEventLoopP99Ms } from '../../../../src/tools/bench/load/processStats.js';
import { runBench } from '../../../../src/tools/bench/index.js';

describe('bench load', function () {
  this.timeout(240_000);

  it('spreads every user’s messages evenly, users taking turns', () => {
    const plan = planSends({ users: 3, messages: 2, seconds: 6 });
    expect(plan.map((p) => p.user)).to.deep.equal([0, 1, 2, 0, 1, 2]);
    expect(plan.map((p) => p.at)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(defaultSeconds(2400, 30)).to.equal(100); // 80 % of 30/s
  });

  it('puts the floor where the overall or the per-chat limit binds, never before a message arrived', () => {
    const limits = { perSecond: 30, perChatPerSecond: 1 };
    // 60 messages at once from 60 chats: the overall limit, one every 1/30 s.
    expect(answerFloorSeconds(Array.from({ length: 60 }, (_, i) => ({ chat: i, at: 0 })), limits)).to.be.closeTo(59 / 30, 1e-9);
    // 5 from one chat at once: one a second.
    expect(answerFloorSeconds(Array.from({ length: 5 }, () => ({ chat: 1, at: 0 })), limits)).to.equal(4);
    // A late arrival sets the floor by itself.
    expect(answerFloorSeconds([{ chat: 1, at: 0 }, { chat: 2, at: 100 }], limits)).to.equal(100);
  });

  it('pairs each reply with its chat’s oldest unanswered message, and counts replies beyond them', () => {
    const clock = new ReplyClock();
    clock.sent(1, 0);
    clock.sent(1, 100);
    clock.sent(2, 50);
    clock.replied(1, 300);
    clock.replied(2, 60);
    clock.replied(1, 400);
    clock.replied(1, 500);
    expect(clock.latencies).to.deep.equal([300, 10, 300]);
    expect(clock.extraReplies).to.equal(1);
    expect(percentile([5, 1, 3, 2, 4], 50)).to.equal(3);
    expect(percentile([5, 1, 3, 2, 4], 99)).to.equal(5);
    expect(percentile([], 50)).to.equal(null);
  });

  it('reads the p99 event-loop delay from a /metrics page, and null when it is not there', async () => {
    const page = [
      '# HELP nodejs_eventloop_lag_p99_seconds The 99th percentile of the recorded event loop delays.',
      '# TYPE nodejs_eventloop_lag_p99_seconds gauge',
      'nodejs_eventloop_lag_p99_seconds 0.017530879',
      'nodejs_eventloop_lag_p90_seconds 0.0121',
    ].join('\n');
    expect(eventLoopP99MsOf(page)).to.be.closeTo(17.530879, 1e-9);
    expect(eventLoopP99MsOf('nodejs_eventloop_lag_p99_seconds{instance="a"} 2e-3')).to.be.closeTo(2, 1e-12);
    expect(eventLoopP99MsOf('nodejs_eventloop_lag_p90_seconds 0.0121')).to.equal(null);
    expect(await scrapeEventLoopP99Ms('http://127.0.0.1:9/metrics', () => Promise.reject(new Error('ECONNREFUSED')))).to.equal(null);
  });

  it('defaults to 10,000 users sending 3 messages and 100 files, and refuses malformed options', async () => {
    expect(parseLoadArgs([])).to.deep.equal({ users: 10_000, messages: 3, files: 100, minutes: null, baseline: true });
    const lines: string[] = [];
    expect(await runBench('load', ['--users', 'lots'], (l) => lines.push(l))).to.equal(2);
    expect(lines[0]).to.match(/--users must be an integer .*usage: bench load/);
  });

  it('a tiny run: 40 messages from 20 users and one file, each answered once by Courier and by the naive bot', async () => {
    const lines: string[] = [];
    const code = await runBench('load', ['--users', '20', '--messages', '2', '--files', '1', '--minutes', '0.1'], (l) => lines.push(l));
    expect(code).to.equal(0);
    expect(lines).to.have.length(1);
    const r = JSON.parse(lines[0]!) as Record<string, unknown> & { baseline: Record<string, unknown> };
    // The file sender's two text messages are answered too, but their chat also gets the offer,
    // status and result, so only the other 19 users' 38 messages are timed.
    expect(r).to.include({ bench: 'load', users: 20, messages: 40, text_messages: 38, answered: 38, lost: 0, duplicates: 0, flood_waits: 0, files_done: 1, courier_stop_exit_code: 0 });
    expect(r.p50_s).to.be.a('number').and.at.least(0);
    expect(r.p99_s).to.be.a('number').and.at.least(r.p50_s as number);
    expect(r.ratio).to.be.a('number').and.at.least(1);
    expect(r.rss_mb_peak).to.be.a('number').and.greaterThan(0);
    // Scraped from Courier's /metrics at the start and the end; a run this short gives no slope.
    expect(r.event_loop_p99_ms_sampled_max).to.be.a('number').and.at.least(0);
    expect(r.event_loop_slope_ms_per_hour).to.equal(null);
    expect(r.baseline).to.include({ text_messages: 40, answered: 40, lost: 0, duplicates: 0 });
  });
});
