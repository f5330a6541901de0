import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { createCourierMetrics, isSqliteBusy, type MetricSources } from '../../../src/ops/metrics.js';

const sources = (over: Partial<MetricSources> = {}): MetricSources => ({
  inboxPending: () => 4,
  outbox: () => ({ queued: 2, floodWaits: 3 }),
  diskFreeBytes: async () => 123_456_789,
  lastBackupAt: () => 1_700_000_000_000,
  ...over,
});

const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

/** promtool's own linter when installed; otherwise the text format's line grammar, checked here. */
function checkExposition(text: string): void {
  if (hasPromtool) {
    const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    // prom-client's own Node metrics draw lint remarks (nodejs_active_handles_total is a gauge);
    // those are not Courier's to fix. A parse error, or any remark on a courier_ series, fails.
    const remarks = `${run.stdout}${run.stderr}`.split('\n').filter((l) => l.trim() !== '');
    const ours = remarks.filter((l) => !/^(nodejs|process)_\w+ /.test(l));
    expect(ours, ours.join('\n')).to.deep.equal([]);
    return;
  }
  for (const line of text.split('\n').filter((l) => l !== '')) {
    expect(line, line).to.match(/^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+-]+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (NaN|[+-]Inf))$/);
  }
}

describe("Courier's metrics", () => {
  it('expose every Courier series in valid Prometheus text format, with the default process metrics', async () => {
    const metrics = createCourierMetrics(sources());
    metrics.record.updatesReceived(5);
    metrics.record.updateHandled(0.3);
    metrics.record.updateHandled(45);
    metrics.record.catchupRecovered(12);
    metrics.record.jobEnded('extract_audio', 'done', 14);
    metrics.record.transferred('download', 1024);
    metrics.record.sqliteBusy();
    const text = await metrics.render();
    checkExposition(text);
    for (const name of [
      'courier_updates_received_total 5',
      'courier_updates_handled_total 2',
      'courier_reply_seconds_bucket{le="600"} 2',
      'courier_reply_seconds_count 2',
      'courier_inbox_pending 4',
      'courier_outbox_queued 2',
      'courier_flood_waits_total 3',
      'courier_catchup_recovered_total 12',
      'courier_jobs_total{action="extract_audio",outcome="done"} 1',
      'courier_job_seconds_count{action="extract_audio"} 1',
      'courier_transfer_bytes_total{direction="download"} 1024',
      'courier_transfer_bytes_total{direction="upload"} 0',
      'courier_sqlite_busy_total 1',
      'courier_disk_free_bytes 123456789',
      'courier_last_backup_timestamp_seconds 1700000000',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).to.contain(name);
    }
  });

  (hasPromtool ? it : it.skip)("pass promtool's lint without a single remark on Courier's own series", async () => {
    const metrics = createCourierMetrics(sources(), { defaultMetrics: false });
    metrics.record.updateHandled(2);
    metrics.record.jobEnded('compress', 'failed', 70);
    execFileSync('promtool', ['check', 'metrics'], { input: await metrics.render(), stdio: ['pipe', 'pipe', 'pipe'] });
  });

  it('keep the FLOOD_WAIT counter going up with the limiter, never down', async () => {
    let floodWaits = 1;
    const metrics = createCourierMetrics(sources({ outbox: () => ({ queued: 0, floodWaits }) }), { defaultMetrics: false });
    expect(await metrics.render()).to.contain('courier_flood_waits_total 1');
    floodWaits = 4;
    expect(await metrics.render()).to.contain('courier_flood_waits_total 4');
  });

  it('carry no per-user labels', async () => {
    const text = await createCourierMetrics(sources(), { defaultMetrics: false }).render();
    expect(text).not.to.match(/user|chat/);
  });

  it('recognise SQLITE_BUSY by code and by message', () => {
    expect(isSqliteBusy(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))).to.equal(true);
    expect(isSqliteBusy(new Error('SQLITE_BUSY_SNAPSHOT: x'))).to.equal(true);
    expect(isSqliteBusy(new Error('SQLITE_CONSTRAINT'))).to.equal(false);
  });
});
