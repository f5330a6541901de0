/**
 * Story: Courier's Telegram side of a media job, against the emulator with real GramJS clients.
 * A user sends a document; the bot reads it as a MediaRef and downloads it byte for byte (also
 * after an interruption, fetching only the rest); the bot answers with a video reply carrying its
 * attributes and thumbnail; an interrupted upload resumes with only the missing parts; a stored
 * result is sent again without uploading. Media comes from a fixed seed or from ffmpeg, made here.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from 'telegram';
import type { ChatRef } from '../../src/domain/chat.js';
import type { ResultFile, TelegramFiles } from '../../src/domain/mediaPorts.js';
import { RpcError } from '../../src/emulator/contract.js';
import { accountsOf } from '../../src/emulator/world/accountsSide/index.js';
import { locateFfmpeg } from '../../src/media/locate.js';
import { installFastIge } from '../../src/telegram/files/crypto/fastIge.js';
import { createTelegramFiles, DEFAULT_UPLOAD_WINDOW } from '../../src/telegram/files/mediaFiles.js';
import { mediaRefOf } from '../../src/telegram/files/mediaRef.js';
import { TransferCancelledError } from '../../src/transfer/transferErrors.js';
import { startBotAndUser, type BotAndUser } from '../helpers/emulator.js';
import { messagesIn, nextUpdate } from '../helpers/rawUpdates.js';
import { seededBytes, sha256Hex } from '../helpers/seededBytes.js';

const MIB = 1024 * 1024;
const DOC_SIZE = 12 * MIB + 12345;

/** The next message with media that arrives at `client`. */
function nextMediaMessage(cast: BotAndUser, side: 'bot' | 'user', what: string, ms = 60_000): Promise<Api.Message> {
  return nextUpdate(cast[side], what, (u) => messagesIn(u).find((m) => m.message?.media && !m.out)?.message ?? undefined, ms);
}

