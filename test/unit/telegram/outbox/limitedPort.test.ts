import { expect } from 'chai';
import sinon from 'sinon';
import { Api } from 'telegram';
import { RPCMessageToError } from 'telegram/errors/index.js';
import type { BotPort, SendOptions, SentMessage } from '../../../../src/domain/botPort.js';
import type { ChatRef } from '../../../../src/domain/chat.js';
import { RpcError as EmulatorRpcError } from '../../../../src/emulator/contract.js';
import { createFloodGate } from '../../../../src/emulator/world/accountsSide/flood.js';
import { DEFAULT_LIMITS } from '../../../../src/emulator/world/world.js';
import { createLimitedPort, OutboxStoppedError, type LimitedBotPort } from '../../../../src/telegram/outbox/limitedPort.js';

const user = (id: number): ChatRef => ({ kind: 'user', id: String(id), accessHash: '1' });
const opts = (n: number): SendOptions => ({ randomId: BigInt(n) });

/** What GramJS raises when the server answers FLOOD_WAIT_X (a FloodWaitError with `.seconds`). */
const floodError = (seconds: number) =>
  RPCMessageToError(new Api.RpcError({ errorCode: 420, errorMessage: `FLOOD_WAIT_${seconds}` }), new Api.messages.SendMessage({ peer: new Api.InputPeerSelf(), message: 'x' }));

interface Delivery {
  chat: string;
  text: string;
  atMs: number;
}

/**
 * A BotPort that behaves like the emulator towards a bot: each request takes a little while each
 * way (seeded jitter on the way in, so sends reach the "server" unevenly spaced), and the
 * emulator's own flood gate, with its default limits, judges every send when it arrives and
 * refuses one over a limit with FLOOD_WAIT as GramJS would raise it.
 */
function emulatedTelegram(clock: sinon.SinonFakeTimers, options: { failOnce?: (text: string) => unknown } = {}) {
  const gate = createFloodGate({ nowMs: () => clock.now, limits: { ...DEFAULT_LIMITS, enabled: true }, isBot: () => true });
  const delivered: Delivery[] = [];
  const floods: string[] = [];
  const failed = new Set<string>();
  let seed = 12345;
  const jitter = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % 40;
  };
  const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const arrive = async (chat: ChatRef, text: string) => {
    await delay(5 + jitter());
    const injected = options.failOnce?.(text);
    if (injected && !failed.has(text)) {
      failed.add(text);
      throw injected;
    }
    try {
      gate(1, chat.kind === 'user' ? { user: Number(chat.id) } : chat.kind === 'chat' ? { chat: Number(chat.id) } : { channel: Number(chat.id) });
    } catch (err) {
      if (!(err instanceof EmulatorRpcError)) throw err;
      floods.push(`${chat.kind}:${chat.id} ${text} ${err.errorMessage}`);
      throw floodError(Number(/\d+$/.exec(err.errorMessage)?.[0]));
    }
    delivered.push({ chat: `${chat.kind}:${chat.id}`, text, atMs: clock.now });
  };
  const port: BotPort = {
    async sendText(chat: ChatRef, text: string): Promise<SentMessage> {
      await arrive(chat, text);
      await delay(10);
      return { messageId: delivered.length, duplicate: false };
    },
    async editText(chat: ChatRef, messageId: number, text: string): Promise<void> {
      await arrive(chat, `edit ${messageId}: ${text}`);
      await delay(10);
    },
    async answerCallback(): Promise<void> {},
    async ping(): Promise<number> {
      return 1;
    },
  };
  return { port, delivered, floods };
}

function limitedOver(inner: BotPort, clock: sinon.SinonFakeTimers, extra: Partial<Parameters<typeof createLimitedPort>[1]> = {}): LimitedBotPort {
  return createLimitedPort(inner, {
    now: () => clock.now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      }),
    ...extra,
  });
}

/** Advances the fake clock a second at a time until `promise` settles (at most `limitMs`). */
async function runUntil<T>(clock: sinon.SinonFakeTimers, promise: Promise<T>, limitMs = 600_000): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  const start = clock.now;
  while (!settled && clock.now - start < limitMs) await clock.tickAsync(1000);
  expect(settled, 'did not settle in simulated time').to.equal(true);
  return promise;
}

