/**
 * Uploaded files and stored documents (core.telegram.org/api/files).
 *
 * Upload parts land on disk, not in SQLite: each (auth key, file_id) upload is one sparse file
 * under DATA_DIR/uploads/, part N written at N * 512 KiB with a positioned write, so parts may
 * arrive in any order and in parallel. SQLite only records which parts arrived and their sizes.
 * Using the file in a message (InputMediaUploaded*) checks the parts and commits them into a
 * document under DATA_DIR/files/, read back by upload.getFile with positioned reads.
 *
 * A document's thumbnail (InputMediaUploadedDocument.thumb) is committed the same way into a
 * hidden blob and listed in document.thumbs as one PhotoSize of type "m"; upload.getFile serves it
 * for an InputDocumentFileLocation whose thumb_size is "m". SIMPLIFICATION: Telegram re-encodes
 * thumbnails and offers several sizes (core.telegram.org/api/files#image-thumbnail-types); the
 * emulator keeps the uploaded JPEG as it is and reads its dimensions from the JPEG header.
 */
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Api } from 'telegram';
import { RpcError } from '../../contract.js';
import { long, num, readTl, type Db } from '../db.js';

/** The largest part (512 KiB); also the stride of parts in an upload's sparse file. */
export const MAX_PART_SIZE = 524288;
/**
 * Most parts in one file by default (file_part 0..3999; core.telegram.org/api/files#uploading-files).
 * The store takes the live limit of each account as a function (world limits.uploadMaxFileparts,
 * or uploadMaxFilepartsPremium for a Premium account, as help.getAppConfig reports them), so a
 * test can lower it.
 */
export const MAX_PARTS = 4000;
const MIB = 1048576;

export interface StoredThumb {
  /** The blob holding the thumbnail's bytes (a documents row of kind "thumb"). */
  blobId: bigint;
  size: number;
  w: number;
  h: number;
}

export interface StoredDocument {
  id: bigint;
  accessHash: bigint;
  kind: 'document' | 'photo';
  mimeType: string;
  size: number;
  date: number;
  attributes: Api.TypeDocumentAttribute[];
  thumb?: StoredThumb;
}

/** The size type under which a document's one thumbnail is listed and fetched. */
export const THUMB_TYPE = 'm';

/** What the store has received and served since it was opened (tests check resumes with it). */
export interface FileTraffic {
  /** upload.saveFilePart and saveBigFilePart calls that stored a part. */
  partsSaved: number;
  /** upload.getFile calls answered. */
  chunksServed: number;
}

/** Parts received per file_id, in arrival order with the world's time (a resend shows up twice); in memory, since the store opened. */
export type PartArrivals = (fileId: bigint) => { part: number; atMs: number }[];

/** Width and height from a baseline or progressive JPEG's SOF marker; 0 x 0 when not found. */
export function jpegDimensions(head: Buffer): { w: number; h: number } {
  if (head.length < 4 || head[0] !== 0xff || head[1] !== 0xd8) return { w: 0, h: 0 };
  let at = 2;
  while (at + 9 <= head.length) {
    if (head[at] !== 0xff) return { w: 0, h: 0 };
    const marker = head[at + 1]!;
    const length = head.readUInt16BE(at + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { h: head.readUInt16BE(at + 5), w: head.readUInt16BE(at + 7) };
    }
    at += 2 + length;
  }
  return { w: 0, h: 0 };
}

/** A part size is valid when it divides 512 KiB and is a multiple of 1 KiB (the last part may be shorter). */
export const isValidPartSize = (n: number): boolean => n > 0 && n % 1024 === 0 && MAX_PART_SIZE % n === 0;

const ZEROS = Buffer.alloc(MAX_PART_SIZE);

function isZeros(bytes: Uint8Array): boolean {
  return bytes.length <= ZEROS.length && ZEROS.subarray(0, bytes.length).equals(bytes);
}

