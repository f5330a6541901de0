/**
 * The GramJS side of src/transfer/upload.ts: turns a TelegramClient into a `sendPart` function
 * and an upload result into Api.InputFile / Api.InputFileBig.
 *
 * Connections: GramJS's `client.getSender(dcId)` hands out one extra "exported" sender per DC
 * (cached in client._exportedSenderPromises), so by default every part goes over that one
 * connection, as GramJS's own uploadFile does, leaving the main connection free for updates.
 * With `connections > 1` we open further senders to the same DC through GramJS's internal
 * `_createExportedSender` + `_connectSender` (the same calls getSender makes, minus the cache)
 * and spread parts over them round-robin; each has its own MTProto session on the same auth key.
 * These are private GramJS methods (2.26.22); the narrow interface below names what we rely on.
 *
 * Errors: FLOOD_WAIT_X becomes TransferFloodWaitError so the part window pauses as a whole; a
 * 400 (FILE_PART_SIZE_INVALID and friends) becomes TransferFatalError; the rest is retried.
 * Note that client.invoke itself sleeps on flood waits up to `floodSleepThreshold` (default
 * 60 s) before we ever see them; create the client with floodSleepThreshold: 0 to let the window
 * decide.
 */
import { Api, errors, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import type { MTProtoSender } from 'telegram/network/index.js';
import type { SendPart, UploadedFile } from '../transfer/upload.js';
import { TransferFatalError, TransferFloodWaitError } from '../transfer/transferErrors.js';

interface SenderInternals {
  _createExportedSender(dcId: number): MTProtoSender;
  _connectSender(sender: MTProtoSender, dcId: number): Promise<MTProtoSender>;
}

export interface GramUploadSender {
  sendPart: SendPart;
  /** Disconnects the extra connections this sender opened (not the shared one). */
  close(): Promise<void>;
}

/** Translates GramJS RPC errors into the transfer layer's error classes. */
export function toTransferError(error: unknown): unknown {
  if (error instanceof errors.FloodWaitError) return new TransferFloodWaitError(error.seconds, error);
  if (error instanceof errors.RPCError && error.code === 400) {
    return new TransferFatalError(`Telegram refused the request: ${error.errorMessage}.`, error);
  }
  return error;
}

export async function gramUploadSender(
  client: TelegramClient,
  options: { connections?: number } = {},
): Promise<GramUploadSender> {
  const dcId = client.session.dcId;
  const senders: MTProtoSender[] = [await client.getSender(dcId)];
  const extra: MTProtoSender[] = [];
  const internals = client as unknown as SenderInternals;
  for (let i = 1; i < (options.connections ?? 1); i++) {
    const sender = await internals._connectSender(internals._createExportedSender(dcId), dcId);
    extra.push(sender);
    senders.push(sender);
  }
  let next = 0;
  const sendPart: SendPart = async ({ fileId, part, totalParts, bytes, big }) => {
    const sender = senders[next++ % senders.length]!;
    const request = big
      ? new Api.upload.SaveBigFilePart({ fileId: returnBigInt(fileId), filePart: part, fileTotalParts: totalParts, bytes })
      : new Api.upload.SaveFilePart({ fileId: returnBigInt(fileId), filePart: part, bytes });
    let stored: boolean;
    try {
      stored = await client.invokeWithSender(request, sender);
    } catch (error) {
      throw toTransferError(error);
    }
    if (!stored) throw new Error(`Telegram did not store part ${part}; it will be sent again.`);
  };
  return {
    sendPart,
    close: async () => {
      await Promise.all(extra.map((sender) => sender.disconnect()));
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
