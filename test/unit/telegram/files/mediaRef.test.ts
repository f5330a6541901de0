import { expect } from 'chai';
import bigInt from 'big-integer';
import { Api } from 'telegram';
import { mediaRefOf } from '../../../../src/telegram/files/mediaRef.js';

const peer = new Api.PeerUser({ userId: bigInt(7) });

function documentMessage(attributes: Api.TypeDocumentAttribute[], mimeType = 'video/mp4'): Api.Message {
  const document = new Api.Document({
    id: bigInt('-5000000000000000001'),
    accessHash: bigInt('9000000000000000007'),
    fileReference: Buffer.from([1, 2, 3, 250]),
    date: 1_700_000_000,
    mimeType,
    size: bigInt('2097152000'),
    dcId: 4,
    attributes,
  });
  return new Api.Message({ id: 10, peerId: peer, date: 1_700_000_000, message: '', media: new Api.MessageMediaDocument({ document }) });
}

describe('mediaRefOf: what a message carries, as plain data', () => {
  it('a streaming video keeps its duration, size, name and the location to fetch it from', () => {
    const ref = mediaRefOf(
      documentMessage([
        new Api.DocumentAttributeVideo({ duration: 93, w: 1280, h: 720, supportsStreaming: true }),
        new Api.DocumentAttributeFilename({ fileName: 'holiday.mp4' }),
      ]),
    );
    expect(ref).to.deep.equal({
      kind: 'video',
      location: { type: 'document', id: '-5000000000000000001', accessHash: '9000000000000000007', fileReference: Buffer.from([1, 2, 3, 250]).toString('base64'), dcId: 4 },
      sizeBytes: 2097152000,
      mimeType: 'video/mp4',
      fileName: 'holiday.mp4',
      durationSeconds: 93,
      width: 1280,
      height: 720,
    });
  });

  it('music is audio with its title and performer; a voice note is voice', () => {
    const song = mediaRefOf(documentMessage([new Api.DocumentAttributeAudio({ duration: 200, title: 'Song', performer: 'Band' })], 'audio/mpeg'));
    expect(song).to.include({ kind: 'audio', durationSeconds: 200, title: 'Song', performer: 'Band', mimeType: 'audio/mpeg' });
    const voice = mediaRefOf(documentMessage([new Api.DocumentAttributeAudio({ duration: 4, voice: true })], 'audio/ogg'));
    expect(voice).to.include({ kind: 'voice', durationSeconds: 4 });
  });

  it('an animated video is an animation, whatever else it carries', () => {
    const ref = mediaRefOf(documentMessage([new Api.DocumentAttributeVideo({ duration: 3, w: 320, h: 240 }), new Api.DocumentAttributeAnimated()]));
    expect(ref?.kind).to.equal('animation');
  });

  it('a file with only a name is a document', () => {
    const ref = mediaRefOf(documentMessage([new Api.DocumentAttributeFilename({ fileName: 'notes.pdf' })], 'application/pdf'));
    expect(ref).to.include({ kind: 'document', fileName: 'notes.pdf' });
    expect(ref?.durationSeconds).to.equal(undefined);
  });

  it('a photo is fetched at its largest downloadable size, skipping inline ones', () => {
    const photo = new Api.Photo({
      id: bigInt(42),
      accessHash: bigInt(-43),
      fileReference: Buffer.from('ref'),
      date: 1,
      dcId: 2,
      sizes: [
        new Api.PhotoStrippedSize({ type: 'i', bytes: Buffer.from([1, 2]) }),
        new Api.PhotoSize({ type: 'm', w: 320, h: 240, size: 9000 }),
        new Api.PhotoSizeProgressive({ type: 'y', w: 1280, h: 960, sizes: [1000, 20000, 81000] }),
        new Api.PhotoSize({ type: 'x', w: 800, h: 600, size: 50000 }),
      ],
    });
    const message = new Api.Message({ id: 11, peerId: peer, date: 1, message: '', media: new Api.MessageMediaPhoto({ photo }) });
    expect(mediaRefOf(message)).to.deep.equal({
      kind: 'photo',
      location: { type: 'photo', id: '42', accessHash: '-43', fileReference: Buffer.from('ref').toString('base64'), dcId: 2, thumbSize: 'y' },
      sizeBytes: 81000,
      mimeType: 'image/jpeg',
      width: 1280,
      height: 960,
    });
  });

  it('a text message, an empty document and a photo with only inline sizes have nothing to fetch', () => {
    expect(mediaRefOf(new Api.Message({ id: 1, peerId: peer, date: 1, message: 'hi' }))).to.equal(null);
    const empty = new Api.Message({ id: 2, peerId: peer, date: 1, message: '', media: new Api.MessageMediaDocument({ document: new Api.DocumentEmpty({ id: bigInt(1) }) }) });
    expect(mediaRefOf(empty)).to.equal(null);
    const inlineOnly = new Api.Photo({ id: bigInt(1), accessHash: bigInt(1), fileReference: Buffer.alloc(0), date: 1, dcId: 2, sizes: [new Api.PhotoStrippedSize({ type: 'i', bytes: Buffer.from([1]) })] });
    expect(mediaRefOf(new Api.Message({ id: 3, peerId: peer, date: 1, message: '', media: new Api.MessageMediaPhoto({ photo: inlineOnly }) }))).to.equal(null);
  });
});