describe('createLimitedPort (the BotPort that waits its turn under Telegram\'s limits)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.restore());

  it('answers 2,000 messages to 100 chats with no FLOOD_WAIT, each once, in order per chat, near the floor', async () => {
    const telegram = emulatedTelegram(clock);
    const port = limitedOver(telegram.port, clock);
    const results: Promise<SentMessage>[] = [];
    for (let k = 0; k < 20; k++) for (let c = 1; c <= 100; c++) results.push(port.sendText(user(c), `${c}/${k}`, opts(c * 1000 + k)));
    await runUntil(clock, Promise.all(results));
    await port.drain();

    expect(telegram.floods).to.deep.equal([]);
    expect(telegram.delivered).to.have.length(2000);
    expect(new Set(telegram.delivered.map((d) => d.text)).size).to.equal(2000);
    for (let c = 1; c <= 100; c++) {
      const order = telegram.delivered.filter((d) => d.chat === `user:${c}`).map((d) => Number(d.text.split('/')[1]));
      expect(order).to.deep.equal(Array.from({ length: 20 }, (_, k) => k));
    }
    // The floor the emulator's limits set: (2000 - 30 at once) / 30 per second.
    const floorMs = ((2000 - DEFAULT_LIMITS.botMessagesPerSecond) / DEFAULT_LIMITS.botMessagesPerSecond) * 1000;
    const lastMs = Math.max(...telegram.delivered.map((d) => d.atMs));
    expect(lastMs / floorMs).to.be.at.most(1.1);
    expect(port.stats()).to.include({ waiting: 0, inFlight: 0, floodWaits: 0, handedOut: 2000 });
  });

  it('set above Telegram\'s limits, it runs into FLOOD_WAIT, honours every one, and still delivers each message once and in order', async () => {
    const telegram = emulatedTelegram(clock);
    const port = limitedOver(telegram.port, clock, { limits: { perSecond: 45, burst: 45, chatBurst: 4, perChatPerSecond: 1.5 } });
    const results: Promise<SentMessage>[] = [];
    for (let k = 0; k < 10; k++) for (let c = 1; c <= 50; c++) results.push(port.sendText(user(c), `${c}/${k}`, opts(c * 1000 + k)));
    await runUntil(clock, Promise.all(results));

    expect(telegram.floods.length).to.be.greaterThan(0);
    expect(port.stats().floodWaits).to.equal(telegram.floods.length);
    expect(telegram.delivered).to.have.length(500);
    expect(new Set(telegram.delivered.map((d) => d.text)).size).to.equal(500);
    for (let c = 1; c <= 50; c++) {
      const order = telegram.delivered.filter((d) => d.chat === `user:${c}`).map((d) => Number(d.text.split('/')[1]));
      expect(order).to.deep.equal(Array.from({ length: 10 }, (_, k) => k));
    }
  });

  it('honours a FLOOD_WAIT that gets through anyway: the send is repeated after the wait, delivered once, and the chat keeps its order', async () => {
    const telegram = emulatedTelegram(clock, { failOnce: (text) => (text === 'first' ? floodError(3) : undefined) });
    const floodWaits: number[] = [];
    const port = limitedOver(telegram.port, clock, { onFloodWait: ({ seconds }) => floodWaits.push(seconds) });
    const first = port.sendText(user(1), 'first', opts(1));
    const second = port.sendText(user(1), 'second', opts(2));
    const other = port.sendText(user(2), 'other chat', opts(3));
    await runUntil(clock, Promise.all([first, second, other]));

    expect(floodWaits).to.deep.equal([3]);
    expect(telegram.delivered.filter((d) => d.chat === 'user:1').map((d) => d.text)).to.deep.equal(['first', 'second']);
    const firstAt = (telegram.delivered.find((d) => d.text === 'first') as Delivery).atMs;
    expect(firstAt).to.be.at.least(3000);
    // The other chat is held only by the brief overall pause, not the chat's 3 s.
    expect((telegram.delivered.find((d) => d.text === 'other chat') as Delivery).atMs).to.be.below(3000);
    expect(port.stats().floodWaits).to.equal(1);
  });

  it('gives any other error to the caller of that send, and the chat goes on with its next message', async () => {
    const tooLong = new Error('MESSAGE_TOO_LONG');
    const telegram = emulatedTelegram(clock, { failOnce: (text) => (text === 'bad' ? tooLong : undefined) });
    const port = limitedOver(telegram.port, clock);
    const bad = port.sendText(user(1), 'bad', opts(1));
    const good = port.sendText(user(1), 'good', opts(2));
    const badSettled = bad.then(
      () => 'resolved',
      (err: unknown) => err,
    );
    await runUntil(clock, Promise.all([badSettled, good]));
    expect(await badSettled).to.equal(tooLong);
    expect(telegram.delivered.map((d) => d.text)).to.deep.equal(['good']);
  });

  it('queues an edit behind the sends to its chat, but answers a callback query at once', async () => {
    const telegram = emulatedTelegram(clock);
    const port = limitedOver(telegram.port, clock);
    const sends = [1, 2, 3, 4].map((k) => port.sendText(user(1), `m${k}`, opts(k)));
    const edit = port.editText(user(1), 1, 'edited');
    let answeredAt: number | null = null;
    const answered = port.answerCallback('42').then(() => (answeredAt = clock.now));
    await clock.tickAsync(0);
    await answered;
    expect(answeredAt).to.equal(0);
    await runUntil(clock, Promise.all([...sends, edit]));
    expect(telegram.delivered.map((d) => d.text)).to.deep.equal(['m1', 'm2', 'm3', 'm4', 'edit 1: edited']);
    // A burst of 2, then 1/s: the edit is the fifth request to the chat.
    expect((telegram.delivered.at(-1) as Delivery).atMs).to.be.at.least(3000);
  });

  it('runs another kind of post (a job\'s file) in the chat\'s turn, among its messages', async () => {
    const telegram = emulatedTelegram(clock);
    const port = limitedOver(telegram.port, clock);
    const calls = [
      port.sendText(user(1), 'm1', opts(1)),
      port.sendText(user(1), 'm2', opts(2)),
      port.inTurn(user(1), () => telegram.port.sendText(user(1), 'a file', opts(3))),
      port.sendText(user(1), 'm3', opts(4)),
    ];
    await runUntil(clock, Promise.all(calls));
    expect(telegram.delivered.map((d) => d.text)).to.deep.equal(['m1', 'm2', 'a file', 'm3']);
    expect(telegram.floods).to.deep.equal([]);
    expect((telegram.delivered[2] as Delivery).atMs).to.be.at.least(1000);
  });

  it('lets edits by when told not to limit them', async () => {
    const telegram = emulatedTelegram(clock);
    const port = limitedOver(telegram.port, clock, { limitEdits: false });
    const sends = [1, 2, 3, 4].map((k) => port.sendText(user(1), `m${k}`, opts(k)));
    const edit = port.editText(user(1), 1, 'edited');
    await runUntil(clock, Promise.all([...sends, edit]));
    expect(telegram.delivered.findIndex((d) => d.text === 'edit 1: edited')).to.be.below(3);
  });

  it('stops: waiting sends fail with OutboxStoppedError, the one in flight finishes, new ones are refused', async () => {
    const telegram = emulatedTelegram(clock);
    const port = limitedOver(telegram.port, clock);
    const outcomes = [1, 2, 3, 4, 5].map((k) =>
      port.sendText(user(1), `m${k}`, opts(k)).then(
        () => 'sent',
        (err: unknown) => (err instanceof OutboxStoppedError ? 'stopped' : String(err)),
      ),
    );
    await clock.tickAsync(1); // m1 and m2 (the chat's burst) are handed out, one at a time: m1 is in flight
    let stopped = false;
    const stopping = port.stop().then(() => (stopped = true));
    await clock.tickAsync(0);
    expect(stopped, 'stop waits for the send in flight').to.equal(false);
    await runUntil(clock, stopping);
    expect(await Promise.all(outcomes)).to.deep.equal(['sent', 'stopped', 'stopped', 'stopped', 'stopped']);
    expect(telegram.delivered.map((d) => d.text)).to.deep.equal(['m1']);
    const late = await port.sendText(user(1), 'late', opts(9)).then(
      () => 'sent',
      (err: unknown) => (err instanceof OutboxStoppedError ? 'stopped' : 'other'),
    );
    expect(late).to.equal('stopped');
    await port.drain();
  });
});
