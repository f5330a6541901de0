/**
 * Pixel bombs for the confinement tests, made in a few milliseconds without ever holding the
 * decoded picture in memory.
 *
 * A PNG of W×H 8-bit grey pixels is W·H + H bytes of zeros once inflated (one filter byte per
 * row). Deflate cannot shrink better than about 1032:1, so a 30000×30000 bomb is ~870 KB and a
 * 16000×16000 one ~250 KB. The zlib stream is built from one compressed segment repeated:
 * deflating a segment with Z_FULL_FLUSH makes it independent of what came before and ends it on
 * a byte boundary, so copies of it concatenate into a valid stream; a final empty block and the
 * Adler-32 of all-zero data (a = 1, b = length mod 65521) close it.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { constants, crc32, deflateRawSync } from 'node:zlib';

const run = promisify(execFile);

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** zlib data of `rows` rows of `rowBytes` zero bytes each. */
function zeroRowsZlib(rowBytes: number, rows: number): Buffer {
  const rowsPerSegment = Math.max(1, Math.floor((8 * 1024 * 1024) / rowBytes));
  const parts: Buffer[] = [Buffer.from([0x78, 0x9c])];
  const segment = deflateRawSync(Buffer.alloc(rowBytes * rowsPerSegment), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  for (let done = 0; done < rows; done += rowsPerSegment) {
    const count = Math.min(rowsPerSegment, rows - done);
    parts.push(count === rowsPerSegment ? segment : deflateRawSync(Buffer.alloc(rowBytes * count), { level: 9, finishFlush: constants.Z_FULL_FLUSH }));
  }
  parts.push(Buffer.from([0x03, 0x00])); // final fixed-Huffman block holding only end-of-block
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((rowBytes * rows) % 65521) * 65536) + 1);
  parts.push(adler);
  return Buffer.concat(parts);
}

/** A valid all-black greyscale PNG of width × height. */
export function pngBomb(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zeroRowsZlib(width + 1, height)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export async function writePngBomb(path: string, width: number, height: number): Promise<void> {
  await writeFile(path, pngBomb(width, height));
}

/**
 * A 2-frame MP4 video of width × height: the PNG bomb stream-copied into an MP4 with PNG video,
 * which the mov demuxer accepts. `-video_size` and `-pixel_format` tell the muxing run what
 * the frames are, so it never decodes one (it stays at ~13 MB).
 */
export async function writeVideoBomb(ffmpegPath: string, pngPath: string, output: string, width: number, height: number): Promise<void> {
  await writePngBomb(pngPath, width, height);
  await run(ffmpegPath, [
    '-hide_banner', '-v', 'error', '-nostdin', '-y',
    '-video_size', `${width}x${height}`, '-pixel_format', 'gray', '-framerate', '1', '-loop', '1', '-i', pngPath,
    '-t', '2', '-c:v', 'copy', '-f', 'mp4', output,
  ]);
}
