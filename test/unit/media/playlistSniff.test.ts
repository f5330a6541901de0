import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobError } from '../../../src/domain/jobError.js';
import { assertNotPlaylist, resolveInJobDir, safeJobFileName, skipId3v2, sniffPlaylist } from '../../../src/media/playlistSniff.js';

const text = (s: string) => Buffer.from(s, 'utf8');

/** An ID3v2.4 tag of `bodyBytes` bytes (NULs, as padding is), its size in the synchsafe form. */
function id3Tag(bodyBytes: number, footer = false): Buffer {
  const size = [21, 14, 7, 0].map((shift) => (bodyBytes >> shift) & 0x7f);
  const header = Buffer.from([0x49, 0x44, 0x33, 4, 0, footer ? 0x10 : 0, ...size]);
  return Buffer.concat([header, Buffer.alloc(bodyBytes), footer ? Buffer.from('3DI\x04\x00\x10\x00\x00\x00\x00', 'latin1') : Buffer.alloc(0)]);
}

/** Bytes that are neither text nor NUL: what a disguised manifest can open with. */
const junk = (n: number) => Buffer.alloc(n, 0x01);

const DASH = '<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011">';

describe('playlist sniffing', () => {
  it('recognises each playlist kind by content', () => {
    expect(sniffPlaylist(text('#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:10,\nfile:///etc/passwd\n'))).to.equal('hls');
    expect(sniffPlaylist(text('\ufeff  #extm3u\nhttp://x/a.ts\n')), 'BOM, spaces and case do not hide it').to.equal('hls');
    expect(sniffPlaylist(text('<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011">'))).to.equal('dash');
    expect(sniffPlaylist(text("ffconcat version 1.0\nfile '/etc/passwd'\n"))).to.equal('ffconcat');
    expect(sniffPlaylist(text('v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\nc=IN IP4 127.0.0.1\r\n'))).to.equal('sdp');
    expect(sniffPlaylist(text('[playlist]\nFile1=http://10.0.0.1/a.mp3\n'))).to.equal('playlist');
    expect(sniffPlaylist(text('<asx version="3.0"><entry><ref href="http://x"/></entry></asx>'))).to.equal('playlist');
    expect(sniffPlaylist(text('http://169.254.169.254/latest/meta-data\nhttp://10.0.0.1/\n'))).to.equal('text');
    expect(sniffPlaylist(text('فایل: /etc/passwd\n'))).to.equal('text');
  });

  it('sees a playlist behind an ID3 tag, as ffmpeg does', () => {
    expect(sniffPlaylist(Buffer.concat([id3Tag(300), text(DASH)]))).to.equal('dash');
    expect(sniffPlaylist(Buffer.concat([id3Tag(200_000), text('#EXTM3U\n#EXTINF:1,\n/etc/passwd\n')])), 'a tag larger than 4 KiB').to.equal('hls');
    expect(sniffPlaylist(Buffer.concat([id3Tag(40, true), id3Tag(10), text("ffconcat version 1.0\nfile '/etc/passwd'\n")])), 'footer, two tags').to.equal('ffconcat');
    expect(skipId3v2(id3Tag(1000)).length).to.equal(0);
  });

  it('finds manifest markers past the first 4 KiB, up to the first NUL byte', () => {
    expect(sniffPlaylist(Buffer.concat([junk(5000), text(DASH)]))).to.equal('dash');
    expect(sniffPlaylist(Buffer.concat([junk(9000), text('<SmoothStreamingMedia MajorVersion="2">')]))).to.equal('smooth');
    expect(sniffPlaylist(Buffer.concat([junk(70_000), text('[playlist]\nFile1=http://10.0.0.1/a.mp3\n')]))).to.equal('playlist');
    expect(sniffPlaylist(Buffer.concat([junk(4097), text('#EXTM3U\n')]))).to.equal('hls');
    // Behind a NUL no text demuxer of ffmpeg can see it, and real containers have NULs early.
    expect(sniffPlaylist(Buffer.concat([Buffer.from([0, 0, 0, 0x20]), text('ftypisom'), text(DASH)]))).to.equal(null);
  });

  it('lets binary media heads through', () => {
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x20]), text('ftypisom'), Buffer.alloc(24, 1)]);
    expect(sniffPlaylist(mp4)).to.equal(null);
    expect(sniffPlaylist(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81]))).to.equal(null);
    expect(sniffPlaylist(Buffer.concat([text('ID3'), Buffer.from([4, 0, 0, 0, 0, 0x23])]))).to.equal(null);
  });

  describe('on files', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'courier-sniff-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('refuses an HLS playlist disguised as .mp4 with UNSUPPORTED_MEDIA', async () => {
      const file = join(dir, 'holiday.mp4');
      await writeFile(file, '#EXTM3U\n#EXTINF:1,\n/etc/passwd\n');
      const error = await assertNotPlaylist(file).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(JobError);
      expect(error).to.include({ reason: 'UNSUPPORTED_MEDIA' });
      expect((error as Error).message).to.contain('HLS playlist');
    });

    it('reads far enough to refuse a manifest after 4 KiB of junk or behind a large ID3 tag', async () => {
      const late = join(dir, 'late.mp4');
      await writeFile(late, Buffer.concat([junk(6000), text(DASH)]));
      expect(await assertNotPlaylist(late).catch((e: unknown) => e)).to.include({ reason: 'UNSUPPORTED_MEDIA' });
      const tagged = join(dir, 'tagged.mp3');
      await writeFile(tagged, Buffer.concat([id3Tag(10_000), text(DASH)]));
      const error = await assertNotPlaylist(tagged).catch((e: unknown) => e);
      expect((error as Error).message).to.contain('DASH manifest');
    });

    it('refuses an empty file as CORRUPT_MEDIA and accepts a binary one', async () => {
      const empty = join(dir, 'empty.mp4');
      await writeFile(empty, '');
      expect(await assertNotPlaylist(empty).catch((e: unknown) => e)).to.include({ reason: 'CORRUPT_MEDIA' });
      const binary = join(dir, 'ok.bin');
      await writeFile(binary, Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34, 0x32]));
      await assertNotPlaylist(binary);
    });
  });
});

describe('job file names', () => {
  const fixed = { random: () => 'abc123' };

  it('generates a name and keeps only a known media extension', () => {
    expect(safeJobFileName('My Holiday.MP4', fixed)).to.equal('input-abc123.mp4');
    expect(safeJobFileName('../../x', fixed)).to.equal('input-abc123');
    expect(safeJobFileName('../../etc/cron.d/evil.sh', fixed)).to.equal('input-abc123');
    expect(safeJobFileName('a/b/c.mkv', fixed)).to.equal('input-abc123.mkv');
    expect(safeJobFileName('-i.mp3', { ...fixed, prefix: 'audio' })).to.equal('audio-abc123.mp3');
    expect(safeJobFileName(null, fixed)).to.equal('input-abc123');
    expect(safeJobFileName('x.mp4\u0000.sh', fixed)).to.equal('input-abc123');
    expect(safeJobFileName('video.mp4')).to.match(/^input-[0-9a-f]{16}\.mp4$/);
  });

  it('resolveInJobDir keeps names inside the job directory', () => {
    expect(resolveInJobDir('/tmp/jobs/7', 'input-abc.mp4')).to.equal('/tmp/jobs/7/input-abc.mp4');
    for (const bad of ['../x', '../../etc/passwd', '/etc/passwd', 'a/b', '.', '']) {
      expect(() => resolveInJobDir('/tmp/jobs/7', bad), bad).to.throw(JobError);
    }
  });
});