export function initFilesSchema(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS upload_parts (
      auth_key_id INTEGER NOT NULL,
      file_id INTEGER NOT NULL,
      user_id INTEGER NOT NULL,
      part INTEGER NOT NULL,
      size INTEGER NOT NULL,
      total_parts INTEGER,
      PRIMARY KEY (auth_key_id, file_id, part)
    );
    CREATE INDEX IF NOT EXISTS upload_parts_user ON upload_parts (user_id, file_id);
    CREATE TABLE IF NOT EXISTS document_thumbs (
      document_id INTEGER PRIMARY KEY,
      blob_id INTEGER NOT NULL,
      size INTEGER NOT NULL,
      w INTEGER NOT NULL,
      h INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS documents (
      id INTEGER PRIMARY KEY,
      access_hash INTEGER NOT NULL,
      kind TEXT NOT NULL,
      owner_id INTEGER NOT NULL,
      mime_type TEXT NOT NULL,
      size INTEGER NOT NULL,
      date INTEGER NOT NULL,
      attributes TEXT NOT NULL
    );
  `);
}

export interface SavePart {
  authKeyId: bigint;
  userId: number;
  fileId: bigint;
  part: number;
  bytes: Buffer;
  /** saveBigFilePart's file_total_parts; undefined for saveFilePart. */
  totalParts?: number;
}

export interface FileStore {
  savePart(p: SavePart): void;
  /** Checks an uploaded InputFile/InputFileBig of `ownerId` and turns it into a stored document. */
  commitUpload(
    ownerId: number,
    file: Api.TypeInputFile,
    kind: StoredDocument['kind'],
    mimeType: string,
    attributes: Api.TypeDocumentAttribute[],
    thumb?: Api.TypeInputFile,
  ): StoredDocument;
  traffic(): FileTraffic;
  partArrivals: PartArrivals;
  find(id: bigint, accessHash: bigint): StoredDocument | undefined;
  getFile(req: Api.upload.GetFile): Api.upload.File;
  toApiDocument(d: StoredDocument): Api.Document;
  toApiPhoto(d: StoredDocument): Api.Photo;
}

interface DocRow {
  id: bigint;
  access_hash: bigint;
  kind: string;
  mime_type: string;
  size: bigint;
  date: bigint;
  attributes: string;
}

const FILE_REFERENCE = Buffer.from('courier-emulator');

export function createFileStore(db: Db, nowMs: () => number, maxParts: (userId: number) => number = () => MAX_PARTS): FileStore {
  initFilesSchema(db);
  const dataDir = dirname(db.name);
  const uploadsDir = join(dataDir, 'uploads');
  const filesDir = join(dataDir, 'files');
  mkdirSync(uploadsDir, { recursive: true });
  mkdirSync(filesDir, { recursive: true });
  const uploadPath = (authKeyId: bigint, fileId: bigint): string => join(uploadsDir, `${BigInt.asUintN(64, authKeyId)}-${BigInt.asUintN(64, fileId)}.part`);
  const docPath = (id: bigint): string => join(filesDir, `${id}.bin`);

  const putPart = db.prepare(
    'INSERT OR REPLACE INTO upload_parts (auth_key_id, file_id, user_id, part, size, total_parts) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const latestUpload = db
    .prepare<[number, bigint], { auth_key_id: bigint }>('SELECT auth_key_id FROM upload_parts WHERE user_id = ? AND file_id = ? ORDER BY rowid DESC LIMIT 1')
    .safeIntegers(true);
  const partsOf = db.prepare<[bigint, bigint], { part: number; size: number; total_parts: number | null }>(
    'SELECT part, size, total_parts FROM upload_parts WHERE auth_key_id = ? AND file_id = ? ORDER BY part',
  );
  const dropParts = db.prepare<[bigint, bigint]>('DELETE FROM upload_parts WHERE auth_key_id = ? AND file_id = ?');
  const insertDoc = db.prepare('INSERT INTO documents (id, access_hash, kind, owner_id, mime_type, size, date, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const docById = db.prepare<[bigint], DocRow>('SELECT * FROM documents WHERE id = ?').safeIntegers(true);
  const putThumb = db.prepare('INSERT OR REPLACE INTO document_thumbs (document_id, blob_id, size, w, h) VALUES (?, ?, ?, ?, ?)');
  const thumbOf = db
    .prepare<[bigint], { blob_id: bigint; size: bigint; w: bigint; h: bigint }>('SELECT blob_id, size, w, h FROM document_thumbs WHERE document_id = ?')
    .safeIntegers(true);
  const traffic: FileTraffic = { partsSaved: 0, chunksServed: 0 };
  const arrivals = new Map<bigint, { part: number; atMs: number }[]>();

  const toDoc = (r: DocRow): StoredDocument => {
    const doc: StoredDocument = {
      id: r.id,
      accessHash: r.access_hash,
      kind: r.kind === 'photo' ? 'photo' : 'document',
      mimeType: r.mime_type,
      size: Number(r.size),
      date: Number(r.date),
      attributes: (JSON.parse(r.attributes) as string[]).map((b) => readTl<Api.TypeDocumentAttribute>(Buffer.from(b, 'base64'))),
    };
    const t = thumbOf.get(r.id);
    if (t) doc.thumb = { blobId: t.blob_id, size: Number(t.size), w: Number(t.w), h: Number(t.h) };
    return doc;
  };

  const find = (id: bigint, accessHash: bigint): StoredDocument | undefined => {
    const r = docById.get(id);
    // Thumbnail blobs are reachable only through their document.
    return r && r.kind !== 'thumb' && r.access_hash === accessHash ? toDoc(r) : undefined;
  };

  /** Checks the parts of an uploaded file and moves them into DATA_DIR/files/ID.bin; returns the new id and size. */
  const commitParts = (ownerId: number, file: Api.TypeInputFile): { id: bigint; size: number } => {
    if (!(file instanceof Api.InputFile) && !(file instanceof Api.InputFileBig)) throw new RpcError(400, 'FILE_PARTS_INVALID');
    const fileId = BigInt.asIntN(64, BigInt(file.id.toString()));
    const partCount = file.parts;
    const up = latestUpload.get(ownerId, fileId);
    if (!up) throw new RpcError(400, 'FILE_PART_0_MISSING');
    const parts = partsOf.all(up.auth_key_id, fileId);
    if (!Number.isInteger(partCount) || partCount < 1 || partCount > maxParts(ownerId)) throw new RpcError(400, 'FILE_PARTS_INVALID');
    if (file instanceof Api.InputFileBig && parts.some((r) => r.total_parts !== partCount)) throw new RpcError(400, 'FILE_PARTS_INVALID');
    const sizes: number[] = [];
    for (let i = 0; i < partCount; i++) {
      const r = parts.find((x) => x.part === i);
      if (!r) throw new RpcError(400, `FILE_PART_${i}_MISSING`);
      sizes.push(r.size);
    }
    const partSize = sizes[0]!;
    const last = sizes[partCount - 1]!;
    if (partCount > 1 && !isValidPartSize(partSize)) throw new RpcError(400, 'FILE_PART_SIZE_INVALID');
    if (sizes.slice(0, -1).some((s) => s !== partSize) || last > partSize) throw new RpcError(400, 'FILE_PART_SIZE_CHANGED');
    const size = partSize * (partCount - 1) + last;

    const id = randomBytes(8).readBigUInt64LE() >> 1n || 1n;
    const src = uploadPath(up.auth_key_id, fileId);
    const dst = docPath(id);
    if (partSize === MAX_PART_SIZE || partCount === 1) {
      // The parts already sit contiguously at their final offsets.
      renameSync(src, dst);
      const fd = openSync(dst, 'r+');
      try {
        ftruncateSync(fd, size);
      } finally {
        closeSync(fd);
      }
    } else {
      // Smaller parts: move each from its 512 KiB slot to part * partSize.
      const inFd = openSync(src, 'r');
      const outFd = openSync(dst, 'w', 0o600);
      try {
        const buf = Buffer.alloc(partSize);
        for (let i = 0; i < partCount; i++) {
          const n = readSync(inFd, buf, 0, sizes[i]!, i * MAX_PART_SIZE);
          writeSync(outFd, buf, 0, n, i * partSize);
        }
        // A part of zeros was never written (a hole, see savePart): the size still counts it.
        ftruncateSync(outFd, size);
      } finally {
        closeSync(inFd);
        closeSync(outFd);
      }
      rmSync(src, { force: true });
    }
    dropParts.run(up.auth_key_id, fileId);
    return { id, size };
  };

  const readHead = (id: bigint, max: number): Buffer => {
    const fd = openSync(docPath(id), 'r');
    try {
      const buf = Buffer.alloc(max);
      return buf.subarray(0, readSync(fd, buf, 0, max, 0));
    } finally {
      closeSync(fd);
    }
  };

  return {
    savePart(p) {
      if (!Number.isInteger(p.part) || p.part < 0 || p.part >= maxParts(p.userId)) throw new RpcError(400, 'FILE_PART_INVALID');
      if (p.bytes.length === 0) throw new RpcError(400, 'FILE_PART_EMPTY');
      if (p.bytes.length > MAX_PART_SIZE) throw new RpcError(400, 'FILE_PART_TOO_BIG');
      if (p.totalParts !== undefined) {
        if (!Number.isInteger(p.totalParts) || p.totalParts < 1 || p.totalParts > maxParts(p.userId)) throw new RpcError(400, 'FILE_PARTS_INVALID');
        if (p.part >= p.totalParts) throw new RpcError(400, 'FILE_PART_INVALID');
        // Only the last part may have a size that does not divide 512 KiB.
        if (p.part < p.totalParts - 1 && !isValidPartSize(p.bytes.length)) throw new RpcError(400, 'FILE_PART_SIZE_INVALID');
      }
      const fd = openSync(uploadPath(p.authKeyId, p.fileId), constants.O_RDWR | constants.O_CREAT, 0o600);
      try {
        // Storage only (invisible to clients): a part of zeros is left as a hole, which reads back
        // as zeros once the file is assembled and truncated to its size. The big-file tests send
        // sparse gigabytes; this keeps them from filling the disk.
        if (!isZeros(p.bytes)) writeSync(fd, p.bytes, 0, p.bytes.length, p.part * MAX_PART_SIZE);
      } finally {
        closeSync(fd);
      }
      // Stored as signed int64 (auth key ids arrive unsigned from the protocol half).
      putPart.run(BigInt.asIntN(64, p.authKeyId), BigInt.asIntN(64, p.fileId), p.userId, p.part, p.bytes.length, p.totalParts ?? null);
      traffic.partsSaved++;
      const fileKey = BigInt.asIntN(64, p.fileId);
      if (!arrivals.has(fileKey)) arrivals.set(fileKey, []);
      arrivals.get(fileKey)!.push({ part: p.part, atMs: nowMs() });
    },

    partArrivals: (fileId) => [...(arrivals.get(BigInt.asIntN(64, fileId)) ?? [])],

    traffic: () => ({ ...traffic }),

    commitUpload(ownerId, file, kind, mimeType, attributes, thumb) {
      if (!(file instanceof Api.InputFile) && !(file instanceof Api.InputFileBig)) throw new RpcError(400, 'FILE_PARTS_INVALID');
      const { id, size } = commitParts(ownerId, file);
      const attrs = [...attributes];
      if (kind === 'document' && !attrs.some((a) => a instanceof Api.DocumentAttributeFilename) && file.name) {
        attrs.push(new Api.DocumentAttributeFilename({ fileName: file.name }));
      }
      const date = Math.floor(nowMs() / 1000);
      const accessHash = randomBytes(8).readBigInt64LE();
      const encoded = JSON.stringify(attrs.map((a) => a.getBytes().toString('base64')));
      insertDoc.run(id, accessHash, kind, ownerId, mimeType, size, date, encoded);
      const stored: StoredDocument = { id, accessHash, kind, mimeType, size, date, attributes: attrs };
      if (thumb && kind === 'document') {
        const blob = commitParts(ownerId, thumb);
        insertDoc.run(blob.id, 0n, 'thumb', ownerId, 'image/jpeg', blob.size, date, '[]');
        const { w, h } = jpegDimensions(readHead(blob.id, 65536));
        putThumb.run(id, blob.id, blob.size, w, h);
        stored.thumb = { blobId: blob.id, size: blob.size, w, h };
      }
      return stored;
    },

    find,

    getFile(req) {
      const loc = req.location;
      if (!(loc instanceof Api.InputDocumentFileLocation) && !(loc instanceof Api.InputPhotoFileLocation)) throw new RpcError(400, 'LOCATION_INVALID');
      const found = find(BigInt(loc.id.toString()), BigInt(loc.accessHash.toString()));
      if (!found) throw new RpcError(400, 'LOCATION_INVALID');
      let doc: { id: bigint; size: number; date: number } = found;
      if (loc instanceof Api.InputDocumentFileLocation && loc.thumbSize) {
        // A thumbnail of the document (core.telegram.org/constructor/inputDocumentFileLocation).
        if (loc.thumbSize !== THUMB_TYPE || !found.thumb) throw new RpcError(400, 'LOCATION_INVALID');
        doc = { id: found.thumb.blobId, size: found.thumb.size, date: found.date };
      }
      const offset = num(req.offset);
      const limit = req.limit;
      // core.telegram.org/api/files#downloading-files
      if (req.precise) {
        if (offset < 0 || offset % 1024 !== 0) throw new RpcError(400, 'OFFSET_INVALID');
        if (limit <= 0 || limit % 1024 !== 0 || limit > MIB) throw new RpcError(400, 'LIMIT_INVALID');
      } else {
        if (offset < 0 || offset % 4096 !== 0) throw new RpcError(400, 'OFFSET_INVALID');
        if (limit <= 0 || limit % 4096 !== 0 || MIB % limit !== 0) throw new RpcError(400, 'LIMIT_INVALID');
        if (Math.floor(offset / MIB) !== Math.floor((offset + limit - 1) / MIB)) throw new RpcError(400, 'LIMIT_INVALID');
      }
      const want = Math.max(0, Math.min(limit, doc.size - offset));
      const bytes = Buffer.alloc(want);
      if (want > 0) {
        const fd = openSync(docPath(doc.id), 'r');
        try {
          if (fstatSync(fd).size < doc.size) throw new Error(`document ${doc.id} is shorter on disk than recorded; the data dir was modified`);
          let got = 0;
          while (got < want) {
            const n = readSync(fd, bytes, got, want - got, offset + got);
            if (n === 0) break;
            got += n;
          }
        } finally {
          closeSync(fd);
        }
      }
      traffic.chunksServed++;
      return new Api.upload.File({ type: new Api.storage.FilePartial(), mtime: doc.date, bytes });
    },

    toApiDocument: (d) =>
      new Api.Document({
        id: long(d.id),
        accessHash: long(d.accessHash),
        fileReference: FILE_REFERENCE,
        date: d.date,
        mimeType: d.mimeType,
        size: long(d.size),
        dcId: 2,
        attributes: d.attributes,
        ...(d.thumb ? { thumbs: [new Api.PhotoSize({ type: THUMB_TYPE, w: d.thumb.w, h: d.thumb.h, size: d.thumb.size })] } : {}),
      }),

    // SIMPLIFICATION: a photo keeps the uploaded bytes as its one size "x"; dimensions are not decoded.
    toApiPhoto: (d) =>
      new Api.Photo({
        id: long(d.id),
        accessHash: long(d.accessHash),
        fileReference: FILE_REFERENCE,
        date: d.date,
        sizes: [new Api.PhotoSize({ type: 'x', w: 0, h: 0, size: d.size })],
        dcId: 2,
      }),
  };
}
