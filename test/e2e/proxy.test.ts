/**
 * Story: an operator whose network reaches Telegram only through a SOCKS5 proxy sets
 * COURIER_PROXY_URL=socks5://user:pass@host:port. Here a small SOCKS5 proxy on loopback stands in
 * front of the sandbox emulator: Courier's first start logs the sandbox bot in through it, a user
 * (connected directly) sends /ping and gets the pong, and the proxy saw Courier's connection to
 * the emulator and its bytes. The proxy's password never appears in Courier's output. A wrong
 * password is refused by the proxy, and Courier does not get through.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, type TelegramClient } from 'telegram';
import { runCourier, storyEnv, until, waitForOutput, type CourierProcess } from '../helpers/courierProcess.js';
import { connectUserClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { startSocksProxy, type TestSocksProxy } from '../helpers/socksProxy.js';

const PASSWORD = 'proxy-pass-7f3a9c';

describe('proxy: Courier reaches Telegram through a SOCKS5 proxy', function () {
  this.timeout(90_000);
  let emu: TestEmulator;
  let proxy: TestSocksProxy;
  let dataDir: string;
  let courier: CourierProcess;
  let user: TelegramClient;

  before(async () => {
    emu = await startTestEmulator();
    proxy = await startSocksProxy({ username: 'courier', password: PASSWORD });
    dataDir = mkdtempSync(join(tmpdir(), 'courier-proxy-'));
  });

  after(async () => {
    await user?.destroy();
    if (courier && courier.child.exitCode === null) {
      courier.child.kill('SIGKILL');
      await courier.exited;
    }
    await proxy?.close();
    await emu?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs the bot in and answers a user, every byte through the proxy', async () => {
    courier = runCourier(['start', '--sandbox', emu.dataDir], storyEnv(dataDir, { COURIER_PROXY_URL: proxy.url }));
    await waitForOutput(courier, /Courier is running as @/);
    expect(proxy.destinations).to.include(`${emu.sandbox.host}:${emu.sandbox.port}`);

    user = await connectUserClient(emu.sandbox, emu.sandbox.users[0]!.phone);
    const botId = String(emu.emulator.sandbox.bot_user_id);
    const fromBot: string[] = [];
    user.addEventHandler((u: unknown) => {
      if (u instanceof Api.UpdateShortMessage && !u.out && u.userId.toString() === botId) fromBot.push(u.message);
    });
    const downBefore = proxy.bytes.down;
    await user.sendMessage(emu.sandbox.bot_username, { message: '/ping' });
    await until(() => fromBot.some((t) => t.startsWith('pong')), 'the pong');
    // The update reached Courier, and its reply left it, through the tunnel.
    expect(proxy.bytes.down).to.be.greaterThan(downBefore);
    expect(proxy.bytes.up).to.be.greaterThan(0);
    expect(courier.output()).to.contain('through the socks5 proxy 127.0.0.1:');
  });

  it('never shows the proxy password in its output', async () => {
    courier.child.kill('SIGTERM');
    expect(await courier.exited).to.equal(0);
    expect(courier.output()).not.to.contain(PASSWORD);
  });

  it('does not get through with a wrong password (the proxy refuses it)', async () => {
    const wrong = proxy.url.replace(PASSWORD, 'not-the-password');
    const before = proxy.refused;
    const run = runCourier(['start', '--sandbox', emu.dataDir], storyEnv(dataDir, { COURIER_PROXY_URL: wrong }));
    await until(() => proxy.refused > before, 'the proxy refusing the handshake', 30_000);
    expect(run.output()).not.to.match(/Courier is running as @/);
    run.child.kill('SIGKILL');
    await run.exited;
    expect(run.output()).not.to.contain('not-the-password');
  });
});
