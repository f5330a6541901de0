import { expect } from 'chai';
import bigInt from 'big-integer';
import { Api } from 'telegram';
import type { ResultFile } from '../../../../src/domain/mediaPorts.js';
import { inputLocationOf, storedInputMediaOf, storedMediaOfMessage, uploadedMediaOf } from '../../../../src/telegram/files/mediaMessage.js';

const input = new Api.InputFileBig({ id: bigInt(5), parts: 30, name: 'clip.mp4' });
const thumb = new Api.InputFile({ id: bigInt(6), parts: 1, name: 'thumb.jpg', md5Checksum: '' });
const base: Omit<ResultFile, 'sendAs'> = { path: '/jobs/1/out.mp4', fileName: 'clip.mp4', mimeType: 'video/mp4', sizeBytes: 15_000_000 };

describe('mediaMessage: the TL shapes of a sent file', () => {
  it('a compressed video goes out as a streamable video with its duration, size, name and thumbnail', () => {
    const media = uploadedMediaOf({ ...base, sendAs: 'video', durationSeconds: 12.6, width: 1280, height: 720, supportsStreaming: true }, input, thumb);
    expect(media).to.be.instanceOf(Api.InputMediaUploadedDocument);
    const doc = media as Api.InputMediaUploadedDocument;
    expect(doc.file).to.equal(input);
    expect(doc.thumb).to.equal(thumb);
    expect(doc.forceFile).to.not.equal(true);
    const video = doc.attributes.find((a) => a instanceof Api.DocumentAttributeVideo) as Api.DocumentAttributeVideo;
    expect({ duration: video.duration, w: video.w, h: video.h, streaming: video.supportsStreaming }).to.deep.equal({ duration: 13, w: 1280, h: 720, streaming: true });
    expect(doc.attributes.some((a) => a instanceof Api.DocumentAttributeFilename && a.fileName === 'clip.mp4')).to.equal(true);
  });

  it('extracted audio carries title and performer; "send as file" forces a plain document', () => {
    const audio = uploadedMediaOf({ ...base, fileName: 'a.mp3', mimeType: 'audio/mpeg', sendAs: 'audio', durationSeconds: 61, title: 'T', performer: 'P' }, input) as Api.InputMediaUploadedDocument;
    const attr = audio.attributes.find((a) => a instanceof Api.DocumentAttributeAudio) as Api.DocumentAttributeAudio;
    expect({ d: attr.duration, t: attr.title, p: attr.performer, voice: attr.voice }).to.deep.equal({ d: 61, t: 'T', p: 'P', voice: undefined });
    const asFile = uploadedMediaOf({ ...base, sendAs: 'document' }, input) as Api.InputMediaUploadedDocument;
    expect(asFile.forceFile).to.equal(true);
    expect(asFile.attributes.map((a) => a.className)).to.deep.equal(['DocumentAttributeFilename']);
  });

  it('an animation is a video marked animated; a photo is an uploaded photo', () => {
    const gif = uploadedMediaOf({ ...base, sendAs: 'animation', durationSeconds: 2, width: 320, height: 180 }, input) as Api.InputMediaUploadedDocument;
    expect(gif.attributes.map((a) => a.className)).to.deep.equal(['DocumentAttributeVideo', 'DocumentAttributeAnimated', 'DocumentAttributeFilename']);
    expect(uploadedMediaOf({ ...base, sendAs: 'photo' }, input, thumb)).to.be.instanceOf(Api.InputMediaUploadedPhoto);
  });

  it('a stored document read from a message is sent again by reference', () => {
    const document = new Api.Document({ id: bigInt('-9'), accessHash: bigInt('123456789012345678'), fileReference: Buffer.from([9, 8]), date: 1, mimeType: 'video/mp4', size: bigInt(1), dcId: 2, attributes: [] });
    const message = new Api.Message({ id: 1, peerId: new Api.PeerUser({ userId: bigInt(1) }), date: 1, message: '', media: new Api.MessageMediaDocument({ document }) });
    const stored = storedMediaOfMessage(message);
    expect(stored).to.deep.equal({ type: 'document', id: '-9', accessHash: '123456789012345678', fileReference: Buffer.from([9, 8]).toString('base64') });
    const again = storedInputMediaOf(stored!) as Api.InputMediaDocument;
    const id = again.id as Api.InputDocument;
    expect([id.id.toString(), id.accessHash.toString(), Buffer.from(id.fileReference).toString('hex')]).to.deep.equal(['-9', '123456789012345678', '0908']);
    expect(storedInputMediaOf({ ...stored!, type: 'photo' })).to.be.instanceOf(Api.InputMediaPhoto);
  });

  it('a photo location asks for its size type; a document location for the whole file', () => {
    const photo = inputLocationOf({ type: 'photo', id: '1', accessHash: '2', fileReference: 'AQI=', thumbSize: 'y' }) as Api.InputPhotoFileLocation;
    expect(photo).to.be.instanceOf(Api.InputPhotoFileLocation);
    expect(photo.thumbSize).to.equal('y');
    const doc = inputLocationOf({ type: 'document', id: '1', accessHash: '2', fileReference: 'AQI=' }) as Api.InputDocumentFileLocation;
    expect(doc.thumbSize).to.equal('');
    expect([...doc.fileReference]).to.deep.equal([1, 2]);
  });
});
