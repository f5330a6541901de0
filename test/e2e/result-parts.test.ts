/**
 * Story: results over Telegram's per-file limit arrive in parts the user can use. The emulator's
 * client configuration (help.getAppConfig) says a file may have 20 parts of 512 KiB (10 MiB), so
 * small files stand in for 2 GB ones; Courier reads that limit from Telegram, not from a constant.
 *
 * - "Send as file" of a 25 MiB document: the status says up front that the result comes in 3
 *   parts; doc.bin.001-.003 arrive, each captioned "Part i of 3" with how to join them, each
 *   under the limit, and joined they are the original byte for byte.
 * - "Send as file" of a 25 MiB link whose server announces its size: the status says it during
 *   the download, and the numbered parts join to what the server sent.
 * - Courier is SIGKILLed after the first part arrived: after the restart the remaining parts
 *   arrive, the first is not sent again, and its upload parts are not uploaded again.
 * - "Convert to MP4" of a noisy 60 s clip makes a video over 10 MiB: it arrives as playable videos
 *   that ffprobe reads, each under the limit, whose durations add up to the whole.
 *
 * The user Alice is a Premium account in the emulator, so her own 25 MiB upload is not refused
 * by the lowered limit (Premium accounts have upload_max_fileparts_premium); the bot is not.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Api, type TelegramClient } from 'telegram';
import { setPremium } from '../../src/emulator/rpc/accounts.js';
import { accountsOf } from '../../src/emulator/world/accountsSide/index.js';
import { locateFfmpeg, locateFfprobe } from '../../src/media/locate.js';
import { installFastIge } from '../../src/telegram/files/crypto/fastIge.js';
import { killHard, runCourier, storyEnv, waitForOutput, type CourierProcess } from '../helpers/courierProcess.js';
import { connectUserClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { attributeOf, documentOf, eventually, ffprobeFile, JobsChat } from '../helpers/jobsChat.js';
import { seededBytes } from '../helpers/seededBytes.js';

const run = promisify(execFile);
const MIB = 1024 * 1024;
/** upload_max_fileparts_default in this world: 20 parts of 512 KiB. */
const LIMIT_PARTS = 20;
const LIMIT_BYTES = LIMIT_PARTS * 512 * 1024;
const DOC_BYTES = 25 * MIB;
const PARTS_LINE = "The result is larger than Telegram's 10 MB per file, so it comes in 3 parts.";

