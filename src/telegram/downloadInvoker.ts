/**
 * The GramJS side of src/transfer/download.ts: a `fetchChunk` that sends upload.getFile for one
 * file location. A file stored in another DC answers FILE_MIGRATE_X (core.telegram.org/api/files,
 * "Downloading files"); we then borrow a sender for DC X (GramJS exports the authorization) and
 * keep using it for later chunks. A CDN redirect is not supported and fails the download.
 */
import { Api, errors, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import type { MTProtoSender } from 'telegram/network/index.js';
import type { FetchChunk } from '../transfer/download.js';
import { TransferFatalError } from '../transfer/transferErrors.js';
import { toTransferError } from './uploadInvoker.js';

export interface GramChunkFetcher {
  fetchChunk: FetchChunk;
  /** The DC the file turned out to live in (after any FILE_MIGRATE_X). */
  dcId(): number;
}

export function gramChunkFetcher(
  client: TelegramClient,
  location: Api.TypeInputFileLocation,
  dcId: number = client.session.dcId,
): GramChunkFetcher {
  let currentDc = dcId;
  let sender: Promise<MTProtoSender> | undefined;
  const senderFor = () => (sender ??= client.getSender(currentDc));

  const fetchOnce = async (offset: number, limit: number) =>
    client.invokeWithSender(new Api.upload.GetFile({ location, offset: returnBigInt(offset), limit }), await senderFor());

  const fetchChunk: FetchChunk = async ({ offset, limit }) => {
    let result: Api.upload.TypeFile;
    try {
      try {
        result = await fetchOnce(offset, limit);
      } catch (error) {
        if (!(error instanceof errors.FileMigrateError)) throw error;
        // The first chunk to learn the DC moves everyone; later chunks use the new sender.
        if (currentDc !== error.newDc) {
          currentDc = error.newDc;
          sender = undefined;
        }
        result = await fetchOnce(offset, limit);
      }
    } catch (error) {
      throw toTransferError(error);
    }
    if (result instanceof Api.upload.FileCdnRedirect) {
      throw new TransferFatalError('Telegram redirected this download to a CDN, which Courier does not support yet.');
    }
    return result.bytes;
  };
  return { fetchChunk, dcId: () => currentDc };
}
