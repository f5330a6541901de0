/**
 * Story: Alice is Courier's admin (COURIER_ADMINS). Her /admin shows the panel with Stats and
 * Broadcast; Bob's /admin is an unknown command to him. Alice broadcasts a message to everyone
 * who has written to the bot: Bob, Carol and 300 more users. Courier is SIGKILLed in the middle of
 * the broadcast and started again: it resumes where it stopped, and every user gets the message
 * exactly once (derived random_ids: what went out before the kill is dropped by Telegram).
 *
 * Users act in-process (world.sendMessageAs, pressButtonAs), as the catch-up story does; the
 * outbox is held to 50 sends a second so the kill lands mid-way.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from 'telegram';
import { addLoadUsers } from '../../src/emulator/world/accountsSide/loadUsers.js';
import { pressButtonAs, sendFileAs } from '../../src/emulator/world/inProcessUsers.js';
import { userBox } from '../../src/emulator/world/messageStore.js';
import { texts } from '../../src/texts/index.js';
import { killHard, runCourier, storyEnv, until, waitForOutput, type CourierProcess } from '../helpers/courierProcess.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const NEWS = 'Courier news: convert to MP3 is here';
const LOAD_USERS = 300;

describe('admin: panel and a broadcast that survives a SIGKILL', () => {
  let emu: TestEmulator;
  let dataDir: string;
  let botId: number;
  let alice: number;
  let bob: number;
  let carol: number;
  let load: number[] = [];
  let courier: CourierProcess | null = null;

  const start = async () => {
    courier = runCourier(
      ['start', '--sandbox', emu.dataDir],
      storyEnv(dataDir, { COURIER_ADMINS: String(alice), COURIER__OUTBOX__PER_SECOND: '50', COURIER__OUTBOX__BURST: '10' }),
    );
    await waitForOutput(courier, /Courier is running as @/);
  };

  /** The bot's messages in `user`'s chat with it, oldest first. */
  const fromBot = (user: number) =>
    emu.emulator.world.store
      .latest(userBox(user), 1000, { user: botId })
      .filter((m) => m.fromId === botId)
      .reverse();
  const waitForBot = async (user: number, match: (text: string) => boolean, what: string) => {
    await until(() => fromBot(user).some((m) => match(m.message.message)), what, 30_000);
    return fromBot(user).filter((m) => match(m.message.message)).at(-1)!;
  };
  const say = (user: number, text: string) => emu.emulator.world.sendMessageAs(user, { user: botId }, text);
  const copiesOf = (user: number) => fromBot(user).filter((m) => m.message.message === NEWS).length;
  const buttonTexts = (m: { message: Api.Message }) =>
    m.message.replyMarkup instanceof Api.ReplyInlineMarkup ? m.message.replyMarkup.rows.flatMap((r) => r.buttons.map((b) => b.text)) : [];

  before(async function () {
    this.timeout(120_000);
    emu = await startTestEmulator({ limits: { enabled: false } });
    const seed = emu.emulator.sandbox;
    botId = seed.bot_user_id;
    [alice, bob, carol] = seed.users.map((u) => u.user_id) as [number, number, number];
    load = addLoadUsers(emu.emulator.world.db, LOAD_USERS, 'Broadcast story user');
    dataDir = mkdtempSync(join(tmpdir(), 'courier-broadcast-'));
    await start();
    // Everyone writes once, so Courier knows them (and how to reach them).
    for (const user of [alice, bob, carol, ...load]) say(user, 'hello');
    await until(() => [alice, bob, carol, ...load].every((u) => fromBot(u).length > 0), 'a hint to every user', 90_000);
  });

  after(async () => {
    if (courier) await killHard(courier);
    await emu?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("Alice's /admin shows the panel with Stats and Broadcast; Bob's does not", async () => {
    say(alice, '/admin');
    const panel = await waitForBot(alice, (t) => t === texts.en.adminPanel, 'the admin panel');
    expect(buttonTexts(panel)).to.include.members(['Stats', 'Broadcast']);
    const hintsBefore = fromBot(bob).filter((m) => m.message.message === texts.en.hint).length;
    say(bob, '/admin');
    await until(() => fromBot(bob).filter((m) => m.message.message === texts.en.hint).length > hintsBefore, "Bob's hint");
    expect(fromBot(bob).some((m) => m.message.message === texts.en.adminPanel)).to.equal(false);
  });

  it('a broadcast typed by Alice reaches Bob, Carol and 300 users exactly once, across a SIGKILL', async function () {
    this.timeout(180_000);
    say(alice, '/broadcast');
    await waitForBot(alice, (t) => t === texts.en.broadcastAsk, 'the broadcast question');
    say(alice, NEWS);
    const recipients = LOAD_USERS + 3;
    const preview = await waitForBot(alice, (t) => t === texts.en.broadcastPreview(recipients, NEWS), 'the preview');
    expect(buttonTexts(preview)).to.deep.equal(['Send', 'Cancel']);
    await pressButtonAs(emu.emulator.world, alice, { user: botId }, preview.id, Buffer.from('adm:bcsend'));
    const everyone = [alice, bob, carol, ...load];
    const reached = () => everyone.filter((u) => copiesOf(u) > 0).length;
    await until(() => reached() >= 60, 'a fifth of the broadcast', 60_000).catch((e: unknown) => {
      console.log(courier?.output().slice(-4000));
      throw e;
    });
    await killHard(courier!);
    courier = null;
    const atKill = reached();
    expect(atKill, 'reached at the kill').to.be.lessThan(everyone.length);
    await start();
    await until(() => reached() === everyone.length, 'everyone', 120_000);
    const progress = await waitForBot(alice, (t) => t.startsWith('Broadcast finished'), 'the final progress');
    expect(progress.message.message).to.equal(`Broadcast finished: ${recipients} sent, 0 blocked the bot, 0 deleted, 0 failed, of ${recipients}`);
    const doubled = everyone.filter((u) => copiesOf(u) !== 1);
    expect(doubled, 'users without exactly one copy').to.deep.equal([]);
  });

  it('a file Alice sends at the broadcast question reaches everyone as a copy, with its caption', async function () {
    this.timeout(120_000);
    const asks = () => fromBot(alice).filter((m) => m.message.message === texts.en.broadcastAsk).length;
    const asksBefore = asks();
    say(alice, '/broadcast');
    await until(() => asks() > asksBefore, 'the question');
    sendFileAs(emu.emulator.world, alice, { user: botId }, { bytes: Buffer.alloc(2048, 7), fileName: 'promo.pdf', mimeType: 'application/pdf' }, 'Read this');
    const recipients = LOAD_USERS + 3;
    const preview = await waitForBot(alice, (t) => t === texts.en.broadcastPreviewMedia(recipients, 'promo.pdf', 'Read this'), 'the media preview');
    await pressButtonAs(emu.emulator.world, alice, { user: botId }, preview.id, Buffer.from('adm:bcsend'));
    const everyone = [alice, bob, carol, ...load];
    const fileCopies = (u: number) =>
      fromBot(u).filter((m) => m.message.message === 'Read this' && m.message.media instanceof Api.MessageMediaDocument).length;
    await until(() => everyone.every((u) => fileCopies(u) > 0), 'the file to everyone', 90_000);
    expect(everyone.filter((u) => fileCopies(u) !== 1)).to.deep.equal([]);
  });
});
