import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Incoming } from '../../../src/domain/incoming.js';
import type { TelegramFiles } from '../../../src/domain/mediaPorts.js';
import { openDatabase, type Database } from '../../../src/storage/index.js';
import type { TelegramLink } from '../../../src/telegram/connectTelegram.js';
import { cgroupMemoryLimit, startOps, type Ops, type OpsConfig, type WatchedHandler } from '../../../src/ops/opsService.js';
import { FakePort } from '../../helpers/fakeBotPort.js';

const valueOf = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.slice(series.length + 1));

describe('startOps: the hooks the composition root threads through', () => {
  let dir: string;
  let db: Database;
  let ops: Ops;
  let clock = 1_000_000;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'courier-ops-service-'));
    db = openDatabase(join(dir, 'courier.db'));
    const config: OpsConfig = {
      ops: { httpPort: 0, httpHost: '127.0.0.1' },
      alerts: { checkSeconds: 3600, minFreeDiskPercent: 10, maxMemoryPercent: 80, memoryLimitBytes: null, slowReplySeconds: 30, slowReplyWindowMinutes: 5, telegramDownSeconds: 120, repeatMinutes: 60 },
      backups: { everyHours: 0, dir: join(dir, 'backups'), keep: 7 },
      dataDir: dir,
    };
    ops = await startOps(config, { db, now: () => clock });
  });
  afterEach(async () => {
    await ops.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('times a handled update from its date, but never from before the start', async () => {
    const handler = ops.watchHandler<WatchedHandler>({ handle: async () => void (clock += 2_000) });
    const incoming = { date: Math.floor((clock - 3_600_000) / 1000) } as Incoming;
    await handler.handle(incoming, new FakePort());
    const text = await ops.metrics.render();
    expect(valueOf(text, 'courier_updates_handled_total')).to.equal(1);
    expect(valueOf(text, 'courier_reply_seconds_sum')).to.equal(2);
  });

  it('counts a SQLITE_BUSY that reaches the handler, and lets the error through', async () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    const handler = ops.watchHandler<WatchedHandler>({ handle: async () => Promise.reject(busy) });
    let caught: unknown;
    await handler.handle({ date: 0 } as Incoming, new FakePort()).catch((e: unknown) => (caught = e));
    expect(caught).to.equal(busy);
    expect(valueOf(await ops.metrics.render(), 'courier_sqlite_busy_total')).to.equal(1);
  });

  it('counts the bytes a transfer moved in this run (a resumed download counts from where it resumed)', async () => {
    const files: TelegramFiles = {
      download: async (_media, _dest, o) => {
        for (const doneBytes of [4096, 6144, 10_240]) o.onProgress?.({ doneBytes, totalBytes: 10_240 });
      },
      sendFile: async (_chat, _file, o) => {
        for (const doneBytes of [0, 512, 1024]) o.onProgress?.({ doneBytes, totalBytes: 1024 });
        return {} as never;
      },
      sendStored: async () => ({ messageId: 1, duplicate: false }),
    };
    const link = ops.watchLink({ files, connected: () => true, outboxStats: () => ({ waiting: 3, floodWaits: 2 }) } as unknown as TelegramLink);
    const seen: number[] = [];
    await link.files.download({} as never, '/tmp/x', { signal: new AbortController().signal, onProgress: (p) => seen.push(p.doneBytes) });
    await link.files.sendFile({ kind: 'user', id: '1' }, {} as never, { randomId: 1n, signal: new AbortController().signal, resume: {} as never });
    const text = await ops.metrics.render();
    expect(seen).to.deep.equal([4096, 6144, 10_240]);
    // The download resumed at 4096 bytes: 6144 moved in this run; the upload started from 0.
    expect(valueOf(text, 'courier_transfer_bytes_total{direction="download"}')).to.equal(6144);
    expect(valueOf(text, 'courier_transfer_bytes_total{direction="upload"}')).to.equal(1024);
    expect(valueOf(text, 'courier_outbox_queued')).to.equal(3);
    expect(valueOf(text, 'courier_flood_waits_total')).to.equal(2);
  });

  it('counts ended jobs by action and outcome', async () => {
    ops.jobEnded({ action: 'compress', outcome: 'failed', seconds: 12, failure: { reason: 'INTERNAL', message: 'SQLITE_BUSY: database is locked' } });
    const text = await ops.metrics.render();
    expect(valueOf(text, 'courier_jobs_total{action="compress",outcome="failed"}')).to.equal(1);
    expect(valueOf(text, 'courier_sqlite_busy_total')).to.equal(1);
  });
});

describe("the memory alert's limit", () => {
  it("is a container's cgroup limit when there is one (v2 or v1), and none for 'max' or v1's huge number", () => {
    const files = (map: Record<string, string>) => (file: string) => {
      if (!(file in map)) throw new Error('ENOENT');
      return map[file]!;
    };
    expect(cgroupMemoryLimit(files({ '/sys/fs/cgroup/memory.max': '536870912\n' }))).to.equal(536_870_912);
    expect(cgroupMemoryLimit(files({ '/sys/fs/cgroup/memory.max': 'max\n' }))).to.equal(null);
    expect(cgroupMemoryLimit(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '268435456' }))).to.equal(268_435_456);
    expect(cgroupMemoryLimit(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712' }))).to.equal(null);
    expect(cgroupMemoryLimit(files({}))).to.equal(null);
  });
});
