/**
 * /usage through the router: today's jobs and bytes, used and left, and the time to 00:00 UTC; no
 * limit for an admin or on a bot without limits; yesterday's jobs do not show; in the user's
 * language. A real (temporary) database holds the charges.
 */
import { expect } from 'chai';
import { buildBotRouter } from '../../../src/bot/commands.js';
import type { Incoming } from '../../../src/domain/incoming.js';
import { chargeJob } from '../../../src/storage/bot/quotaRepository.js';
import { createJob } from '../../../src/storage/jobRepository.js';
import { openDatabase, type Database } from '../../../src/storage/index.js';
import { texts } from '../../../src/texts/index.js';
import type { QuotaLimits } from '../../../src/jobs/quotas.js';
import { FakePort } from '../../helpers/fakeBotPort.js';

const chat = { kind: 'user' as const, id: '1001', accessHash: '9' };
const NOW = Date.parse('2026-11-29T18:48:00Z');
const usageCommand = (extra: Partial<Incoming> = {}): Incoming =>
  ({ kind: 'message', updateKey: 'msg:user:1001:7', chat, senderId: '1001', messageId: 70, text: '/usage', date: 1, ...extra }) as Incoming;

describe('/usage', () => {
  let db: Database;
  let port: FakePort;
  const usage = async (limits: QuotaLimits | undefined, admins: string[] = [], incoming = usageCommand()): Promise<string> => {
    await buildBotRouter({ botUsername: 'CourierBot', usage: { db, limits, admins, now: () => NOW } }).handle(incoming, port);
    expect(port.sent).to.have.length(1);
    expect(port.sent[0]!.opts.replyTo).to.equal(70);
    return port.sent[0]!.text;
  };

  function charged(id: string, day: string, bytes: number): void {
    createJob(db, { id, originKey: `cbq:${id}`, userId: '1001', chat, sourceMessageId: 1, source: { kind: 'link', url: 'https://example.com/a' }, inputKey: `k${id}`, request: { action: 'info' }, lang: 'en', maxAttempts: 3 }, NOW);
    chargeJob(db, { jobId: id, userId: '1001', day, bytes });
  }

  beforeEach(() => {
    db = openDatabase(':memory:');
    port = new FakePort();
    charged('a', '2026-11-29', 30 * 1024 * 1024);
    charged('b', '2026-11-29', 2 * 1024 * 1024);
    charged('old', '2026-11-28', 999 * 1024 * 1024);
  });
  afterEach(() => db.close());

  it("shows today's jobs and bytes used and left, and when the limits reset", async () => {
    const t = texts.en;
    expect(await usage({ jobsPerDay: 2, bytesPerDay: 50 * 1024 * 1024 })).to.equal(
      [t.usageTitle, 'Jobs: 2 of 2 used, 0 left', 'Data: 32 MB of 50 MB used, 18 MB left', 'The limits reset at 00:00 UTC, in 5 h 12 min.'].join('\n'),
    );
  });

  it('shows "no limit" for a limit set to 0, next to one that is set', async () => {
    const text = await usage({ jobsPerDay: 5, bytesPerDay: 0 });
    expect(text).to.include('Jobs: 2 of 5 used, 3 left').and.include('Data: 32 MB used, no limit').and.include('in 5 h 12 min');
  });

  it('tells an admin that no limit applies, with what they used', async () => {
    const text = await usage({ jobsPerDay: 1, bytesPerDay: 1 }, ['1001']);
    expect(text.split('\n')).to.deep.equal([texts.en.usageTitle, 'Jobs: 2 used, no limit', 'Data: 32 MB used, no limit', texts.en.usageAdmin]);
  });

  it('on a bot without limits says so, and shows no reset', async () => {
    const text = await usage(undefined);
    expect(text).to.include(texts.en.usageNoLimits).and.not.include('reset');
  });

  it("answers in the user's language", async () => {
    const text = await usage({ jobsPerDay: 2, bytesPerDay: 0 }, [], usageCommand({ langCode: 'ru' } as Partial<Incoming>));
    expect(text).to.include(texts.ru.usageJobs(2, 2, 0)).and.include(texts.ru.usageResets(texts.ru.quotaResetsIn(5, 12)));
  });
});
