import { expect } from 'chai';
import { CallbackDataError, actionsFor, decodeCallback, encodeCallback, estimateCompressedBytes, type ActionInput } from '../../../src/jobs/actions.js';
import { MEDIA_ACTIONS } from '../../../src/domain/mediaAction.js';
import { texts } from '../../../src/texts/index.js';

const video1080: ActionInput = { durationSeconds: 120, video: { codec: 'h264', height: 1080 }, audio: { codec: 'aac' }, isImage: false };

describe('media actions', () => {
  it('offers every action for a long 1080p video, with both compress presets and no GIF', () => {
    const offered = actionsFor(video1080);
    expect(offered.map((o) => o.action)).to.deep.equal(['info', 'extractAudio', 'compress', 'convert', 'thumbnail', 'trim', 'compressToSize', 'sendAsFile', 'rename']);
    expect(offered.find((o) => o.action === 'compress')?.options).to.deep.equal(['720p', '480p']);
    expect(offered.find((o) => o.action === 'convert')?.options).to.deep.equal(['mp4']);
  });

  it('offers GIF for a short clip and only 480p for a 720p source', () => {
    const offered = actionsFor({ durationSeconds: 8, video: { codec: 'h264', height: 720 }, audio: null, isImage: false });
    expect(offered.map((o) => o.action)).to.deep.equal(['info', 'compress', 'convert', 'thumbnail', 'trim', 'compressToSize', 'sendAsFile', 'rename']);
    expect(offered.find((o) => o.action === 'compress')?.options).to.deep.equal(['480p']);
    expect(offered.find((o) => o.action === 'convert')?.options).to.deep.equal(['mp4', 'gif']);
  });

  it('offers audio conversion for a voice note but not for an MP3, and nothing video-ish for either or for images', () => {
    const voice = actionsFor({ durationSeconds: 12, video: null, audio: { codec: 'opus' }, isImage: false, mime: 'audio/ogg' });
    expect(voice.map((o) => o.action)).to.deep.equal(['info', 'extractAudio', 'trim', 'sendAsFile', 'rename']);
    const mp3 = actionsFor({ durationSeconds: 200, video: null, audio: { codec: 'mp3' }, isImage: false });
    expect(mp3.map((o) => o.action)).to.deep.equal(['info', 'trim', 'sendAsFile', 'rename']);
    const photo = actionsFor({ durationSeconds: null, video: { codec: 'mjpeg', height: 600 }, audio: null, isImage: true });
    expect(photo.map((o) => o.action)).to.deep.equal(['info', 'sendAsFile', 'rename']);
  });

  it('labels every action in English (the catalogue in src/texts has them in every language)', () => {
    expect(MEDIA_ACTIONS.map((a) => texts.en.actions[a])).to.deep.equal(['Info', 'Extract audio', 'Compress', 'Convert', 'Thumbnail', 'Send as file', 'Trim', 'Rename', 'Compress to size']);
  });

  it('estimates the compressed size from duration and target bitrates', () => {
    // 720p: (2000 + 128) kbit/s for 60 s = 15.96 MB, +2 % container.
    expect(estimateCompressedBytes(60, '720p')).to.equal(Math.round(266_000 * 60 * 1.02));
    expect(estimateCompressedBytes(60, '480p')).to.be.lessThan(estimateCompressedBytes(60, '720p'));
    expect(estimateCompressedBytes(60, '480p', false)).to.equal(Math.round(112_500 * 60 * 1.02));
  });
});

describe('button callback data', () => {
  it('round-trips every action and stays within 64 bytes with the longest media reference', () => {
    const ref = 'x'.repeat(40);
    const payloads = [
      { action: 'info', mediaRef: ref },
      { action: 'extractAudio', mediaRef: ref, option: 'm4a' },
      { action: 'compress', mediaRef: ref, option: '720p' },
      { action: 'convert', mediaRef: ref, option: 'gif' },
      { action: 'thumbnail', mediaRef: ref, option: '123456' },
      { action: 'sendAsFile', mediaRef: ref },
    ] as const;
    for (const payload of payloads) {
      const data = encodeCallback(payload);
      expect(Buffer.byteLength(data), data).to.be.at.most(64);
      expect(decodeCallback(data)).to.deep.equal(payload);
      expect(decodeCallback(Buffer.from(data))).to.deep.equal(payload);
    }
    expect(encodeCallback({ action: 'compress', mediaRef: 'job42', option: '480p' })).to.equal('m1|c|job42|480p');
  });

  it('refuses options that do not fit the action and references that are not plain ids', () => {
    expect(() => encodeCallback({ action: 'compress', mediaRef: 'j1' })).to.throw(CallbackDataError);
    expect(() => encodeCallback({ action: 'compress', mediaRef: 'j1', option: '1080p' })).to.throw(CallbackDataError);
    expect(() => encodeCallback({ action: 'info', mediaRef: 'j1', option: 'x' })).to.throw(CallbackDataError);
    expect(() => encodeCallback({ action: 'info', mediaRef: 'a|b' })).to.throw(CallbackDataError);
    expect(() => encodeCallback({ action: 'info', mediaRef: 'y'.repeat(41) })).to.throw(CallbackDataError);
  });

  it('refuses forged, foreign, old-format and oversized data', () => {
    for (const bad of ['', 'hello', 'm0|i|j1', 'm1|z|j1', 'm1|c|j1|999p', 'm1|i', 'm1|i|j1|x|y', 'm1|i|../etc', 'm1|t|j1|-5', 'm1|i|' + 'a'.repeat(70)]) {
      expect(() => decodeCallback(bad), bad).to.throw(CallbackDataError);
    }
    const error = (() => {
      try {
        decodeCallback('m1|z|j1');
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(error?.message).to.contain('send the file again');
  });
});
