/**
 * Story: what a user sees of Courier's media jobs. Courier runs as a child process against the
 * emulator (in this process, flood limits off); a real GramJS user client sends files and links,
 * presses the offered buttons and reads the chat. Each job shows exactly one status message that
 * ends in a final state, and the result comes as a reply to the user's message with the attributes
 * Telegram clients use (duration, size, streaming flag, title/performer, thumbnail). Results are
 * downloaded back and checked with ffprobe.
 *
 * Then the inputs that must be refused politely: links to a port that is not allowed, to private,
 * own or loopback targets (with a Courier that does not allow loopback), other schemes, a playlist disguised as .mp4, damaged
 * media, a file over the size cap, and a file name that tries to leave the job directory.
 *
 * Media is generated here with ffmpeg (no committed binaries).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Api, type TelegramClient } from 'telegram';
import { locateFfmpeg, locateFfprobe } from '../../src/media/locate.js';
import { installFastIge } from '../../src/telegram/files/crypto/fastIge.js';
import { killHard, runCourier, waitForOutput, type CourierProcess, storyEnv, showCourierOutputOnFailure } from '../helpers/courierProcess.js';
import { connectUserClient, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { attributeOf, buttonsOf, documentOf, ffprobeFile, JobsChat } from '../helpers/jobsChat.js';
import { seededBytes } from '../helpers/seededBytes.js';

const CLIP = { seconds: 3, width: 640, height: 360 };

describe('media jobs end to end: every action, and the inputs that must be refused', function () {
  this.timeout(120_000);
  let emu: TestEmulator;
  let user: TelegramClient;
  let chat: JobsChat;
  let dataDir: string;
  let mediaDir: string;
  let ffmpeg: string;
  let ffprobe: string;
  let clip: string;
  let clipBytes: Buffer;
  let song: string;
  let courier: CourierProcess | null = null;
  let http: Server;
  let httpPort: number;

  const jobsDir = () => join(dataDir, 'tmp', 'jobs');
  const leftInJobsDir = () => (existsSync(jobsDir()) ? readdirSync(jobsDir()) : []);

  function env(extra: Record<string, string>): Record<string, string> {
    return storyEnv(dataDir, {
      COURIER__JOBS__POOL_SIZE: '2',
      COURIER__JOBS__PER_USER_QUEUED: '20',
      COURIER__JOBS__MIN_FREE_DISK_BYTES: '0',
      COURIER__JOBS__PROGRESS_INTERVAL_MS: '500',
      ...extra,
    });
  }

  /** Stops the running Courier (if any) and starts one with `extra` settings. */
  async function restartCourier(extra: Record<string, string>): Promise<void> {
    if (courier) {
      courier.child.kill('SIGTERM');
      expect(await courier.exited).to.equal(0);
      courier = null;
    }
    const run = runCourier(['start', '--sandbox', emu.dataDir], env(extra));
    courier = run;
    await waitForOutput(run, /Courier is running as @/);
  }

  function videoAttributes(fileName: string): Api.TypeDocumentAttribute[] {
    return [
      new Api.DocumentAttributeVideo({ duration: CLIP.seconds, w: CLIP.width, h: CLIP.height, supportsStreaming: true }),
      new Api.DocumentAttributeFilename({ fileName }),
    ];
  }

  /** Sends the clip (a fresh upload, so no earlier result is re-used) and returns its id and the offer. */
  async function sendClip(fileName = 'clip.mp4'): Promise<{ id: number; offer: Api.Message }> {
    const id = await chat.sendFile(clip, videoAttributes(fileName));
    return { id, offer: await chat.offerFor(id) };
  }

  /**
   * Presses `label` on the offer under message `id` and waits until the job's one status message
   * is final; returns that status and the bot's replies that are neither offer nor status.
   */
  async function runAction(id: number, offer: Api.Message, label: string): Promise<{ answer: string; status: Api.Message; results: Api.Message[] }> {
    const answer = await chat.press(offer, label);
    const [status, ...more] = await chat.finalStatuses(id, 1);
    expect(more, 'status messages of one job').to.have.length(0);
    // The result is sent before the status turns "Done.", so it is in the chat by now.
    const results = (await chat.repliesTo(id)).filter((m) => !isOfferOrStatus(m));
    return { answer, status: status!, results };
  }

  function isOfferOrStatus(m: Api.Message): boolean {
    if (buttonsOf(m).some((b) => b.data.startsWith('m1|'))) return true;
    return !m.media && /^(Queued: |Downloading… |Processing… |Uploading… |Done\.$|Failed\. |Cancelled\.$)/.test(m.message);
  }

  /** Downloads a result as the user and writes it to disk for ffprobe. */
  async function saved(message: Api.Message, name: string): Promise<{ path: string; bytes: Buffer }> {
    const bytes = await chat.download(message);
    const path = join(mediaDir, name);
    writeFileSync(path, bytes);
    return { path, bytes };
  }

  function expectDone(status: Api.Message): void {
    expect(status.message).to.equal('Done.');
    // Sent at the press ("Queued: …"), then edited: one message that ends in its final state.
    expect(status.editDate, 'the status message was edited').to.be.a('number');
    expect(buttonsOf(status), 'buttons under a finished status').to.have.length(0);
  }

  before(async function () {
    this.timeout(90_000);
    installFastIge();
    mediaDir = mkdtempSync(join(tmpdir(), 'courier-jobs-media-'));
    dataDir = mkdtempSync(join(tmpdir(), 'courier-jobs-data-'));
    ffmpeg = (await locateFfmpeg(null)).path;
    ffprobe = (await locateFfprobe(null)).path;
    clip = join(mediaDir, 'clip.mp4');
    // testsrc2 is busy enough that the clip is a few hundred KB: over the small size cap used below.
    execFileSync(ffmpeg, [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=${CLIP.width}x${CLIP.height}:rate=25`,
      '-f', 'lavfi', '-i', 'sine=frequency=440',
      '-t', String(CLIP.seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k',
      '-metadata', 'title=Test Pattern', '-metadata', 'artist=Courier Tests', '-shortest', '-movflags', '+faststart', clip,
    ]);
    clipBytes = readFileSync(clip);
    song = join(mediaDir, 'song.mp3');
    execFileSync(ffmpeg, [
      '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=660:duration=3',
      '-c:a', 'libmp3lame', '-b:a', '64k', '-metadata', 'title=Sine Song', '-metadata', 'artist=Courier Tests', song,
    ]);

    emu = await startTestEmulator({ limits: { enabled: false } });
    user = await connectUserClient(emu.sandbox, emu.sandbox.users[0]!.phone);
    chat = new JobsChat(user, emu.sandbox.bot_username);
    http = createServer((req, res) => {
      if (req.url === '/clip.mp4') {
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': clipBytes.length });
        res.end(clipBytes);
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    httpPort = (http.address() as AddressInfo).port;
    // Loopback is allowed for these stories, but like any link only on 80, 443 and the allowed ports.
    await restartCourier({ COURIER__LINKS__ALLOW_LOOPBACK: 'true', COURIER__LINKS__ALLOWED_PORTS: String(httpPort) });
  });

  after(async () => {
    if (courier) await killHard(courier);
    await user?.destroy();
    await emu?.stop();
    http?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
  });

  showCourierOutputOnFailure(() => courier);

  describe('every action on a 3 s 640x360 H.264/AAC clip', () => {
    it('the clip gets an offer naming it, with the buttons that fit a short 360p video', async () => {
      const { offer } = await sendClip();
      expect(offer.message).to.match(/^clip\.mp4 \(\d+(\.\d)? KB\)\. What should I do with it\?$/);
      const labels = buttonsOf(offer).map((b) => b.text.replace(/ ~.*$/, ''));
      // 720p would not shrink a 360p clip, so only 480p is offered; a 3 s clip can become a GIF.
      expect(labels).to.deep.equal(['Info', 'Extract audio', 'Compress 480p', 'Convert to MP4', 'Convert to GIF', 'Thumbnail', 'Trim', 'Compress to size', 'Send as file', 'Rename']);
    });

    it('Info: a text reply with the duration, size, container and both codecs', async () => {
      const { id, offer } = await sendClip();
      const { answer, status, results } = await runAction(id, offer, 'Info');
      expect(answer).to.equal('On it: watch the status message.');
      expectDone(status);
      expect(results).to.have.length(1);
      const info = results[0]!;
      expect(info.media ?? null).to.equal(null);
      expect(info.message).to.match(/^Duration: 0:03 · Size: \d+ KB · Container: MP4$/m);
      expect(info.message).to.match(/^Video: h264, 640×360, 25 fps$/m);
      expect(info.message).to.match(/^Audio: aac, mono, 44\.1 kHz$/m);
      expect(info.message).to.match(/^Tags: Courier Tests — Test Pattern$/m);
    });

    it('Extract audio: an M4A (the AAC stream copied) with duration, title and performer, as a reply to the clip', async () => {
      const { id, offer } = await sendClip();
      const { status, results } = await runAction(id, offer, 'Extract audio');
      expectDone(status);
      expect(results).to.have.length(1);
      const doc = documentOf(results[0]!)!;
      expect(doc.mimeType).to.equal('audio/mp4');
      expect(attributeOf(doc, Api.DocumentAttributeFilename)?.fileName).to.equal('clip.m4a');
      const audio = attributeOf(doc, Api.DocumentAttributeAudio)!;
      expect(audio.voice ?? false).to.equal(false);
      expect(audio.duration).to.be.within(CLIP.seconds - 1, CLIP.seconds + 1);
      expect({ title: audio.title, performer: audio.performer }).to.deep.equal({ title: 'Test Pattern', performer: 'Courier Tests' });
      expect(results[0]!.replyTo).to.be.instanceOf(Api.MessageReplyHeader);
      const { path } = await saved(results[0]!, 'extracted.m4a');
      const probed = await ffprobeFile(ffprobe, path);
      expect(probed.streams.map((s) => s.codec_name)).to.deep.equal(['aac']);
      expect(probed.durationSeconds).to.be.closeTo(CLIP.seconds, 0.2);
    });

    it('Compress 480p: an H.264/AAC MP4 never upscaled, streamable, with duration, size and a thumbnail', async () => {
      const { id, offer } = await sendClip();
      const { status, results } = await runAction(id, offer, 'Compress 480p');
      expectDone(status);
      expect(results).to.have.length(1);
      const doc = documentOf(results[0]!)!;
      expect(doc.mimeType).to.equal('video/mp4');
      const video = attributeOf(doc, Api.DocumentAttributeVideo)!;
      expect({ w: video.w, h: video.h, streaming: video.supportsStreaming }).to.deep.equal({ w: CLIP.width, h: CLIP.height, streaming: true });
      expect(video.duration).to.be.within(CLIP.seconds - 1, CLIP.seconds + 1);
      expect(doc.thumbs ?? [], 'thumbnail sizes').to.not.have.length(0);
      const { path } = await saved(results[0]!, 'compressed.mp4');
      const probed = await ffprobeFile(ffprobe, path);
      expect(probed.streams.map((s) => s.codec_name).sort()).to.deep.equal(['aac', 'h264']);
      expect(probed.streams.find((s) => s.codec_type === 'video')?.height).to.equal(CLIP.height);
    });

    it('Convert to MP4: a streamable H.264 video with a thumbnail', async () => {
      const { id, offer } = await sendClip('clip.mov');
      const { status, results } = await runAction(id, offer, 'Convert to MP4');
      expectDone(status);
      expect(results).to.have.length(1);
      const doc = documentOf(results[0]!)!;
      expect(doc.mimeType).to.equal('video/mp4');
      expect(attributeOf(doc, Api.DocumentAttributeFilename)?.fileName).to.equal('clip.mp4');
      const video = attributeOf(doc, Api.DocumentAttributeVideo)!;
      expect({ w: video.w, h: video.h, streaming: video.supportsStreaming }).to.deep.equal({ w: CLIP.width, h: CLIP.height, streaming: true });
      expect(doc.thumbs ?? []).to.not.have.length(0);
      const probed = await ffprobeFile(ffprobe, (await saved(results[0]!, 'converted.mp4')).path);
      expect(probed.format).to.include('mp4');
      expect(probed.streams.find((s) => s.codec_type === 'video')?.codec_name).to.equal('h264');
    });

    it('Convert to GIF: an animation the app plays as a GIF, with a thumbnail', async () => {
      const { id, offer } = await sendClip();
      const { status, results } = await runAction(id, offer, 'Convert to GIF');
      expectDone(status);
      expect(results).to.have.length(1);
      const doc = documentOf(results[0]!)!;
      expect(doc.mimeType).to.equal('image/gif');
      expect(attributeOf(doc, Api.DocumentAttributeAnimated), 'documentAttributeAnimated').to.not.equal(undefined);
      expect(doc.thumbs ?? []).to.not.have.length(0);
      const probed = await ffprobeFile(ffprobe, (await saved(results[0]!, 'converted.gif')).path);
      expect(probed.format).to.equal('gif');
      expect(probed.streams.map((s) => s.codec_type)).to.deep.equal(['video']);
    });

    it('Thumbnail: a photo of one frame', async () => {
      const { id, offer } = await sendClip();
      const { status, results } = await runAction(id, offer, 'Thumbnail');
      expectDone(status);
      expect(results).to.have.length(1);
      expect(results[0]!.media).to.be.instanceOf(Api.MessageMediaPhoto);
      const probed = await ffprobeFile(ffprobe, (await saved(results[0]!, 'thumb.jpg')).path);
      expect(probed.streams[0]?.codec_name).to.equal('mjpeg');
      expect([probed.streams[0]?.width, probed.streams[0]?.height]).to.deep.equal([CLIP.width, CLIP.height]);
    });

    it('Send as file: a document byte for byte the clip, named like it', async () => {
      const { id, offer } = await sendClip();
      const { status, results } = await runAction(id, offer, 'Send as file');
      expectDone(status);
      expect(results).to.have.length(1);
      const doc = documentOf(results[0]!)!;
      expect(attributeOf(doc, Api.DocumentAttributeVideo), 'sent as a plain document').to.equal(undefined);
      expect(attributeOf(doc, Api.DocumentAttributeFilename)?.fileName).to.equal('clip.mp4');
      const { bytes } = await saved(results[0]!, 'as-file.mp4');
      expect(bytes.equals(clipBytes)).to.equal(true);
    });

    it('re-use: pressing the same action again sends the stored result at once, with no second job', async () => {
      const { id, offer } = await sendClip();
      await runAction(id, offer, 'Extract audio');
      const first = (await chat.repliesTo(id)).filter((m) => !isOfferOrStatus(m));
      expect(first).to.have.length(1);
      const answer = await chat.press(offer, 'Extract audio');
      expect(answer).to.equal('Done before: sending the same result again.');
      const again = await chat.replyTo(id, (m) => !isOfferOrStatus(m) && m.id !== first[0]!.id, 'the re-sent result');
      const [before, after] = [documentOf(first[0]!)!, documentOf(again)!];
      // The very same Telegram file, not a new upload.
      expect(after.id.toString()).to.equal(before.id.toString());
      expect(await chat.statusMessages(id), 'status messages').to.have.length(1);
    });

    it('an MP3 with tags: no Extract audio offered, and Info shows the tags', async () => {
      const id = await chat.sendFile(song, [
        new Api.DocumentAttributeAudio({ duration: 3, title: 'Sine Song', performer: 'Courier Tests' }),
        new Api.DocumentAttributeFilename({ fileName: 'song.mp3' }),
      ]);
      const offer = await chat.offerFor(id);
      expect(buttonsOf(offer).map((b) => b.text)).to.deep.equal(['Info', 'Trim', 'Send as file', 'Rename']);
      const { status, results } = await runAction(id, offer, 'Info');
      expectDone(status);
      expect(results[0]!.message).to.match(/^Audio: mp3, mono, 44\.1 kHz$/m);
      expect(results[0]!.message).to.match(/^Tags: Courier Tests — Sine Song$/m);
    });

    it('the clip sent as a file, or by GramJS without measuring it (duration 0, 1x1), gets the video actions, and Compress works', async () => {
      const unknownLength = ['Info', 'Extract audio', 'Compress 720p', 'Compress 480p', 'Convert to MP4', 'Thumbnail', 'Trim', 'Send as file', 'Rename'];
      // GramJS's own attributes: the name gives video/mp4; a video attribute with duration 0, 1x1.
      const unmeasured = await chat.sendFile(clip, []);
      expect(buttonsOf(await chat.offerFor(unmeasured)).map((b) => b.text)).to.deep.equal(unknownLength);
      const asFile = await chat.sendFile(clip, [], true);
      const offer = await chat.offerFor(asFile);
      expect(buttonsOf(offer).map((b) => b.text)).to.deep.equal(unknownLength);
      const { status, results } = await runAction(asFile, offer, 'Compress 480p');
      expectDone(status);
      const { path } = await saved(results[0]!, 'as-file-480p.mp4');
      const probed = await ffprobeFile(ffprobe, path);
      expect(probed.streams.find((s) => s.codec_type === 'video')?.height).to.equal(CLIP.height);
    });

    it('a direct link (served on loopback, allowed for this test) gets buttons, and Extract audio works', async () => {
      const url = `http://127.0.0.1:${httpPort}/clip.mp4`;
      const id = await chat.sendText(url);
      const offer = await chat.offerFor(id);
      expect(offer.message).to.equal('What should I do with this link? I download it first, so it must point straight at a file.');
      const { status, results } = await runAction(id, offer, 'Extract audio');
      expectDone(status);
      const doc = documentOf(results[0]!)!;
      expect(doc.mimeType).to.equal('audio/mp4');
      expect(attributeOf(doc, Api.DocumentAttributeFilename)?.fileName).to.equal('clip.m4a');
      expect(attributeOf(doc, Api.DocumentAttributeAudio)?.duration).to.be.within(CLIP.seconds - 1, CLIP.seconds + 1);
    });

    it('a loopback link on a port that is not allowed is refused, loopback allowed or not, and the server is never asked', async () => {
      // Like Redis on :6379 or the Docker API on :2375: something listens there, but links only use 80, 443 and links.allowedPorts.
      let hits = 0;
      const closed = createServer((_req, res) => {
        hits += 1;
        res.end('internal');
      });
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedPort = (closed.address() as AddressInfo).port;
      try {
        const id = await chat.sendText(`http://127.0.0.1:${closedPort}/clip.mp4`);
        const offer = await chat.offerFor(id);
        const { status, results } = await runAction(id, offer, 'Extract audio');
        expect(status.message).to.equal(
          `Failed. I cannot download from that link (only public http and https addresses work). [a port that is not allowed: ${closedPort}]`,
        );
        expect(buttonsOf(status), 'no Retry for a refused link').to.have.length(0);
        expect(results).to.have.length(0);
        expect(hits, 'requests that reached the server on the refused port').to.equal(0);
      } finally {
        closed.close();
      }
    });
  });

  describe('inputs that are not media', () => {
    it('an HLS playlist sent as clip.mp4 is refused in plain words, and nothing is left on disk', async () => {
      const playlist = join(mediaDir, 'playlist.mp4');
      writeFileSync(playlist, '#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n');
      const id = await chat.sendFile(playlist, [new Api.DocumentAttributeFilename({ fileName: 'clip.mp4' })], true);
      const offer = await chat.offerFor(id);
      const { status, results } = await runAction(id, offer, 'Info');
      expect(status.message).to.equal('Failed. This file is not a media file I can work with.');
      expect(buttonsOf(status), 'no Retry: the same file would fail again').to.have.length(0);
      expect(results, 'no result').to.have.length(0);
      expect(leftInJobsDir()).to.deep.equal([]);
    });

    it('a damaged file (random bytes named x.mp4) gets a clear message, and nothing is left on disk', async () => {
      const corrupt = join(mediaDir, 'x.mp4');
      writeFileSync(corrupt, seededBytes('courier jobs corrupt media', 64 * 1024));
      const id = await chat.sendFile(corrupt, [new Api.DocumentAttributeFilename({ fileName: 'x.mp4' })], true);
      const offer = await chat.offerFor(id);
      const { status } = await runAction(id, offer, 'Info');
      expect(status.message).to.equal('Failed. The file seems to be damaged or incomplete. Please send it again.');
      expect(buttonsOf(status), 'no Retry: the same bytes would fail again').to.have.length(0);
      expect(leftInJobsDir()).to.deep.equal([]);
    });

    it('a file named ../../x.mp4 is processed, and nothing is written outside the job directory', async () => {
      const outside = [join(dataDir, 'tmp', 'x.mp4'), join(dataDir, 'x.mp4'), join(dirname(dataDir), 'x.mp4'), join(dataDir, 'tmp', 'x.m4a')];
      const existedBefore = outside.filter((p) => existsSync(p));
      const { id, offer } = await sendClip('../../x.mp4');
      const { status, results } = await runAction(id, offer, 'Extract audio');
      expectDone(status);
      const doc = documentOf(results[0]!)!;
      // The name shown keeps no directory part.
      expect(attributeOf(doc, Api.DocumentAttributeFilename)?.fileName).to.equal('x.m4a');
      expect(outside.filter((p) => existsSync(p))).to.deep.equal(existedBefore);
      expect(filesUnder(dataDir).filter((p) => /x\.(mp4|m4a)$/.test(p))).to.deep.equal([]);
      expect(leftInJobsDir()).to.deep.equal([]);
    });
  });

  describe('a Courier that does not allow loopback links, with a small size cap', () => {
    let cap: number;

    before(async function () {
      this.timeout(60_000);
      cap = Math.floor(clipBytes.length / 2);
      // The test server's port stays allowed, so what refuses these links is the address rule.
      await restartCourier({ COURIER__JOBS__MAX_FILE_BYTES: String(cap), COURIER__LINKS__ALLOWED_PORTS: String(httpPort) });
    });

    const ownAddresses = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((i) => !i.internal && i.family === 'IPv4')
      .map((i) => i.address)
      .slice(0, 1);

    // Each link is new to Courier: a link it already fetched (the allowed one above) would get its
    // stored result again without any download, which is re-use, not a refusal to test.
    const refused = [
      ['127.0.0.1', (p: number) => `http://127.0.0.1:${p}/clip.mp4?refused=1`],
      ['127.1 (short form)', (p: number) => `http://127.1:${p}/clip.mp4?refused=2`],
      ['017700000001 (octal)', (p: number) => `http://017700000001:${p}/clip.mp4?refused=3`],
      ['0', (p: number) => `http://0:${p}/clip.mp4?refused=4`],
      ['[::1]', (p: number) => `http://[::1]:${p}/clip.mp4?refused=5`],
      ['[::ffff:127.0.0.1]', (p: number) => `http://[::ffff:127.0.0.1]:${p}/clip.mp4?refused=6`],
      ['localhost (a name resolving to loopback)', (p: number) => `http://localhost:${p}/clip.mp4?refused=7`],
      // This machine's own network address: refused by its class (private, reserved) or as one
      // of Courier's own interfaces. Other private and link-local addresses (10.0.0.1, the cloud
      // metadata 169.254.169.254) are refused in the unit tests, whose sockets go through a
      // loopback-only connector: from this child process, a guard that broke would send real
      // traffic off the machine, and no test may.
      ...ownAddresses.map((address) => [`${address} (this machine's own network address)`, (p: number) => `http://${address}:${p}/clip.mp4?refused=own`] as const),
    ] as const;

    for (const [name, urlOf] of refused) {
      it(`a link to ${name} is refused with a reply naming the reason, and nothing is fetched`, async () => {
        let hits = 0;
        const count = () => (hits += 1);
        http.on('request', count);
        try {
          const id = await chat.sendText(urlOf(httpPort));
          const offer = await chat.offerFor(id);
          const { status, results } = await runAction(id, offer, 'Extract audio');
          // The plain-words reason, then the rule the address broke and the address, e.g.
          // "[not a public internet address: 127.0.0.1]" (texts linkRules / linkRuleAbout).
          expect(status.message.startsWith('Failed. I cannot download from that link (only public http and https addresses work). [')).to.equal(true, status.message);
          expect(status.message).to.match(/\[(not a public internet address: \S+|a port that is not allowed: \d+)\]$/);
          expect(buttonsOf(status), 'no Retry for a refused link').to.have.length(0);
          expect(results).to.have.length(0);
          expect(hits, 'requests that reached the test server').to.equal(0);
        } finally {
          http.off('request', count);
        }
      });
    }

    // A redirect to loopback needs a first hop that is allowed, i.e. a public address; without
    // real network there is none here. src/transfer/safeFetch.ts's unit tests check every hop.

    it('a non-http link (ftp://) gets a plain reply and no buttons', async () => {
      const id = await chat.sendText('ftp://example.com/clip.mp4');
      const reply = await chat.replyTo(id, () => true, 'the reply to the ftp link');
      expect(reply.message).to.equal('I can only fetch http:// and https:// links that point straight at a file.');
      expect(buttonsOf(reply)).to.have.length(0);
    });

    it('a file over jobs.maxFileBytes is refused at the press, politely, and no job starts', async () => {
      expect(clipBytes.length).to.be.above(cap);
      const { id, offer } = await sendClip();
      const answer = await chat.press(offer, 'Extract audio');
      const text = "Sorry, I can't take this job. The file is larger than this bot accepts.";
      expect(answer).to.equal(text);
      const reply = await chat.replyTo(id, (m) => m.message === text, 'the refusal');
      expect(buttonsOf(reply)).to.have.length(0);
      const replies = await chat.repliesTo(id);
      expect(replies.map((m) => m.id), 'only the offer and the refusal').to.deep.equal([offer.id, reply.id]);
      expect(leftInJobsDir()).to.deep.equal([]);
    });
  });
});

/** Every file path under `root`. */
function filesUnder(root: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(root)) {
    const path = join(root, entry);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}
