/**
 * Story: an operator starts Courier against the sandbox (`npm start -- --sandbox DIR`) and a user
 * talks to it. Courier runs as a child process exactly as an operator runs it; the first start
 * logs in as the sandbox bot by itself. The user's real GramJS client sends /start, /ping and
 * "hello" and gets the welcome, a pong and a hint quoting "hello". SIGTERM stops Courier with
 * exit code 0. Two operator mistakes end with a clear message and a non-zero exit code: starting
 * before logging in, and a bad config value.
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, type TelegramClient } from 'telegram';
import { texts } from '../../src/texts/index.js';
import { connectUserClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { nextUpdate } from '../helpers/rawUpdates.js';
import { runCourier, waitForOutput } from '../helpers/courierProcess.js';

interface Received {
  text: string;
  replyTo: number | undefined;
}

/** The next message from the bot whose text matches. */
function nextBotMessage(user: TelegramClient, botId: string, match: (text: string) => boolean): Promise<Received> {
  return nextUpdate(user, 'a reply from the bot', (u): Received | undefined => {
    if (u instanceof Api.UpdateShortMessage && !u.out && u.userId.toString() === botId && match(u.message)) {
      return { text: u.message, replyTo: u.replyTo instanceof Api.MessageReplyHeader ? u.replyTo.replyToMsgId : undefined };
    }
    if (u instanceof Api.UpdateNewMessage && u.message instanceof Api.Message && !u.message.out && match(u.message.message)) {
      const r = u.message.replyTo;
      return { text: u.message.message, replyTo: r instanceof Api.MessageReplyHeader ? r.replyToMsgId : undefined };
    }
    return undefined;
  });
}

describe('npm start: Courier answers a user in the sandbox', () => {
  let emu: TestEmulator;
  let dataDir: string;
  let courier: ReturnType<typeof runCourier>;
  let user: TelegramClient;
  let botId: string;

  before(async function () {
    this.timeout(60_000);
    emu = await startTestEmulator();
    botId = String(emu.emulator.sandbox.bot_user_id);
    dataDir = mkdtempSync(join(tmpdir(), 'courier-start-'));
    courier = runCourier(['start', '--sandbox', emu.dataDir], { COURIER_DATA_DIR: dataDir, COURIER_SESSION_DIR: join(dataDir, 'sessions'), COURIER_LOG_LEVEL: 'info' });
    await waitForOutput(courier, /Courier is running as @/);
    user = await connectUserClient(emu.sandbox, emu.sandbox.users[0]!.phone);
  });

  after(async () => {
    await user?.destroy();
    if (courier && courier.child.exitCode === null) {
      courier.child.kill('SIGKILL');
      await courier.exited;
    }
    await emu?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('says it is running as the sandbox bot', () => {
    expect(courier.output()).to.include(`Courier is running as @${emu.sandbox.bot_username}`);
  });

  it('/start gets the welcome', async () => {
    const reply = nextBotMessage(user, botId, (t) => t === texts.en.welcome);
    await user.sendMessage(emu.sandbox.bot_username, { message: '/start' });
    expect((await reply).text).to.equal(texts.en.welcome);
  });

  it('/ping gets a pong with the round trip time, quoting the command', async () => {
    const reply = nextBotMessage(user, botId, (t) => t.startsWith('pong'));
    const sent = await user.sendMessage(emu.sandbox.bot_username, { message: '/ping' });
    const got = await reply;
    expect(got.text).to.match(/^pong \(\d+ ms round trip to Telegram\)$/);
    expect(got.replyTo).to.equal(sent.id);
  });

  it('any other text gets a one-line hint as a reply to that message', async () => {
    const reply = nextBotMessage(user, botId, (t) => t === texts.en.hint);
    const sent = await user.sendMessage(emu.sandbox.bot_username, { message: 'hello' });
    const got = await reply;
    expect(got.replyTo).to.equal(sent.id);
  });

  it('SIGTERM stops Courier cleanly with exit code 0', async function () {
    this.timeout(15_000);
    courier.child.kill('SIGTERM');
    expect(await courier.exited).to.equal(0);
    expect(courier.output()).to.match(/Courier stopped/);
  });

  it('the next start reuses the saved sandbox session (mode 0600) and answers again', async function () {
    this.timeout(30_000);
    const sessions = join(dataDir, 'sessions');
    const files = readdirSync(sessions).filter((f) => f.endsWith('.session'));
    expect(files).to.have.length(1);
    expect(files[0]).to.match(/^sandbox-/);
    expect(statSync(join(sessions, files[0]!)).mode & 0o777).to.equal(0o600);
    const before = readFileSync(join(sessions, files[0]!), 'utf8');

    courier = runCourier(['start', '--sandbox', emu.dataDir], { COURIER_DATA_DIR: dataDir, COURIER_SESSION_DIR: sessions, COURIER_LOG_LEVEL: 'info' });
    await waitForOutput(courier, /Courier is running as @/);
    const reply = nextBotMessage(user, botId, (t) => t.startsWith('pong'));
    await user.sendMessage(emu.sandbox.bot_username, { message: '/ping' });
    await reply;
    expect(readFileSync(join(sessions, files[0]!), 'utf8')).to.equal(before);
    courier.child.kill('SIGTERM');
    expect(await courier.exited).to.equal(0);
  });
});

describe('npm start: operator mistakes end with a clear message', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'courier-start-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starting before logging in says to run npm run login, without a stack trace', async () => {
    const run = runCourier(['start'], { COURIER_DATA_DIR: dataDir, COURIER_SESSION_DIR: join(dataDir, 'sessions') });
    const code = await run.exited;
    expect(code).to.not.equal(0);
    expect(run.output()).to.include('npm run login');
    expect(run.output()).to.not.match(/\n\s+at /);
  });

  it('a bad config value names the key, without a stack trace', async () => {
    const run = runCourier(['start'], { COURIER_DATA_DIR: dataDir, COURIER_SESSION_DIR: join(dataDir, 'sessions'), COURIER_LOG_LEVEL: 'loud' });
    const code = await run.exited;
    expect(code).to.not.equal(0);
    expect(run.output()).to.match(/log\.level|COURIER_LOG_LEVEL/);
    expect(run.output()).to.not.match(/\n\s+at /);
  });
});