describe('media files: a job\'s downloads and uploads over MTProto', function () {
  this.timeout(120_000);
  let cast: BotAndUser;
  let files: TelegramFiles;
  let dir: string;
  let docBytes: Buffer;
  let incoming: Api.Message;
  let userChat: ChatRef;
  const traffic = () => accountsOf(cast.emu.emulator.world.db).files.traffic();
  const noResume = { onPartConfirmed: () => {} };

  before(async () => {
    installFastIge();
    cast = await startBotAndUser();
    dir = mkdtempSync(join(tmpdir(), 'courier-media-'));
    files = createTelegramFiles(cast.bot);
    docBytes = seededBytes('courier media-files document', DOC_SIZE);
    const path = join(dir, 'report.bin');
    writeFileSync(path, docBytes);
    const arrived = nextMediaMessage(cast, 'bot', 'the user\'s document');
    await cast.user.sendFile(cast.emu.sandbox.bot_username, { file: path, forceDocument: true, caption: 'please convert', workers: 4 });
    incoming = await arrived;
    const peer = await cast.bot.getInputEntity(incoming.peerId);
    if (!(peer instanceof Api.InputPeerUser)) throw new Error('expected the user as the chat');
    userChat = { kind: 'user', id: peer.userId.toString(), accessHash: peer.accessHash.toString() };
  });
  after(async () => {
    await cast?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the bot downloads byte for byte the document a user sent, with progress up to the whole size', async () => {
    const ref = mediaRefOf(incoming);
    expect(ref).to.include({ kind: 'document', sizeBytes: DOC_SIZE, fileName: 'report.bin' });
    const dest = join(dir, 'download-1.bin');
    const progress: number[] = [];
    await files.download(ref!, dest, { signal: new AbortController().signal, onProgress: (p) => progress.push(p.doneBytes) });
    expect(sha256Hex(readFileSync(dest))).to.equal(sha256Hex(docBytes));
    expect(progress.at(-1)).to.equal(DOC_SIZE);
  });

  it('a download interrupted after 5 MiB fetches only the rest', async () => {
    const ref = mediaRefOf(incoming)!;
    const dest = join(dir, 'download-2.bin');
    writeFileSync(dest, docBytes.subarray(0, 5 * MIB + 1000)); // 5 whole chunks and a torn sixth
    const before = traffic().chunksServed;
    await files.download(ref, dest, { signal: new AbortController().signal });
    expect(traffic().chunksServed - before).to.equal(Math.ceil(DOC_SIZE / MIB) - 5);
    expect(sha256Hex(readFileSync(dest))).to.equal(sha256Hex(docBytes));
  });

  describe('results going back', () => {
    let video: ResultFile;
    let thumbBytes: Buffer;

    before(async () => {
      const ffmpeg = (await locateFfmpeg(null)).path;
      const videoPath = join(dir, 'result.mp4');
      const thumbPath = join(dir, 'thumb.jpg');
      execFileSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-movflags', '+faststart', videoPath]);
      execFileSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-ss', '1', '-i', videoPath, '-frames:v', '1', '-vf', 'scale=320:-2', thumbPath]);
      thumbBytes = readFileSync(thumbPath);
      video = {
        path: videoPath,
        fileName: 'report (720p).mp4',
        mimeType: 'video/mp4',
        sendAs: 'video',
        sizeBytes: readFileSync(videoPath).length,
        durationSeconds: 3,
        width: 640,
        height: 360,
        supportsStreaming: true,
        thumbPath,
      };
    });

    it('the bot replies with a video the user sees with its duration, size, streaming flag and thumbnail', async () => {
      const seen = nextMediaMessage(cast, 'user', 'the bot\'s video');
      const sent = await files.sendFile(userChat, video, { replyTo: incoming.id, randomId: 1001n, caption: 'Compressed', signal: new AbortController().signal, resume: noResume });
      expect(sent.duplicate).to.equal(false);
      expect(sent.stored?.type).to.equal('document');
      const message = await seen;
      expect(message.id).to.equal(sent.messageId);
      expect(message.message).to.equal('Compressed');
      expect((message.replyTo as Api.MessageReplyHeader).replyToMsgId).to.equal(incoming.id);
      const doc = (message.media as Api.MessageMediaDocument).document as Api.Document;
      expect(doc.id.toString()).to.equal(sent.stored?.id);
      expect(doc.mimeType).to.equal('video/mp4');
      const attr = doc.attributes.find((a) => a instanceof Api.DocumentAttributeVideo) as Api.DocumentAttributeVideo;
      expect({ duration: attr.duration, w: attr.w, h: attr.h, streaming: attr.supportsStreaming }).to.deep.equal({ duration: 3, w: 640, h: 360, streaming: true });
      expect(doc.attributes.some((a) => a instanceof Api.DocumentAttributeFilename && a.fileName === 'report (720p).mp4')).to.equal(true);
      const thumb = doc.thumbs?.[0] as Api.PhotoSize;
      expect({ w: thumb.w, h: thumb.h, size: thumb.size }).to.deep.equal({ w: 320, h: 180, size: thumbBytes.length });
      const shownThumb = (await cast.user.downloadMedia(message, { thumb: 0 })) as Buffer;
      expect(shownThumb.equals(thumbBytes)).to.equal(true);
      const shownVideo = (await cast.user.downloadMedia(message, {})) as Buffer;
      expect(shownVideo.equals(readFileSync(video.path))).to.equal(true);
    });

    it('an interrupted upload resumes with only the parts Telegram has not confirmed', async () => {
      const bigPath = join(dir, 'big-result.bin');
      const bigBytes = seededBytes('courier media-files big result', 16 * MIB + 777);
      writeFileSync(bigPath, bigBytes);
      const totalParts = Math.ceil(bigBytes.length / (512 * 1024));
      const file: ResultFile = { path: bigPath, fileName: 'big-result.bin', mimeType: 'application/octet-stream', sendAs: 'document', sizeBytes: bigBytes.length };

      // First attempt: the job is cancelled (think SIGKILL) once 10 parts are confirmed.
      const confirmed: number[] = [];
      let fileId: string | undefined;
      const first = new AbortController();
      const failure = await files
        .sendFile(userChat, file, {
          randomId: 2001n,
          signal: first.signal,
          resume: {
            onPartConfirmed: (e) => {
              fileId = e.fileId;
              confirmed.push(e.part);
              if (confirmed.length === 10) first.abort();
            },
          },
        })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(failure).to.be.instanceOf(TransferCancelledError);
      expect(confirmed.length).to.be.within(10, totalParts - 1);

      // Second attempt with what the runner persisted: only the missing parts go out.
      const seen = nextMediaMessage(cast, 'user', 'the resumed upload');
      const resumedParts: number[] = [];
      const sent = await files.sendFile(userChat, file, {
        randomId: 2001n,
        signal: new AbortController().signal,
        resume: { fileId, confirmedParts: [...confirmed], onPartConfirmed: (e) => void resumedParts.push(e.part) },
      });
      const all = Array.from({ length: totalParts }, (_, i) => i);
      expect([...confirmed, ...resumedParts].sort((a, b) => a - b)).to.deep.equal(all);
      // What the emulator received under that file id: every part, and a confirmed one only once
      // (parts in flight when the first attempt stopped may arrive twice: they were never confirmed).
      const arrivals = accountsOf(cast.emu.emulator.world.db).files.partArrivals(BigInt(fileId!)).map((a) => a.part);
      expect([...new Set(arrivals)].sort((a, b) => a - b)).to.deep.equal(all);
      for (const part of confirmed) expect(arrivals.filter((p) => p === part), `part ${part}`).to.have.length(1);
      expect(resumedParts).to.have.length(totalParts - confirmed.length);
      const message = await seen;
      expect(message.id).to.equal(sent.messageId);
      const shown = (await cast.user.downloadMedia(message, {})) as Buffer;
      expect(sha256Hex(shown)).to.equal(sha256Hex(bigBytes));
    });

    it('a FLOOD_WAIT on one part pauses every part for the time Telegram asked, then the upload completes', async () => {
      const path = join(dir, 'flood.bin');
      const bytes = seededBytes('courier media-files flood', 12 * MIB);
      writeFileSync(path, bytes);
      cast.emu.emulator.world.faults.failMethod('upload.SaveBigFilePart', new RpcError(420, 'FLOOD_WAIT_3'), 1);
      let fileId = '';
      const seen = nextMediaMessage(cast, 'user', 'the upload after a flood wait');
      const sent = await files.sendFile(
        userChat,
        { path, fileName: 'flood.bin', mimeType: 'application/octet-stream', sendAs: 'document', sizeBytes: bytes.length },
        { randomId: 4001n, signal: new AbortController().signal, resume: { onPartConfirmed: (e) => void (fileId = e.fileId) } },
      );
      const times = accountsOf(cast.emu.emulator.world.db).files.partArrivals(BigInt(fileId)).map((a) => a.atMs);
      // The refused part was one of the first window, so the wait began within that window's first
      // arrivals. Parts already on the wire may land during the wait (late on a busy machine), but
      // none is sent until it is over: at most one window lands in its first 2.9 s. Without the
      // pause, all 24 parts would (loopback moves 12 MiB in well under a second).
      const totalParts = (12 * MIB) / (512 * 1024);
      expect(times).to.have.length(totalParts);
      const duringWait = times.filter((t) => t < times[0]! + 2900).length;
      expect(duringWait).to.be.at.most(DEFAULT_UPLOAD_WINDOW);
      expect(totalParts - duringWait, 'parts sent after the wait').to.be.at.least(totalParts - DEFAULT_UPLOAD_WINDOW);
      const message = await seen;
      expect(message.id).to.equal(sent.messageId);
      expect(sha256Hex((await cast.user.downloadMedia(message, {})) as Buffer)).to.equal(sha256Hex(bytes));
    });

    it('a stored result is sent again without uploading, and a repeat of that send counts as delivered', async () => {
      const first = await files.sendFile(userChat, video, { randomId: 3001n, signal: new AbortController().signal, resume: noResume });
      const seen = nextMediaMessage(cast, 'user', 'the re-used video');
      const before = traffic().partsSaved;
      const { path: _path, thumbPath: _thumb, ...attributes } = video;
      const again = await files.sendStored(userChat, first.stored!, attributes, { replyTo: incoming.id, randomId: 3002n });
      expect(traffic().partsSaved).to.equal(before);
      const message = await seen;
      expect(message.id).to.equal(again.messageId);
      expect(((message.media as Api.MessageMediaDocument).document as Api.Document).id.toString()).to.equal(first.stored!.id);
      const repeat = await files.sendStored(userChat, first.stored!, attributes, { replyTo: incoming.id, randomId: 3002n });
      expect(repeat).to.deep.equal({ messageId: null, duplicate: true });
    });
  });
});
