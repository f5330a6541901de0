/**
 * src/telegram/files/: a job's media over MTProto. This file is TelegramFiles
 * (src/domain/mediaPorts.ts) over GramJS; downloadInvoker.ts and uploadInvoker.ts are the GramJS
 * sides of src/transfer/'s download and upload, over dedicated media connections (mediaSender.ts,
 * over a socket that does not re-copy its backlog, mediaSocket.ts) with faster AES-IGE (fastIge.ts); mediaMessage.ts and mediaRef.ts are the TL shapes of media
 * sent and received; mediaChunkJournal.ts makes downloads resumable; mediaErrors.ts names what a
 * job reports. Invariants: windows, retries and byte movement stay in src/transfer/, which knows
 * nothing of GramJS; every send carries the job's random_id, so a repeat is never a second message.
 *
 *
 * Downloads go through src/transfer/download.ts with a GramJS chunk fetcher (downloadInvoker.ts):
 * 1 MiB upload.getFile chunks in a sliding window of requests (no batch barrier) over several
 * media connections, asked of the file's own DC (the MediaRef's dcId; FILE_MIGRATE_X moves the
 * fetcher if that was wrong), each chunk written at its offset as it arrives, resumable through a
 * chunk journal beside the destination (mediaChunkJournal.ts). FILE_REFERENCE_EXPIRED ends the download
 * with FileReferenceExpiredError.
 *
 * Uploads go through src/transfer/upload.ts with a GramJS part sender (uploadInvoker.ts):
 * saveBigFilePart above 10 MB, a sliding window of parts, FLOOD_WAIT pausing the whole window, each
 * confirmed part handed to the job's UploadResume so a restart sends only the missing ones. Then
 * messages.sendMedia with the file's attributes and thumbnail (mediaMessage.ts), carrying the job's
 * random_id: a repeat after a crash is answered RANDOM_ID_DUPLICATE, which means delivered.
 *
 * Telegram forgets uploaded parts after a while (core.telegram.org/api/files: parts are kept for
 * "some time"); when sendMedia says FILE_PART_X_MISSING for a resumed upload, the file is uploaded
 * once more under a fresh file id.
 */
import { Api, type TelegramClient } from 'telegram';
import { RPCError } from 'telegram/errors/index.js';
import { returnBigInt } from 'telegram/Helpers.js';
import type { ChatRef } from '../../domain/chat.js';
import type { MediaRef } from '../../domain/media.js';
import type { SentMessage } from '../../domain/botPort.js';
import type { ResultFile, SentFile, StoredMedia, TelegramFiles, TransferProgress, UploadResume } from '../../domain/mediaPorts.js';
import { DOWNLOAD_CHUNK_SIZE, downloadFile } from '../../transfer/download.js';
import { TransferCancelledError } from '../../transfer/transferErrors.js';
import { uploadFile, type UploadedFile } from '../../transfer/upload.js';
import { withFloodWait } from '../rpc/floodWait.js';
import { resolveInputPeer } from '../rpc/inputPeer.js';
import { rpcErrorCode } from '../rpc/rpcErrors.js';
import { sentMessageId } from '../rpc/sentMessageId.js';
import { systemClock } from '../../transfer/runParts.js';
import { createUploadLimit } from './appConfig.js';
import { openGramChunkFetcher } from './downloadInvoker.js';
import { installFastIge } from './crypto/fastIge.js';
import { skipNoopGzip } from './crypto/mediaCrypto.js';
import { inlinePacketCrypto, threadPacketCrypto } from './crypto/cryptoPool.js';
import { openChunkJournal } from './mediaChunkJournal.js';
import { FileReferenceExpiredError, MediaSendError } from './mediaErrors.js';
import { inputLocationOf, sentMessageOf, storedInputMediaOf, storedMediaOfMessage, uploadedMediaOf } from './mediaMessage.js';
import { gramUploadSender, toGramInputFile } from './uploadInvoker.js';

/** Parts in flight per upload: enough to keep several connections busy; 16 x 512 KiB of buffers. */
export const DEFAULT_UPLOAD_WINDOW = 16;
/** Media connections per upload (each its own TCP stream, so one slow ack does not stall the rest). */
export const DEFAULT_UPLOAD_CONNECTIONS = 4;
/**
 * 1 MiB chunks in flight per download: 16 MiB of buffers at most, and enough requests outstanding
 * to fill a 150 ms round trip at about 100 MB/s (a window of W chunks moves at most W MiB per RTT).
 */
