import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { Api } from 'telegram';
import { long } from '../../../../src/emulator/world/db.js';
import { errorOf, openFixture, type Fixture } from './fixture.js';

/** Deterministic bytes (no committed binaries). */
function bytesOf(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe('emulator accounts side: uploads and downloads', function () {
  this.timeout(20_000);
  let f: Fixture;
  let key: bigint;
  let owner: number;
  beforeEach(async () => {
    f = openFixture();
    key = f.newKey();
    owner = f.seed.users[0]!.user_id;
    const sent = await f.call<Api.auth.SentCode>(key, new Api.auth.SendCode({ phoneNumber: f.seed.users[0]!.phone, apiId: f.seed.api_id, apiHash: f.seed.api_hash, settings: new Api.CodeSettings({}) }));
    await f.call(key, new Api.auth.SignIn({ phoneNumber: f.seed.users[0]!.phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: f.seed.login_code }));
  });
  afterEach(() => f.close());

  const upload = async (fileId: number, data: Buffer, partSize: number, order: 'forward' | 'reverse' = 'forward', big = false) => {
    const total = Math.ceil(data.length / partSize);
    const parts = Array.from({ length: total }, (_, i) => i);
    if (order === 'reverse') parts.reverse();
    for (const i of parts) {
      const bytes = data.subarray(i * partSize, (i + 1) * partSize);
      const req = big
        ? new Api.upload.SaveBigFilePart({ fileId: long(fileId), filePart: i, fileTotalParts: total, bytes })
        : new Api.upload.SaveFilePart({ fileId: long(fileId), filePart: i, bytes });
      expect(await f.call<boolean>(key, req)).to.equal(true);
    }
    return total;
  };

  const download = async (doc: Api.Document, limit: number): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < Number(doc.size); offset += limit) {
      const file = await f.call<Api.upload.File>(key, new Api.upload.GetFile({
        location: new Api.InputDocumentFileLocation({ id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference, thumbSize: '' }),
        offset: long(offset),
        limit,
      }));
      expect(file.type).to.be.instanceOf(Api.storage.FilePartial);
      chunks.push(file.bytes);
    }
    return Buffer.concat(chunks);
  };

  for (const [name, partSize, order, big] of [
    ['128 KiB parts in reverse order', 131072, 'reverse', false],
    ['512 KiB big-file parts', 524288, 'forward', true],
  ] as const) {
    it(`round-trips a file byte for byte (${name})`, async () => {
      const data = bytesOf(1_300_000, partSize);
      const parts = await upload(77, data, partSize, order, big);
      const file = big ? new Api.InputFileBig({ id: long(77), parts, name: 'a.bin' }) : new Api.InputFile({ id: long(77), parts, name: 'a.bin', md5Checksum: '' });
      const media = f.world.resolveMedia(owner, new Api.InputMediaUploadedDocument({ file, mimeType: 'application/x-test', attributes: [] }));
      const doc = (media as Api.MessageMediaDocument).document as Api.Document;
      expect(Number(doc.size)).to.equal(data.length);
      expect(doc.mimeType).to.equal('application/x-test');
      expect(doc.attributes.some((a) => a instanceof Api.DocumentAttributeFilename && a.fileName === 'a.bin')).to.equal(true);
      expect((await download(doc, 65536)).equals(data)).to.equal(true);
      expect((await download(doc, 1048576)).equals(data)).to.equal(true);
      expect(readdirSync(join(f.dataDir, 'uploads')), 'the upload is consumed').to.deep.equal([]);
      // InputMediaDocument finds the stored document again, also after a restart.
      f.reopen();
      const again = f.world.resolveMedia(owner, new Api.InputMediaDocument({ id: new Api.InputDocument({ id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference }) }));
      expect(((again as Api.MessageMediaDocument).document as Api.Document).id.toString()).to.equal(doc.id.toString());
    });
  }

  it('turns an uploaded photo into a photo readable by InputPhotoFileLocation', async () => {
    const data = bytesOf(70_000, 4);
    const parts = await upload(21, data, 65536);
    const media = f.world.resolveMedia(owner, new Api.InputMediaUploadedPhoto({ file: new Api.InputFile({ id: long(21), parts, name: 'p.jpg', md5Checksum: '' }) }));
    const photo = (media as Api.MessageMediaPhoto).photo as Api.Photo;
    expect(photo).to.be.instanceOf(Api.Photo);
    const file = await f.call<Api.upload.File>(key, new Api.upload.GetFile({
      location: new Api.InputPhotoFileLocation({ id: photo.id, accessHash: photo.accessHash, fileReference: photo.fileReference, thumbSize: 'x' }),
      offset: long(0),
      limit: 131072,
    }));
    expect(file.bytes.equals(data)).to.equal(true);
  });

  it('refuses incomplete uploads and bad part sizes', async () => {
    const data = bytesOf(300_000, 3);
    await f.call(key, new Api.upload.SaveFilePart({ fileId: long(5), filePart: 0, bytes: data.subarray(0, 131072) }));
    await f.call(key, new Api.upload.SaveFilePart({ fileId: long(5), filePart: 2, bytes: data.subarray(262144) }));
    const use = (parts: number) => () => f.world.resolveMedia(owner, new Api.InputMediaUploadedDocument({ file: new Api.InputFile({ id: long(5), parts, name: 'x', md5Checksum: '' }), mimeType: 'a/b', attributes: [] }));
    expect(use(3)).to.throw().with.property('errorMessage', 'FILE_PART_1_MISSING');
    expect(use(0)).to.throw().with.property('errorMessage', 'FILE_PARTS_INVALID');
    const bad = new Api.upload.SaveBigFilePart({ fileId: long(6), filePart: 0, fileTotalParts: 3, bytes: Buffer.alloc(1000) });
    expect(await errorOf(f.call(key, bad))).to.equal('FILE_PART_SIZE_INVALID');
    const badTotal = new Api.upload.SaveBigFilePart({ fileId: long(6), filePart: 0, fileTotalParts: 0, bytes: Buffer.alloc(1024) });
    expect(await errorOf(f.call(key, badTotal))).to.equal('FILE_PARTS_INVALID');
    // A part size that does not divide 512 KiB is refused when the file is used.
    await f.call(key, new Api.upload.SaveFilePart({ fileId: long(8), filePart: 0, bytes: Buffer.alloc(3072) }));
    await f.call(key, new Api.upload.SaveFilePart({ fileId: long(8), filePart: 1, bytes: Buffer.alloc(10) }));
    expect(() => f.world.resolveMedia(owner, new Api.InputMediaUploadedDocument({ file: new Api.InputFile({ id: long(8), parts: 2, name: 'x', md5Checksum: '' }), mimeType: 'a/b', attributes: [] })))
      .to.throw().with.property('errorMessage', 'FILE_PART_SIZE_INVALID');
    expect(existsSync(join(f.dataDir, 'files'))).to.equal(true);
  });

  it('checks upload.getFile offset and limit rules', async () => {
    const data = bytesOf(2_200_000, 9);
    const parts = await upload(11, data, 524288, 'forward', true);
    const doc = (f.world.resolveMedia(owner, new Api.InputMediaUploadedDocument({ file: new Api.InputFileBig({ id: long(11), parts, name: 'b' }), mimeType: 'a/b', attributes: [] })) as Api.MessageMediaDocument).document as Api.Document;
    const get = (offset: number, limit: number, precise = false) =>
      f.call<Api.upload.File>(key, new Api.upload.GetFile({ precise, location: new Api.InputDocumentFileLocation({ id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference, thumbSize: '' }), offset: long(offset), limit }));
    expect(await errorOf(get(1000, 4096))).to.equal('OFFSET_INVALID');
    expect(await errorOf(get(0, 5000))).to.equal('LIMIT_INVALID');
    expect(await errorOf(get(0, 12288))).to.equal('LIMIT_INVALID'); // 1 MiB is not a multiple of 12 KiB
    expect(await errorOf(get(1048576 - 4096, 8192))).to.equal('LIMIT_INVALID'); // crosses a 1 MiB boundary
    const precise = await get(1024, 3072, true);
    expect(precise.bytes.equals(data.subarray(1024, 4096))).to.equal(true);
    const tail = await get(2097152, 1048576);
    expect(tail.bytes.equals(data.subarray(2097152))).to.equal(true);
    expect((await get(3145728, 4096)).bytes.length).to.equal(0);
    const wrongHash = new Api.upload.GetFile({ location: new Api.InputDocumentFileLocation({ id: doc.id, accessHash: long(1), fileReference: Buffer.alloc(0), thumbSize: '' }), offset: long(0), limit: 4096 });
    expect(await errorOf(f.call(key, wrongHash))).to.equal('LOCATION_INVALID');
  });
});
