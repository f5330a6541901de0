/**
 * Stories: big results go through. Courier uploads sparse files (seeded bytes in a few places,
 * holes elsewhere, so nothing big is generated in memory and nothing is committed) with
 * upload.saveBigFilePart to the emulator and sends them to a user, who reads the seeded MiBs back.
 * - 1 GB (2000 parts x 512 KiB) as one document.
 * - 2000 MiB + 1 MiB, over Telegram's per-file limit as the emulator's app config states it
 *   (upload_max_fileparts_default = 4000): planned into two byte parts by the runner's own
 *   withByteParts, each under the limit, which joined give the file back byte for byte.
 * The emulator stores a part of zeros as a hole, so these cost disk only for their seeded bytes.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import { accountsOf } from '../../src/emulator/world/accountsSide/index.js';
import { installFastIge } from '../../src/telegram/files/crypto/fastIge.js';
import { withByteParts } from '../../src/jobs/runner/resultUpload.js';
import { createTelegramFiles } from '../../src/telegram/files/mediaFiles.js';
import { MAX_PART_SIZE, MAX_UPLOAD_BYTES } from '../../src/transfer/uploadPlan.js';
import { startBotAndUser, type BotAndUser } from '../helpers/emulator.js';
import { messagesIn, nextUpdate } from '../helpers/rawUpdates.js';
import { seededBytes } from '../helpers/seededBytes.js';

const MIB = 1024 * 1024;
const PARTS = 2000;
const SIZE = PARTS * MAX_PART_SIZE;

describe('media files: a 1 GB result file reaches the user; one over 2000 MiB arrives in parts', function () {
  this.timeout(600_000);
  let cast: BotAndUser;
  let dir: string;

  before(async () => {
    installFastIge();
    cast = await startBotAndUser();
    dir = mkdtempSync(join(tmpdir(), 'courier-2gb-'));
  });
  after(async () => {
    await cast?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('all 2000 parts are sent and the user reads the first and last MiB exactly', async () => {
    const path = join(dir, 'big.bin');
    const head = seededBytes('courier 1 GB head', MIB);
    const tail = seededBytes('courier 1 GB tail', MIB);
    const handle = await open(path, 'w');
    await handle.truncate(SIZE);
    await handle.write(head, 0, MIB, 0);
    await handle.write(tail, 0, MIB, SIZE - MIB);
    await handle.close();

    const peer = (await cast.bot.getInputEntity((await cast.user.getMe()).id)) as Api.InputPeerUser;
    const files = createTelegramFiles(cast.bot);
    const seen = nextUpdate(cast.user, 'the 1 GB document', (u) => messagesIn(u).find((m) => m.message?.media)?.message ?? undefined, 600_000);
    let fileId = '';
    const sent = await files.sendFile(
      { kind: 'user', id: peer.userId.toString(), accessHash: peer.accessHash.toString() },
      { path, fileName: 'big.bin', mimeType: 'application/octet-stream', sendAs: 'document', sizeBytes: SIZE },
      { randomId: 9001n, signal: new AbortController().signal, resume: { onPartConfirmed: (e) => void (fileId = e.fileId) } },
    );
    const arrivals = accountsOf(cast.emu.emulator.world.db).files.partArrivals(BigInt(fileId)).map((a) => a.part);
    expect(new Set(arrivals).size).to.equal(PARTS);

    const message = await seen;
    expect(message.id).to.equal(sent.messageId);
    const doc = (message.media as Api.MessageMediaDocument).document as Api.Document;
    expect(Number(doc.size.toString())).to.equal(SIZE);
    const location = new Api.InputDocumentFileLocation({ id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference, thumbSize: '' });
    const first = (await cast.user.invoke(new Api.upload.GetFile({ location, offset: returnBigInt(0), limit: MIB }))) as Api.upload.File;
    const last = (await cast.user.invoke(new Api.upload.GetFile({ location, offset: returnBigInt(SIZE - MIB), limit: MIB }))) as Api.upload.File;
    expect(Buffer.from(first.bytes).equals(head)).to.equal(true);
    expect(Buffer.from(last.bytes).equals(tail)).to.equal(true);
  });

  it('a sparse 2000 MiB + 1 MiB result: the limit from the app config, two parts under it, joined byte for byte', async () => {
    // Seeded bytes at both ends and around the cut; holes elsewhere (read back as zeros).
    const size = MAX_UPLOAD_BYTES + MIB;
    const files = createTelegramFiles(cast.bot);
    const limit = await files.maxUploadBytes!();
    expect(limit, "the emulator's upload_max_fileparts_default x 512 KiB").to.equal(MAX_UPLOAD_BYTES);
    const path = join(dir, 'huge.bin');
    const handle = await open(path, 'w');
    await handle.truncate(size);
    const whole = { path, fileName: 'huge.bin', mimeType: 'application/octet-stream', sendAs: 'document' as const, sizeBytes: size };
    const outcome = withByteParts({ kind: 'file', file: whole }, limit);
    expect(outcome.kind === 'file' && outcome.parts?.map((p) => p.fileName)).to.deep.equal(['huge.bin.001', 'huge.bin.002']);
    const parts = outcome.kind === 'file' ? outcome.parts! : [];
    const cut = parts[1]!.byteRange!.start;
    const marks = new Map<number, Buffer>([
      [0, seededBytes('parts head', MIB)],
      [cut - MIB, seededBytes('parts before the cut', MIB)],
      [cut, seededBytes('parts after the cut', MIB)],
      [size - MIB, seededBytes('parts tail', MIB)],
    ]);
    for (const [at, bytes] of marks) await handle.write(bytes, 0, MIB, at);
    await handle.close();

    const peer = (await cast.bot.getInputEntity((await cast.user.getMe()).id)) as Api.InputPeerUser;
    const chat = { kind: 'user' as const, id: peer.userId.toString(), accessHash: peer.accessHash.toString() };
    const docs: Api.Document[] = [];
    for (const [index, part] of parts.entries()) {
      expect(part.sizeBytes).to.be.at.most(limit);
      const seen = nextUpdate(cast.user, `part ${index + 1}`, (u) => messagesIn(u).find((m) => m.message?.media)?.message ?? undefined, 600_000);
      await files.sendFile(chat, part, { randomId: 9100n + BigInt(index), signal: new AbortController().signal, resume: { onPartConfirmed: () => {} } });
      const message = await seen;
      docs.push((message.media as Api.MessageMediaDocument).document as Api.Document);
    }
    expect(docs.map((d) => Number(d.size.toString())), 'the parts add up to the file').to.deep.equal(parts.map((p) => p.sizeBytes));
    expect(docs.map((d) => d.attributes.find((a) => a instanceof Api.DocumentAttributeFilename)?.fileName)).to.deep.equal(['huge.bin.001', 'huge.bin.002']);

    // Joined, the parts are the file: each seeded MiB is where it was, zeros in between.
    // In 512 KiB requests: the cut is at 1000.5 MiB, and a request may not cross a 1 MiB boundary.
    const read = async (doc: Api.Document, offset: number): Promise<Buffer> => {
      const location = new Api.InputDocumentFileLocation({ id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference, thumbSize: '' });
      const half = async (at: number) =>
        Buffer.from(((await cast.user.invoke(new Api.upload.GetFile({ location, offset: returnBigInt(at), limit: MIB / 2 }))) as Api.upload.File).bytes);
      return Buffer.concat([await half(offset), await half(offset + MIB / 2)]);
    };
    const joinedAt = (at: number) => (at < cut ? read(docs[0]!, at) : read(docs[1]!, at - cut));
    for (const [at, bytes] of marks) expect((await joinedAt(at)).equals(bytes), `the MiB at ${at}`).to.equal(true);
    expect((await joinedAt(cut - 2 * MIB)).equals(Buffer.alloc(MIB)), 'a hole reads as zeros').to.equal(true);
  });
});
