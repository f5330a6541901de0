/**
 * The GramJS side of src/transfer/download.ts: a `fetchChunk` that sends upload.getFile for one
 * file location.
 *
 * FILE_MIGRATE_X (core.telegram.org/api/files, "Downloading files"): a file stored in another DC
 * answers with the DC that holds it. We then borrow a sender for DC X (GramJS exports the
 * authorization with auth.exportAuthorization / importAuthorization) and keep using it for every
 * later chunk, including the ones already in flight when the answer came. The sandbox emulator has
 * a single DC, so this path is exercised by the unit test with a stubbed client, never end to end.
 *
 * FILE_REFERENCE_EXPIRED becomes a fatal TransferFatalError whose cause is a
 * FileReferenceExpiredError: retrying the same reference cannot help, and the caller (mediaFiles)
 * surfaces that error as it is. Requests go to the sender directly (sendFileRequest), so a
 * FLOOD_WAIT reaches the part window instead of being slept inside GramJS. A CDN redirect is not
 * supported (bots are not redirected to CDNs for files they can see) and fails the download.
 */
import { Api, errors, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import type { MTProtoSender } from 'telegram/network/index.js';
import type { FetchChunk } from '../../transfer/download.js';
import { TransferFatalError } from '../../transfer/transferErrors.js';
import { FileReferenceExpiredError } from './mediaErrors.js';
import { sendFileRequest, toTransferError } from './uploadInvoker.js';
import { rpcErrorCode } from '../rpc/rpcErrors.js';

export interface GramChunkFetcher {
  fetchChunk: FetchChunk;
  /** The DC the file turned out to live in (after any FILE_MIGRATE_X). */
  dcId(): number;
}

/** The part of TelegramClient this module uses (a stub in unit tests). */
export type SenderSource = Pick<TelegramClient, 'getSender'> & { session: { dcId: number } };

export function gramChunkFetcher(
  client: SenderSource,
  location: Api.TypeInputFileLocation,
  dcId: number = client.session.dcId,
  what = 'this file',
): GramChunkFetcher {
  let currentDc = dcId;
  // Borrowed for every chunk: GramJS drops a borrowed sender 30 s after its last borrow.
  const senderFor = (dc: number): Promise<MTProtoSender> => client.getSender(dc);

  const fetchOnce = async (offset: number, limit: number): Promise<Api.upload.TypeFile> => {
    const request = new Api.upload.GetFile({ location, offset: returnBigInt(offset), limit });
    // Main DC: the default sender of client.getSender(dcId) is GramJS's exported connection for it.
    return sendFileRequest(await senderFor(currentDc), request);
  };

  const fetchChunk: FetchChunk = async ({ offset, limit }) => {
    let result: Api.upload.TypeFile;
    try {
      try {
        result = await fetchOnce(offset, limit);
      } catch (error) {
        if (!(error instanceof errors.FileMigrateError)) throw error;
        // The first chunk to learn the DC moves everyone; later chunks use the new sender.
        currentDc = error.newDc;
        result = await fetchOnce(offset, limit);
      }
    } catch (error) {
      if (rpcErrorCode(error) === 'FILE_REFERENCE_EXPIRED') {
        const expired = new FileReferenceExpiredError(what, error);
        throw new TransferFatalError(expired.message, expired);
      }
      throw toTransferError(error);
    }
    if (result instanceof Api.upload.FileCdnRedirect) {
      throw new TransferFatalError('Telegram redirected this download to a CDN, which Courier does not support yet.');
    }
    return result.bytes;
  };
  return { fetchChunk, dcId: () => currentDc };
}
