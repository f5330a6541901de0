/**
 * The GramJS side of src/transfer/upload.ts: turns a TelegramClient into a `sendPart` function
 * and an upload result into Api.InputFile / Api.InputFileBig.
 *
 * Connections: an upload opens `connections` dedicated media connections to the session's DC
 * (mediaSender.ts: abridged transport, no per-packet CRC32, never dropped by GramJS mid-upload),
 * spreads parts over them round-robin and closes them at the end, leaving the main connection
 * free for updates and replies. Each has its own MTProto session on the same auth key.
 *
 * Errors: FLOOD_WAIT_X becomes TransferFloodWaitError so the part window pauses as a whole; a
 * 400 (FILE_PART_SIZE_INVALID and friends) becomes TransferFatalError; the rest is retried.
 * Parts go straight to the sender (`sender.send`, as GramJS's own uploadFile does) rather than
 * through client.invoke, whose retry loop sleeps on any FLOOD_WAIT up to the client's
 * `floodSleepThreshold` with one part's buffer held and the other parts still pouring in; the
 * part window pauses all parts at once instead (src/transfer/partWindow.ts).
 */
import { Api, errors, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import type { MTProtoSender } from 'telegram/network/index.js';
import type { SendPart, UploadedFile } from '../../transfer/upload.js';
import { TransferFatalError, TransferFloodWaitError } from '../../transfer/transferErrors.js';
import { openMediaSender } from './mediaSender.js';
import type { PacketCrypto } from './crypto/cryptoPool.js';
import { floodWaitSeconds } from '../rpc/floodWait.js';

export interface GramUploadSender {
  sendPart: SendPart;
  /** Disconnects the extra connections this sender opened (not the shared one). */
  close(): Promise<void>;
}

/** Translates GramJS RPC errors into the transfer layer's error classes. */
export function toTransferError(error: unknown): unknown {
  const floodSeconds = floodWaitSeconds(error);
  if (floodSeconds !== null) return new TransferFloodWaitError(floodSeconds, error);
  if (error instanceof errors.RPCError && error.code === 400) {
    return new TransferFatalError(`Telegram refused the request: ${error.errorMessage}.`, error);
  }
  return error;
}

/**
 * Sends one file request (upload.saveFilePart / saveBigFilePart / getFile) on `sender` without
 * client.invoke's flood-sleep and retry loop: the transfer's part window decides about retries.
 */
export async function sendFileRequest<R extends Api.AnyRequest>(sender: MTProtoSender, request: R): Promise<R['__response']> {
  const pending = sender.send(request);
  if (!pending) throw new Error(`GramJS did not queue ${request.className}; the connection is closing. The part will be sent again.`);
  return (await pending) as R['__response'];
}

/**
 * Lets one part into GramJS per turn of the event loop. GramJS serialises and encrypts a queued
 * request in the microtasks right after `sender.send`, and drains its whole queue that way, so a
 * window of parts handed over at once would run back to back (hundreds of ms with 16 parts of
 * 512 KiB) before any timer, socket or other user's update gets a turn. One part per setImmediate
 * bounds that to one part's work, and costs nothing while the loop is otherwise idle.
 */
export function macrotaskPacer(): () => Promise<void> {
  let last = Promise.resolve();
  return () => {
    const turn = last.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    last = turn;
    return turn;
  };
}

export async function gramUploadSender(
  client: TelegramClient,
  options: { connections?: number; crypto?: PacketCrypto } = {},
): Promise<GramUploadSender> {
  const senders: MTProtoSender[] = [];
  try {
    for (let i = 0; i < Math.max(1, options.connections ?? 1); i++) senders.push(await openMediaSender(client, options.crypto));
  } catch (error) {
    await Promise.allSettled(senders.map((sender) => sender.disconnect()));
    throw error;
  }
  let next = 0;
  const pace = macrotaskPacer();
  const sendPart: SendPart = async ({ fileId, part, totalParts, bytes, big }) => {
    await pace();
    const request = big
      ? new Api.upload.SaveBigFilePart({ fileId: returnBigInt(fileId), filePart: part, fileTotalParts: totalParts, bytes })
      : new Api.upload.SaveFilePart({ fileId: returnBigInt(fileId), filePart: part, bytes });
    let stored: boolean;
    try {
      stored = await sendFileRequest(senders[next++ % senders.length]!, request);
    } catch (error) {
      throw toTransferError(error);
    }
    if (!stored) throw new Error(`Telegram did not store part ${part}; it will be sent again.`);
  };
  return {
    sendPart,
    close: async () => {
      await Promise.allSettled(senders.map((sender) => sender.disconnect()));
    },
  };
}

/** The InputFile to pass to messages.sendMedia / InputMediaUploadedDocument. */
export function toGramInputFile(uploaded: UploadedFile): Api.InputFile | Api.InputFileBig {
  const id = returnBigInt(uploaded.id);
  return uploaded.big
    ? new Api.InputFileBig({ id, parts: uploaded.parts, name: uploaded.name })
    : new Api.InputFile({ id, parts: uploaded.parts, name: uploaded.name, md5Checksum: uploaded.md5 ?? '' });
}
