/**
 * The GramJS side of src/transfer/download.ts: a `fetchChunk` that sends upload.getFile for one
 * file location, spread over several connections.
 *
 * Connections: a file in the session's own DC is fetched over `connections` dedicated media
 * connections (mediaSender.ts: abridged transport, no per-packet CRC32, their own MTProto
 * sessions), each chunk going to the connection with the fewest chunks in flight, so one
 * connection's slow answer never holds back the others and the transfer window
 * (src/transfer/partWindow.ts) keeps every connection busy without a batch barrier. Answers are
 * decrypted by GramJS through fastIge.ts (installed by mediaFiles.ts), not its JavaScript AES-IGE.
 *
 * FILE_MIGRATE_X (core.telegram.org/api/files, "Downloading files"): a file stored in another DC
 * answers with the DC that holds it. We then borrow GramJS's sender for DC X (client.getSender,
 * which exports the authorization with auth.exportAuthorization / importAuthorization) and keep
 * using it for every later chunk, including the ones already in flight when the answer came; the
 * media connections serve only the session's DC. The sandbox emulator has a single DC, so this
 * path is exercised by the unit test with a stubbed client, never end to end.
 *
 * FILE_REFERENCE_EXPIRED becomes a fatal TransferFatalError whose cause is a
 * FileReferenceExpiredError: retrying the same reference cannot help, and the caller (mediaFiles)
 * surfaces that error as it is. Requests go to the sender directly (sendFileRequest), so a
 * FLOOD_WAIT reaches the part window (TransferFloodWaitError) instead of being slept inside
 * GramJS. A CDN redirect is not supported (bots are not redirected to CDNs for files they can see)
 * and fails the download.
 */
import { Api, errors, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import type { MTProtoSender } from 'telegram/network/index.js';
import type { FetchChunk } from '../../transfer/download.js';
import { TransferFatalError } from '../../transfer/transferErrors.js';
import { FileReferenceExpiredError } from './mediaErrors.js';
import { openMediaSender } from './mediaSender.js';
import type { PacketCrypto } from './crypto/cryptoPool.js';
import { sendFileRequest, toTransferError } from './uploadInvoker.js';
import { rpcErrorCode } from '../rpc/rpcErrors.js';

export interface GramChunkFetcher {
  fetchChunk: FetchChunk;
  /** The DC the file turned out to live in (after any FILE_MIGRATE_X). */
  dcId(): number;
  /** Disconnects the media connections this fetcher opened (never GramJS's borrowed ones). */
  close(): Promise<void>;
}

/** The part of TelegramClient this module uses (a stub in unit tests). */
export type SenderSource = Pick<TelegramClient, 'getSender'> & { session: { dcId: number } };

export interface GramChunkFetcherOptions {
  /** Connections of the session's DC to spread chunks over; none: GramJS's borrowed sender. */
  mediaSenders?: readonly MTProtoSender[];
  /** Called by close() to disconnect the media senders. */
  closeSenders?(): Promise<void>;
}

/** The media sender with the fewest requests in flight (the first one on a tie). */
export class LeastBusy<T> {
  private readonly load: number[];
  constructor(private readonly items: readonly T[]) {
    this.load = items.map(() => 0);
  }
  /** Runs `task` on the least busy item, counting it busy until `task` settles. */
  async run<R>(task: (item: T) => Promise<R>): Promise<R> {
    let best = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[best]!) best = i;
    this.load[best]!++;
    try {
      return await task(this.items[best]!);
    } finally {
      this.load[best]!--;
    }
  }
  loads(): readonly number[] {
    return this.load;
  }
}

export function gramChunkFetcher(
  client: SenderSource,
  location: Api.TypeInputFileLocation,
  dcId: number = client.session.dcId,
  what = 'this file',
  options: GramChunkFetcherOptions = {},
): GramChunkFetcher {
  let currentDc = dcId;
  const media = options.mediaSenders?.length ? new LeastBusy(options.mediaSenders) : undefined;
  const homeDc = client.session.dcId;

  const fetchOnce = async (offset: number, limit: number): Promise<Api.upload.TypeFile> => {
    const request = new Api.upload.GetFile({ location, offset: returnBigInt(offset), limit });
    if (media && currentDc === homeDc) return media.run((sender) => sendFileRequest(sender, request));
    // Another DC (or no media connections): GramJS's borrowed sender, dropped 30 s after its last borrow.
    return sendFileRequest(await client.getSender(currentDc), request);
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
  return { fetchChunk, dcId: () => currentDc, close: async () => options.closeSenders?.() };
}

/**
 * A fetcher for a file in `dcId`: over `connections` fresh media connections when the file is in
 * the session's DC, else (or when they cannot be opened) over GramJS's borrowed sender.
 */
export async function openGramChunkFetcher(
  client: TelegramClient,
  location: Api.TypeInputFileLocation,
  dcId: number,
  what: string,
  connections: number,
  crypto?: PacketCrypto,
): Promise<GramChunkFetcher> {
  const senders: MTProtoSender[] = [];
  if (dcId === client.session.dcId) {
    try {
      for (let i = 0; i < connections; i++) senders.push(await openMediaSender(client, crypto));
    } catch {
      // Fewer connections (or the borrowed one) still download; the window retries what fails.
    }
  }
  const closeSenders = async () => {
    await Promise.allSettled(senders.map((sender) => sender.disconnect()));
  };
  return gramChunkFetcher(client, location, dcId, what, { mediaSenders: senders, closeSenders });
}
