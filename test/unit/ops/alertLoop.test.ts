import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { derivedRandomId } from '../../../src/domain/randomId.js';
import { openDatabase, type Database } from '../../../src/storage/index.js';
import { alertMessage, conditionsFrom, startAlertLoop, type AlertFigures, type AlertThresholds } from '../../../src/ops/alertLoop.js';
import { texts } from '../../../src/texts/index.js';
import { FakePort } from '../../helpers/fakeBotPort.js';

const GB = 1024 ** 3;
const thresholds: AlertThresholds = { minFreeDiskPercent: 10, maxMemoryPercent: 80, slowReplySeconds: 30, slowReplyWindowMinutes: 5, telegramDownSeconds: 120 };
const calm: AlertFigures = {
  disk: { freeBytes: 50 * GB, totalBytes: 100 * GB },
  memory: { rssBytes: 200 * 1024 ** 2, limitBytes: 8 * GB },
  replies: { p95Seconds: 0.4, samples: 300 },
  sqliteBusyRecent: 0,
  telegramDownSeconds: 0,
  backupFailure: null,
};
const active = (f: AlertFigures) => conditionsFrom(f, thresholds).filter((c) => c.active).map((c) => c.name);

describe('alert conditions from measurements', () => {
  it('a calm machine raises nothing', () => {
    expect(active(calm)).to.deep.equal([]);
  });

  it("the old bots' thresholds: disk under 10%, memory over 80%, p95 over 30 s, any SQLITE_BUSY, Telegram away over 2 min, a failed backup", () => {
    expect(active({ ...calm, disk: { freeBytes: 9 * GB, totalBytes: 100 * GB } })).to.deep.equal(['diskLow']);
    expect(active({ ...calm, disk: { freeBytes: 10 * GB, totalBytes: 100 * GB } })).to.deep.equal([]);
    expect(active({ ...calm, memory: { rssBytes: 6.5 * GB, limitBytes: 8 * GB } })).to.deep.equal(['memoryHigh']);
    expect(active({ ...calm, replies: { p95Seconds: 31, samples: 40 } })).to.deep.equal(['repliesSlow']);
    expect(active({ ...calm, sqliteBusyRecent: 1 })).to.deep.equal(['sqliteBusy']);
    expect(active({ ...calm, telegramDownSeconds: 119 })).to.deep.equal([]);
    expect(active({ ...calm, telegramDownSeconds: 121 })).to.deep.equal(['telegramDown']);
    expect(active({ ...calm, backupFailure: 'disk full' })).to.deep.equal(['backupFailed']);
  });

  it('two slow replies in a quiet window are not a slow bot', () => {
    expect(active({ ...calm, replies: { p95Seconds: 90, samples: 2 } })).to.deep.equal([]);
  });
});

describe('the alert loop', () => {
  let dir: string;
  let db: Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-alerts-'));
    db = openDatabase(join(dir, 'courier.db'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function loop(port: FakePort, figures: () => AlertFigures, now: () => number) {
    return startAlertLoop({
      db,
      port,
      admins: () => [{ id: '11', accessHash: '5' }, { id: '22', accessHash: undefined }],
      measure: async () => figures(),
      thresholds,
      everyMs: 3_600_000,
      repeatMs: 3_600_000,
      now,
    });
  }

  it('tells every admin once, in English, with random_ids derived from the alert; recovery follows', async () => {
    const port = new FakePort();
    let figures: AlertFigures = { ...calm, disk: { freeBytes: 4 * GB, totalBytes: 100 * GB } };
    let at = 1_000;
    const alerts = loop(port, () => figures, () => at);
    await alerts.check();
    at += 60_000;
    await alerts.check();
    expect(port.sent.map((s) => [s.chat.id, s.text])).to.deep.equal([
      ['11', texts.en.alertDiskLow(4, texts.en.size(4 * GB))],
      ['22', texts.en.alertDiskLow(4, texts.en.size(4 * GB))],
    ]);
    expect(port.sent[0]!.opts.randomId).to.equal(derivedRandomId('ops:diskLow:1000:1', 0));
    expect(port.sent[1]!.opts.randomId).to.equal(derivedRandomId('ops:diskLow:1000:1', 1));
    figures = calm;
    at += 60_000;
    await alerts.check();
    expect(port.sent[2]!.text).to.equal(texts.en.alertRecovered(texts.en.alertNames.diskLow, '2 min'));
    await alerts.stop();
  });

  it('after a restart (a new loop on the same database) an alert in force is not sent again', async () => {
    const port = new FakePort();
    const figures = { ...calm, sqliteBusyRecent: 2 };
    let at = 5_000;
    const first = loop(port, () => figures, () => at);
    await first.check();
    await first.stop();
    at += 10 * 60_000;
    const second = loop(port, () => figures, () => at);
    await second.check();
    await second.stop();
    expect(port.sent.map((s) => s.text)).to.deep.equal([texts.en.alertSqliteBusy(2), texts.en.alertSqliteBusy(2)]);
    expect(port.sent.map((s) => s.chat.id)).to.deep.equal(['11', '22']);
  });

  it('an alert no admin could be reached with is tried again next round, not forgotten', async () => {
    const port = new FakePort();
    let reachable = false;
    const sendText = port.sendText.bind(port);
    port.sendText = async (...args) => {
      if (!reachable) throw new Error('PEER_ID_INVALID');
      return sendText(...args);
    };
    let at = 0;
    const alerts = loop(port, () => ({ ...calm, backupFailure: 'disk full' }), () => at);
    await alerts.check();
    expect(port.sent).to.deep.equal([]);
    reachable = true;
    at += 30_000;
    await alerts.check();
    at += 30_000;
    await alerts.check();
    await alerts.stop();
    expect(port.sent.map((s) => s.text)).to.deep.equal([texts.en.alertBackupFailed('disk full'), texts.en.alertBackupFailed('disk full')]);
    expect(port.sent[0]!.opts.randomId).to.equal(derivedRandomId('ops:backupFailed:30000:1', 0));
  });

  it('words a repeat as "still so" and a failed backup with its reason', () => {
    const d = { kind: 'repeat' as const, name: 'backupFailed' as const, key: 'k', figures: { reason: 'No space left on device' }, lastedMs: 3_600_000 };
    expect(alertMessage(d)).to.equal(texts.en.alertStill(texts.en.alertBackupFailed('No space left on device')));
    expect(alertMessage({ ...d, kind: 'fire', name: 'telegramDown', figures: { seconds: 180 } })).to.equal(texts.en.alertTelegramDown('3 min'));
  });
});