describe('results over the per-file limit arrive in parts', function () {
  this.timeout(180_000);
  let emu: TestEmulator;
  let user: TelegramClient;
  let chat: JobsChat;
  let dataDir: string;
  let mediaDir: string;
  let ffprobe: string;
  let courier: CourierProcess | null = null;
  let seq = 0;
  let http: Server;
  let httpPort: number;
  /** What the local web server serves at /big.bin: 1 MiB every 80 ms, with a Content-Length. */
  let served: Buffer = Buffer.alloc(0);

  async function start(): Promise<void> {
    const started = runCourier(
      ['start', '--sandbox', emu.dataDir],
      storyEnv(dataDir, {
        COURIER__JOBS__MIN_FREE_DISK_BYTES: '0',
        COURIER__JOBS__PROGRESS_INTERVAL_MS: '200',
        COURIER__LINKS__ALLOW_LOOPBACK: 'true',
        COURIER__LINKS__ALLOWED_PORTS: String(httpPort),
      }),
    );
    courier = started;
    await waitForOutput(started, /Courier is running as @/);
  }

  const traffic = () => accountsOf(emu.emulator.world.db).files.traffic();
  const isStatus = (m: Api.Message) => !m.media && /^(Queued: |Downloading… |Processing… |Uploading… |Done\.|Failed\. |Cancelled\.)/.test(m.message);
  const results = async (id: number) => (await chat.repliesTo(id)).filter((m) => !isStatus(m) && m.media);
  const fileNameOf = (m: Api.Message) => attributeOf(documentOf(m)!, Api.DocumentAttributeFilename)?.fileName;

  /** Sends `bytes` as a document and presses "Send as file"; returns the user's message id. */
  async function sendAsFile(bytes: Buffer, fileName: string): Promise<number> {
    const path = join(mediaDir, fileName);
    writeFileSync(path, bytes);
    const id = await chat.sendFile(path, [new Api.DocumentAttributeFilename({ fileName })], true);
    expect(await chat.press(await chat.offerFor(id), 'Send as file')).to.equal('On it: watch the status message.');
    return id;
  }

  async function finalStatus(id: number): Promise<Api.Message> {
    const [status] = await chat.finalStatuses(id, 1, 120_000).catch((error: unknown) => {
      console.log(courier?.output().slice(-5000));
      throw error;
    });
    return status!;
  }

  before(async function () {
    this.timeout(120_000);
    installFastIge();
    emu = await startTestEmulator({ limits: { enabled: false, uploadMaxFileparts: LIMIT_PARTS } });
    const alice = emu.sandbox.users[0]!;
    setPremium(emu.emulator.world, alice.user_id, true);
    user = await connectUserClient(emu.sandbox, alice.phone);
    chat = new JobsChat(user, emu.sandbox.bot_username);
    dataDir = mkdtempSync(join(tmpdir(), 'courier-parts-data-'));
    mediaDir = mkdtempSync(join(tmpdir(), 'courier-parts-media-'));
    ffprobe = (await locateFfprobe(null)).path;
    http = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': served.length });
      let at = 0;
      const next = () => {
        if (at >= served.length) return void res.end();
        res.write(served.subarray(at, (at += MIB)));
        setTimeout(next, 80);
      };
      next();
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    httpPort = (http.address() as AddressInfo).port;
    await start();
  });

  after(async () => {
    if (courier) await killHard(courier);
    await user?.destroy();
    await emu?.stop();
    http?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
  });

  afterEach(function () {
    emu.emulator.world.faults.clear();
    if (this.currentTest?.state === 'failed') console.log(courier?.output().slice(-6000));
  });

  it('Send as file of 25 MiB: told up front, three numbered parts under the limit that join byte for byte', async () => {
    const bytes = seededBytes(`result-parts ${++seq}`, DOC_BYTES);
    // A slow download keeps the job in its first phases long enough to read its status.
    emu.emulator.world.faults.stallMethod('upload.GetFile', 400);
    const id = await sendAsFile(bytes, 'doc.bin');
    const early = await chat.replyTo(id, (m) => isStatus(m) && /^(Queued|Downloading)/.test(m.message), 'the status before any result');
    expect(early.message.split('\n')[1], 'the first phases already say how many parts').to.equal(PARTS_LINE);
    expect(await results(id), 'nothing sent yet').to.deep.equal([]);
    emu.emulator.world.faults.clear();

    expect((await finalStatus(id)).message).to.equal('Done.');
    const parts = await results(id);
    expect(parts.map(fileNameOf)).to.deep.equal(['doc.bin.001', 'doc.bin.002', 'doc.bin.003']);
    expect(parts.map((m) => m.message.split('\n')[0])).to.deep.equal(['Part 1 of 3', 'Part 2 of 3', 'Part 3 of 3']);
    expect(parts[0]!.message.split('\n')[1]).to.equal(
      'To join the parts: cat doc.bin.0* > doc.bin (Linux, macOS) or copy /b doc.bin.001+doc.bin.002+doc.bin.003 doc.bin (Windows)',
    );
    const downloaded = [];
    for (const part of parts) {
      expect(Number(documentOf(part)!.size)).to.be.at.most(LIMIT_BYTES);
      downloaded.push(await chat.download(part));
    }
    expect(Buffer.concat(downloaded).equals(bytes), 'the joined parts are the original').to.equal(true);
  });

  it('Send as file of a 25 MiB link: the status says "3 parts" while downloading, and the parts join to what was served', async () => {
    served = seededBytes(`result-parts link ${++seq}`, DOC_BYTES);
    const id = await chat.sendText(`http://127.0.0.1:${httpPort}/big.bin`);
    await chat.press(await chat.offerFor(id), 'Send as file');
    const downloading = await chat.replyTo(id, (m) => isStatus(m) && m.message.startsWith('Downloading… ') && m.message.includes('\n'), 'the download status with its parts line');
    expect(downloading.message.split('\n')[1]).to.equal(PARTS_LINE);
    expect((await finalStatus(id)).message).to.equal('Done.');
    const parts = await results(id);
    expect(parts.map(fileNameOf)).to.deep.equal(['big.bin.001', 'big.bin.002', 'big.bin.003']);
    const downloaded = [];
    for (const part of parts) downloaded.push(await chat.download(part));
    expect(Buffer.concat(downloaded).equals(served)).to.equal(true);
  });

  it('after a crash once the first part arrived, the rest arrive and the first is neither sent nor uploaded again', async () => {
    const bytes = seededBytes(`result-parts ${++seq}`, DOC_BYTES);
    // A slow download: the upload counter is read after Alice's own upload and before Courier's.
    emu.emulator.world.faults.stallMethod('upload.GetFile', 300);
    const id = await sendAsFile(bytes, 'crash.bin');
    const before = traffic().partsSaved;
    // Slow uploads: a part takes seconds, so Courier can be killed between two of them.
    emu.emulator.world.faults.stallMethod('upload.SaveBigFilePart', 250);
    await eventually(async () => ((await results(id)).length >= 1 ? true : undefined), 'the first part', 60_000);
    await killHard(courier!);
    courier = null;
    const firstPartUploads = 17; // 8.5 MiB in 512 KiB parts
    emu.emulator.world.faults.clear();
    await start();

    expect((await finalStatus(id)).message).to.equal('Done.');
    const parts = await results(id);
    expect(parts.map(fileNameOf), 'each part once').to.deep.equal(['crash.bin.001', 'crash.bin.002', 'crash.bin.003']);
    const downloaded = [];
    for (const part of parts) downloaded.push(await chat.download(part));
    expect(Buffer.concat(downloaded).equals(bytes)).to.equal(true);
    // 50 upload parts in all (17 + 17 + 16); part 1's were not sent twice. Part 2 may have lost a
    // window of unconfirmed parts in the kill, which are sent again.
    const uploaded = traffic().partsSaved - before;
    expect(uploaded).to.be.at.least(50).and.below(50 + firstPartUploads);
  });

  it('Convert to MP4 of a clip whose result is over 10 MiB: playable video parts whose durations add up', async () => {
    const ffmpeg = (await locateFfmpeg(null)).path;
    const clip = join(mediaDir, 'noisy.mp4');
    // Noise keeps H.264 from shrinking it: the MP4 made from it is about 15 MB.
    await run(ffmpeg, [
      '-hide_banner', '-v', 'error', '-nostdin', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=duration=60:size=320x240:rate=25,noise=alls=30:allf=t',
      '-f', 'lavfi', '-i', 'sine=frequency=440:duration=60',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-crf', '32', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-shortest', clip,
    ]);
    const whole = await ffprobeFile(ffprobe, clip);
    const id = await chat.sendFile(clip, [
      new Api.DocumentAttributeVideo({ duration: 60, w: 320, h: 240, supportsStreaming: true }),
      new Api.DocumentAttributeFilename({ fileName: 'noisy.mp4' }),
    ]);
    await chat.press(await chat.offerFor(id), 'Convert to MP4');
    expect((await finalStatus(id)).message).to.equal('Done.');
    const parts = await results(id);
    expect(parts.length).to.be.at.least(2);
    let total = 0;
    for (const [i, part] of parts.entries()) {
      expect(part.message).to.equal(`Part ${i + 1} of ${parts.length}`);
      const doc = documentOf(part)!;
      expect(Number(doc.size)).to.be.at.most(LIMIT_BYTES);
      expect(attributeOf(doc, Api.DocumentAttributeVideo), 'sent as a video').to.not.equal(undefined);
      expect(fileNameOf(part)).to.equal(`noisy.part${i + 1}.mp4`);
      const path = join(mediaDir, `part-${i}.mp4`);
      writeFileSync(path, await chat.download(part));
      const probed = await ffprobeFile(ffprobe, path);
      expect(probed.streams.map((s) => s.codec_name)).to.deep.equal(['h264', 'aac']);
      total += probed.durationSeconds;
    }
    expect(total).to.be.closeTo(whole.durationSeconds, 0.5);
  });
});
