/**
 * Story: an operator runs Courier with admins and the ops endpoint on
 * (COURIER_ADMINS, COURIER__OPS__HTTP_PORT) against the sandbox. Prometheus scrapes /metrics and
 * finds Courier's series; /livez and /readyz answer 200; a user's message shows up in the update
 * counters. The admin, who wrote to the bot once, gets the disk alert (its threshold set to 100%
 * here, so that it fires) exactly once. `npm run backup` makes a checked copy while Courier runs;
 * `npm run restore` refuses while Courier runs and works once it stopped; stopping logs the
 * event-loop delay line the load bench reads.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, type TelegramClient } from 'telegram';
import { checkIntegrity } from '../../src/storage/backup.js';
import { texts } from '../../src/texts/index.js';
import { runCourier, storyEnv, until, waitForOutput, type CourierProcess } from '../helpers/courierProcess.js';
import { connectUserClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const SERIES = [
  'courier_updates_received_total',
  'courier_updates_handled_total',
  'courier_reply_seconds_bucket{le="600"}',
  'courier_inbox_pending',
  'courier_outbox_queued',
  'courier_flood_waits_total',
  'courier_catchup_recovered_total',
  'courier_transfer_bytes_total{direction="download"}',
  'courier_sqlite_busy_total',
  'courier_disk_free_bytes',
  'courier_last_backup_timestamp_seconds',
  'process_resident_memory_bytes',
  // Labelled series appear once something was counted; their families are declared from the start.
  '# TYPE courier_jobs_total counter',
  '# TYPE courier_job_seconds histogram',
];

/** The value of an unlabelled (or fully written) series in an exposition. */
function valueOf(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

describe('ops: metrics, health, admin alerts and backups of a running Courier', function () {
  this.timeout(90_000);
  let emu: TestEmulator;
  let dataDir: string;
  let env: Record<string, string>;
  let courier: CourierProcess;
  let user: TelegramClient;
  let base: string;
  const fromBot: string[] = [];

  before(async () => {
    emu = await startTestEmulator();
    dataDir = mkdtempSync(join(tmpdir(), 'courier-ops-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const admin = emu.sandbox.users[0]!;
    env = storyEnv(dataDir, {
      COURIER_ADMINS: String(admin.user_id),
      COURIER__OPS__HTTP_PORT: String(port),
      COURIER__ALERTS__CHECK_SECONDS: '1',
      COURIER__ALERTS__MIN_FREE_DISK_PERCENT: '100',
    });
    courier = runCourier(['start', '--sandbox', emu.dataDir], env);
    await waitForOutput(courier, /Courier is running as @/);
    user = await connectUserClient(emu.sandbox, admin.phone);
    const botId = String(emu.emulator.sandbox.bot_user_id);
    user.addEventHandler((u: unknown) => {
      if (u instanceof Api.UpdateShortMessage && !u.out && u.userId.toString() === botId) fromBot.push(u.message);
      if (u instanceof Api.UpdateNewMessage && u.message instanceof Api.Message && !u.message.out) fromBot.push(u.message.message);
    });
  });

  after(async () => {
    await user?.destroy();
    if (courier && courier.child.exitCode === null) {
      courier.child.kill('SIGKILL');
      await courier.exited;
    }
    await emu?.stop().catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('/livez and /readyz answer 200 once Courier runs', async () => {
    expect((await fetch(`${base}/livez`)).status).to.equal(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status, await ready.text()).to.equal(200);
  });

  it("a user's message is counted as received and handled", async () => {
    await user.sendMessage(emu.sandbox.bot_username, { message: '/ping' });
    await until(() => fromBot.some((t) => t.startsWith('pong')), 'the pong');
    let text = '';
    for (let i = 0; i < 40 && !(valueOf(text, 'courier_updates_handled_total') >= 1); i += 1) {
      text = await (await fetch(`${base}/metrics`)).text();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(valueOf(text, 'courier_updates_received_total')).to.be.at.least(1);
    expect(valueOf(text, 'courier_updates_handled_total')).to.be.at.least(1);
  });

  it('/metrics has every Courier series, in a format promtool accepts', async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/^text\/plain/);
    const text = await response.text();
    for (const series of SERIES) expect(text, series).to.contain(series);
    expect(text).not.to.match(/user_id|chat_id/);
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (promtool.error === undefined) {
      const ours = `${promtool.stdout}${promtool.stderr}`.split('\n').filter((l) => l.trim() !== '' && !/^(nodejs|process)_\w+ /.test(l));
      expect(ours).to.deep.equal([]);
    }
  });

  it('the admin gets the disk alert once, not every check', async () => {
    // Read from the chat's history: the alert may have gone out before this client connected.
    const diskAlerts = async () =>
      (await user.getMessages(emu.sandbox.bot_username, { limit: 50 })).map((m) => m.message).filter((t) => t.startsWith(texts.en.alertDiskLow(0, '').split(':')[0]!));
    for (let i = 0; i < 100 && (await diskAlerts()).length === 0; i += 1) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 3_000));
    const got = await diskAlerts();
    expect(got).to.have.length(1);
    expect(got[0]).to.match(/^Free disk is low: \d+% \(/);
  });

  let backup = '';
  it('`npm run backup` makes a copy that passes integrity_check while Courier runs', async () => {
    const run = runCourier(['backup'], env);
    expect(await run.exited, run.output()).to.equal(0);
    backup = run.output().trim().split('\n').at(-1)!;
    expect(backup).to.match(/backups\/courier-\d{8}T\d{9}Z\.db$/);
    expect(checkIntegrity(backup)).to.equal('ok');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(valueOf(metrics, 'courier_last_backup_timestamp_seconds')).to.be.greaterThan(Date.now() / 1000 - 60);
  });

  it('`npm run restore` refuses while Courier runs, naming its pid', async () => {
    const run = runCourier(['restore', backup], env);
    expect(await run.exited).to.equal(1);
    expect(run.output()).to.match(/Courier is running \(pid \d+/);
  });

  it('/readyz turns 503 and names Telegram when the DC goes away', async () => {
    await emu.stop();
    let response = await fetch(`${base}/readyz`);
    for (let i = 0; i < 100 && response.status === 200; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      response = await fetch(`${base}/readyz`);
    }
    expect(response.status).to.equal(503);
    expect(await response.text()).to.match(/Telegram: not connected/);
    expect((await fetch(`${base}/livez`)).status).to.equal(200);
  });

  it('stopping logs the event-loop delay line, and restore then works', async () => {
    courier.child.kill('SIGTERM');
    expect(await courier.exited).to.equal(0);
    expect(courier.output()).to.match(/event loop delay over [\d.]+ s: p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms/);
    const run = runCourier(['restore', backup], env);
    expect(await run.exited, run.output()).to.equal(0);
    expect(run.output()).to.match(/restored .* the previous database is kept as /);
  });
});
