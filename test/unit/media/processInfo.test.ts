import { expect } from 'chai';
import { describeMedia, fitMessage, TELEGRAM_MESSAGE_LIMIT } from '../../../src/media/processInfo.js';
import type { MediaSummary } from '../../../src/media/probe.js';
import { FSI, PDI } from '../../../src/texts/bidi.js';
import { texts } from '../../../src/texts/index.js';

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

  const clip: MediaSummary = {
    durationSeconds: 2,
    sizeBytes: 61_440,
    format: 'mov,mp4,m4a,3gp,3g2,mj2',
    bitRate: 245_000,
    video: { codec: 'h264', width: 320, height: 240, fps: 25 },
    audio: { codec: 'aac', channels: 1, sampleRate: 48_000, bitRate: null },
    isImage: false,
    tags: { title: null, artist: null },
  };

  it('is written in the user’s language: Russian words, and Persian with every left-to-right run isolated', () => {
    expect(describeMedia(clip, 61_440, texts.ru)).to.equal(
      'Длительность: 0:02 · Размер: 60 KB · Контейнер: MP4\nВидео: h264, 320×240, 25 кадр/с\nАудио: aac, моно, 48 кГц\nБитрейт: 245 кбит/с',
    );
    const fa = describeMedia(clip, 61_440, texts.fa);
    const iso = (run: string) => `${FSI}${run}${PDI}`;
    expect(fa).to.equal(
      `مدت: ${iso('0:02')} · حجم: ${iso('60 KB')} · قالب: ${iso('MP4')}\nویدیو: ${iso('h264')}، ${iso('320×240')}، ۲۵ فریم بر ثانیه\nصدا: ${iso('aac')}، تک‌کاناله، ۴۸ کیلوهرتز\nنرخ بیت: ۲۴۵ کیلوبیت بر ثانیه`,
    );
    expect(describeMedia(clip, 61_440)).to.equal(describeMedia(clip, 61_440, texts.en));
  });

  it('cuts between characters, never inside a surrogate pair', () => {
    const emoji = '😀'.repeat(3000); // 6000 UTF-16 code units
    const cut = fitMessage(emoji, 11);
    expect(cut).to.equal('😀😀😀😀😀…');
    expect(fitMessage(emoji).length).to.be.at.most(TELEGRAM_MESSAGE_LIMIT);
    expect(fitMessage('short')).to.equal('short');
  });
});
