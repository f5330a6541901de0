/**
 * Story: big files go through. A user uploads a 50 MB document (upload.saveBigFilePart, 512 KiB
 * parts) to the bot; the bot receives the message and downloads the document (upload.getFile);
 * the bytes are exactly the ones sent (SHA-256). The data comes from a fixed seed, never a
 * committed binary.
 */
import { expect } from 'chai';
import { Api, type TelegramClient } from 'telegram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBotAndUser, type TestEmulator } from '../helpers/emulator.js';
import { nextUpdate, messagesIn } from '../helpers/rawUpdates.js';
import { seededBytes, sha256Hex } from '../helpers/seededBytes.js';

const SIZE = 50 * 1024 * 1024;

describe('emulator: a 50 MB file from a user to the bot', () => {
  let emu: TestEmulator;
  let bot: TelegramClient;
  let user: TelegramClient;
  let stop: (() => Promise<void>) | undefined;

  before(async function () {
    ({ emu, bot, user, stop } = await startBotAndUser());
  });
  after(async () => stop?.());

  it('the bot downloads byte for byte what the user uploaded', async () => {
    const data = seededBytes('courier e2e 50 MB file', SIZE);
    const sentHash = sha256Hex(data);
    const arrived = nextUpdate(bot, 'message with a document', (u) => messagesIn(u).find((m) => m.message?.media instanceof Api.MessageMediaDocument)?.message ?? undefined, 60_000);

    // GramJS reads files over 20 MB from their path part by part, so the data goes to disk first.
    const filePath = join(emu.dataDir, 'fixed-seed.bin');
    writeFileSync(filePath, data);
    const sent = await user.sendFile(emu.sandbox.bot_username, {
      file: filePath,
      forceDocument: true,
      caption: 'big file',
      workers: 4,
    });
    expect(sent.media).to.be.instanceOf(Api.MessageMediaDocument);

    const message = await arrived;
    expect(message.message).to.equal('big file');
    const doc = (message.media as Api.MessageMediaDocument).document;
    expect(doc).to.be.instanceOf(Api.Document);
    expect(Number((doc as Api.Document).size)).to.equal(SIZE);

    const downloaded = await bot.downloadMedia(message, {});
    expect(Buffer.isBuffer(downloaded)).to.equal(true);
    expect((downloaded as Buffer).length).to.equal(SIZE);
    expect(sha256Hex(downloaded as Buffer)).to.equal(sentHash);
  });
});
