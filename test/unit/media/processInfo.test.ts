import { expect } from 'chai';
import { describeMedia, fitMessage, TELEGRAM_MESSAGE_LIMIT } from '../../../src/media/processInfo.js';
import type { MediaSummary } from '../../../src/media/probe.js';

const song = (title: string): MediaSummary => ({
  durationSeconds: 185,
  sizeBytes: 4_200_000,
  format: 'mp3',
  bitRate: 181_000,
  video: null,
  audio: { codec: 'mp3', channels: 2, sampleRate: 44_100, bitRate: 181_000 },
  isImage: false,
  tags: { title, artist: 'Courier Band' },
});

describe('the Info text', () => {
  it('reads as a few short lines', () => {
    expect(describeMedia(song('Test Tone'), 4_200_000)).to.equal(
      'Duration: 3:05 · Size: 4.0 MB · Container: MP3\nAudio: mp3, stereo, 44.1 kHz\nBitrate: 181 kb/s\nTags: Courier Band — Test Tone',
    );
  });

  it('a file whose title tag is 10000 characters long still gets an answer that fits one message', () => {
    const text = describeMedia(song('x'.repeat(10_000)), 4_200_000);
    expect(text.length).to.equal(TELEGRAM_MESSAGE_LIMIT);
    expect(text.startsWith('Duration: 3:05')).to.equal(true);
    expect(text.endsWith('x…')).to.equal(true);
  });

  it('cuts between characters, never inside a surrogate pair', () => {
    const emoji = '😀'.repeat(3000); // 6000 UTF-16 code units
    const cut = fitMessage(emoji, 11);
    expect(cut).to.equal('😀😀😀😀😀…');
    expect(fitMessage(emoji).length).to.be.at.most(TELEGRAM_MESSAGE_LIMIT);
    expect(fitMessage('short')).to.equal('short');
  });
});
