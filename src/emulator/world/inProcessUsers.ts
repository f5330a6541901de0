/**
 * Users who act without a client: the in-process half of load runs (bench load, catch-up), so a
 * benchmark can make thousands of users send messages and files and press buttons without one
 * MTProto connection each. Every action goes through the same world paths as the matching RPC
 * (messages.sendMessage, upload.saveFilePart + messages.sendMedia, messages.getBotCallbackAnswer):
 * the bot under test sees exactly what a real client's action would produce.
 *
 * SIMPLIFICATION: the parts of an in-process upload are stored under auth key id 0 (no client, so
 * no key); on Telegram every upload belongs to the uploading session's key.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Api } from 'telegram';
import { maybeAccountsOf } from './accountsSide/index.js';
import { MAX_PART_SIZE } from './accountsSide/files.js';
import type { PeerRef } from './chats.js';
import type { World } from './world.js';

export interface InProcessFile {
  bytes: Buffer;
  fileName: string;
  mimeType: string;
  attributes?: Api.TypeDocumentAttribute[];
}

/** Uploads `file` as `fromUserId` (saveFilePart in 512 KiB parts) and sends it to `peer` as a document message. */
export function sendFileAs(world: World, fromUserId: number, peer: PeerRef, file: InProcessFile, caption = ''): Api.TypeUpdates {
  const accounts = maybeAccountsOf(world.db);
  if (!accounts) throw new Error('sendFileAs needs the emulator’s accounts side (files) on this world');
  const fileId = randomBytes(8).readBigInt64LE();
  const parts = Math.max(1, Math.ceil(file.bytes.length / MAX_PART_SIZE));
  for (let part = 0; part < parts; part++) {
    accounts.files.savePart({ authKeyId: 0n, userId: fromUserId, fileId, part, bytes: file.bytes.subarray(part * MAX_PART_SIZE, (part + 1) * MAX_PART_SIZE) });
  }
  const attributes = [new Api.DocumentAttributeFilename({ fileName: file.fileName }), ...(file.attributes ?? [])];
  const media = world.resolveMedia(
    fromUserId,
    new Api.InputMediaUploadedDocument({
      file: new Api.InputFile({ id: fileId as unknown as Api.long, parts, name: file.fileName, md5Checksum: '' }),
      mimeType: file.mimeType,
      attributes,
    }),
  );
  return world.messages.send(fromUserId, peer, { text: caption, media });
}

/**
 * sendFileAs for a file on disk, read one 512 KiB part at a time (saveBigFilePart with its total),
 * so a benchmark can have a user send a file of gigabytes without holding it in memory.
 */
export function sendDiskFileAs(world: World, fromUserId: number, peer: PeerRef, file: Omit<InProcessFile, 'bytes'> & { path: string }, caption = ''): Api.TypeUpdates {
  const accounts = maybeAccountsOf(world.db);
  if (!accounts) throw new Error('sendDiskFileAs needs the emulator’s accounts side (files) on this world');
  const fileId = randomBytes(8).readBigInt64LE();
  const fd = openSync(file.path, 'r');
  let parts: number;
  try {
    const size = fstatSync(fd).size;
    parts = Math.max(1, Math.ceil(size / MAX_PART_SIZE));
    const buffer = Buffer.alloc(MAX_PART_SIZE);
    for (let part = 0; part < parts; part++) {
      const n = readSync(fd, buffer, 0, MAX_PART_SIZE, part * MAX_PART_SIZE);
      accounts.files.savePart({ authKeyId: 0n, userId: fromUserId, fileId, part, bytes: buffer.subarray(0, n), totalParts: parts });
    }
  } finally {
    closeSync(fd);
  }
  const attributes = [new Api.DocumentAttributeFilename({ fileName: file.fileName }), ...(file.attributes ?? [])];
  const media = world.resolveMedia(
    fromUserId,
    new Api.InputMediaUploadedDocument({
      file: new Api.InputFileBig({ id: fileId as unknown as Api.long, parts, name: file.fileName }),
      mimeType: file.mimeType,
      attributes,
    }),
  );
  return world.messages.send(fromUserId, peer, { text: caption, media });
}

/** Presses the callback button carrying `data` on message `msgId` (in the user's view); resolves with the bot's answer. */
export function pressButtonAs(world: World, userId: number, peer: PeerRef, msgId: number, data: Buffer): Promise<Api.messages.BotCallbackAnswer> {
  return world.callbacks.ask(userId, peer, msgId, data);
}