export const DEFAULT_DOWNLOAD_WINDOW = 16;
/** Media connections per download. */
export const DEFAULT_DOWNLOAD_CONNECTIONS = 4;

export interface TelegramFilesOptions {
  /** Upload parts in flight at once. Default DEFAULT_UPLOAD_WINDOW. */
  uploadWindow?: number;
  /** Connections to the DC carrying upload parts. Default DEFAULT_UPLOAD_CONNECTIONS. */
  uploadConnections?: number;
  /** Download chunks in flight at once. Default DEFAULT_DOWNLOAD_WINDOW. */
  downloadWindow?: number;
  /** Connections to the DC carrying download chunks. Default DEFAULT_DOWNLOAD_CONNECTIONS. */
  downloadConnections?: number;
  /** A FLOOD_WAIT on sendMedia longer than this fails the send. Default 60. */
  maxFloodWaitSeconds?: number;
  /** Receives the Updates of each sendMedia (their pts), as the bot port's sends do. */
  onUpdates?: (updates: Api.TypeUpdates) => void;
  /** For tests: how to wait out a FLOOD_WAIT on sendMedia. */
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * The transfer crypto thread's worker file (workers/transferCrypto.ts `filename`, passed by the
   * composition root): big packets of media connections are sealed and opened there, off the main
   * thread. Absent: on the main thread.
   */
  cryptoWorkerFile?: string;
  /** Told when help.getAppConfig failed (the last known upload limit is used meanwhile). */
  onAppConfigError?(error: unknown): void;
}

/** The first error in a cause chain that is an instance of `type`. */
function causeOf<T>(error: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  for (let e = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof type) return e;
  }
  return undefined;
}

export function createTelegramFiles(client: TelegramClient, options: TelegramFilesOptions = {}): TelegramFiles {
  const sleep = options.sleep ?? systemClock.sleep;
  const maxFloodWait = options.maxFloodWaitSeconds ?? 60;
  // Every MTProto message is AES-IGE; GramJS's JavaScript cipher would cap a download at ~40 MB/s
  // of main-thread CPU. Idempotent, and a drop-in for every connection of the client.
  installFastIge();
  // GramJS's gzip is a copy thrown away: three copies of every part for nothing (mediaCrypto.ts).
  skipNoopGzip();
  const crypto = options.cryptoWorkerFile ? threadPacketCrypto(options.cryptoWorkerFile) : inlinePacketCrypto;
  const uploadLimit = createUploadLimit({
    getAppConfig: (hash) => client.invoke(new Api.help.GetAppConfig({ hash })),
    now: () => Date.now(),
    ...(options.onAppConfigError ? { onError: options.onAppConfigError } : {}),
  });

  /** Sends messages.sendMedia, waiting out FLOOD_WAITs GramJS did not sleep itself; the same random_id makes a repeat safe. */
  async function sendMedia(chat: ChatRef, media: Api.TypeInputMedia, opts: { replyTo?: number; randomId: bigint; caption?: string; signal?: AbortSignal }): Promise<Api.TypeUpdates> {
    const peer = await resolveInputPeer(client, chat);
    const request = () =>
      new Api.messages.SendMedia({
        peer,
        media,
        message: opts.caption ?? '',
        randomId: returnBigInt(opts.randomId),
        ...(opts.replyTo !== undefined ? { replyTo: new Api.InputReplyToMessage({ replyToMsgId: opts.replyTo }) } : {}),
      });
    const result = await withFloodWait(
      () => {
        if (opts.signal?.aborted) throw new TransferCancelledError('sending the file');
        return client.invoke(request());
      },
      { maxWaitSeconds: maxFloodWait, sleep, ...(opts.signal ? { signal: opts.signal } : {}) },
    );
    // The answer carries the pts the send used: the update engine must see it, or the next
    // pushed update looks like a gap and costs a getDifference.
    options.onUpdates?.(result);
    return result;
  }

  /** A failed send: RANDOM_ID_DUPLICATE means an earlier attempt was delivered (true); a 400 becomes MediaSendError. */
  function duplicateOrThrow(error: unknown, fileName: string): true {
    const code = rpcErrorCode(error);
    if (code === 'RANDOM_ID_DUPLICATE') return true;
    if (error instanceof RPCError && error.code === 400 && code) throw new MediaSendError(fileName, code, error);
    throw error;
  }

  async function uploadWithResume(file: ResultFile, resume: UploadResume, signal: AbortSignal, onProgress?: (p: TransferProgress) => void, fresh = false): Promise<{ main: UploadedFile; thumb?: UploadedFile }> {
    const sender = await gramUploadSender(client, { connections: options.uploadConnections ?? DEFAULT_UPLOAD_CONNECTIONS, crypto });
    try {
      const resumeFrom = !fresh && resume.fileId !== undefined ? { fileId: resume.fileId, confirmedParts: resume.confirmedParts ?? [] } : {};
      const main = await uploadFile({
        sendPart: sender.sendPart,
        filePath: file.path,
        name: file.fileName,
        ...(file.byteRange ? { range: file.byteRange } : {}),
        maxParts: await uploadLimit.maxParts(),
        ...resumeFrom,
        onPartConfirmed: (event) => resume.onPartConfirmed(event),
        ...(onProgress ? { onProgress: (p) => onProgress({ doneBytes: p.confirmedBytes, totalBytes: p.totalBytes }) } : {}),
        windowSize: options.uploadWindow ?? DEFAULT_UPLOAD_WINDOW,
        signal,
      });
      // The thumbnail is small (one saveFilePart) and cheap to send again, so it is not journalled.
      const thumb = file.thumbPath && file.sendAs !== 'photo' ? await uploadFile({ sendPart: sender.sendPart, filePath: file.thumbPath, name: 'thumb.jpg', signal }) : undefined;
      return thumb ? { main, thumb } : { main };
    } finally {
      await sender.close();
    }
  }

  return {
    async download(media: MediaRef, destination: string, opts: { signal: AbortSignal; onProgress?(progress: TransferProgress): void }): Promise<void> {
      const what = media.fileName ? `"${media.fileName}"` : `this ${media.kind}`;
      const journal = await openChunkJournal(destination, media.sizeBytes, DOWNLOAD_CHUNK_SIZE);
      const fetcher = await openGramChunkFetcher(client, inputLocationOf(media.location), media.location.dcId, what, options.downloadConnections ?? DEFAULT_DOWNLOAD_CONNECTIONS, crypto);
      try {
        await downloadFile({
          fetchChunk: fetcher.fetchChunk,
          destPath: destination,
          size: media.sizeBytes,
          completedChunks: journal.completed,
          onChunkCompleted: (chunk) => journal.record(chunk),
          ...(opts.onProgress ? { onProgress: (p) => opts.onProgress!({ doneBytes: p.completedBytes, totalBytes: p.totalBytes }) } : {}),
            windowSize: options.downloadWindow ?? DEFAULT_DOWNLOAD_WINDOW,
          signal: opts.signal,
        });
      } catch (error) {
        throw causeOf(error, FileReferenceExpiredError) ?? error;
      } finally {
        await fetcher.close();
      }
      await journal.finish();
    },

    async sendFile(chat, file, opts): Promise<SentFile> {
      let uploaded = await uploadWithResume(file, opts.resume, opts.signal, opts.onProgress);
      const send = () => sendMedia(chat, uploadedMediaOf(file, toGramInputFile(uploaded.main), uploaded.thumb && toGramInputFile(uploaded.thumb)), { ...opts });
      let result: Api.TypeUpdates;
      try {
        try {
          result = await send();
        } catch (error) {
          // Parts of a resumed upload expired on Telegram's side: upload everything again, once.
          if (!/^FILE_PART_\d+_MISSING$/.test(rpcErrorCode(error) ?? '') || opts.resume.fileId === undefined) throw error;
          uploaded = await uploadWithResume(file, opts.resume, opts.signal, opts.onProgress, true);
          result = await send();
        }
      } catch (error) {
        duplicateOrThrow(error, file.fileName);
        return { messageId: null, duplicate: true, stored: null };
      }
      const message = sentMessageOf(result);
      return {
        messageId: sentMessageId(result, opts.randomId),
        duplicate: false,
        stored: message ? storedMediaOfMessage(message) : null,
      };
    },

    maxUploadBytes: () => uploadLimit.maxBytes(),

    async sendStored(chat: ChatRef, stored: StoredMedia, file: Omit<ResultFile, 'path' | 'thumbPath'>, opts: { replyTo?: number; randomId: bigint; caption?: string }): Promise<SentMessage> {
      try {
        const result = await sendMedia(chat, storedInputMediaOf(stored), opts);
        return { messageId: sentMessageId(result, opts.randomId), duplicate: false };
      } catch (error) {
        duplicateOrThrow(error, file.fileName);
        return { messageId: null, duplicate: true };
      }
    },
  };
}

export { FileReferenceExpiredError, MediaSendError };
