import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DOWNLOAD_CHUNK_SIZE, downloadFile, type FetchChunkRequest } from '../../../src/transfer/download.js';
import type { TransferClock } from '../../../src/transfer/runParts.js';
import { TransferCancelledError, TransferFloodWaitError } from '../../../src/transfer/transferErrors.js';

function seededBytes(seed: number, length: number): Buffer {
  let s = seed >>> 0 || 1;
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

function fakeClock(): TransferClock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return { sleeps, now: () => now, sleep: async (ms) => void (sleeps.push(ms), (now += ms)) };
}

/** Serves a file the way upload.getFile does, refusing requests that break its rules. */
function fakeServer(source: Buffer, fail: (req: FetchChunkRequest, attempt: number) => Error | undefined = () => undefined) {
  const requests: FetchChunkRequest[] = [];
  const attempts = new Map<number, number>();
  const fetchChunk = async (req: FetchChunkRequest) => {
    requests.push(req);
    const attempt = (attempts.get(req.offset) ?? 0) + 1;
    attempts.set(req.offset, attempt);
    await Promise.resolve();
    if (req.offset % 4096 !== 0 || req.limit % 4096 !== 0 || (1024 * 1024) % req.limit !== 0) {
      throw new Error('LIMIT_INVALID');
    }
    if (Math.floor(req.offset / 1048576) !== Math.floor((req.offset + req.limit - 1) / 1048576)) {
      throw new Error('OFFSET_INVALID: crosses a 1 MiB boundary');
    }
    const failure = fail(req, attempt);
    if (failure) throw failure;
    return source.subarray(req.offset, req.offset + req.limit);
  };
  return { fetchChunk, requests, attempts };
}

describe('downloadFile: parallel, resumable download into place', () => {
  let dir: string;
  const SIZE = 5 * DOWNLOAD_CHUNK_SIZE + 777;
  const source = seededBytes(3, SIZE);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'courier-download-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('fetches 1 MiB chunks at 1 MiB offsets and writes them byte-exactly', async () => {
    const server = fakeServer(source);
    const dest = join(dir, 'in.mp4');
    const done: number[] = [];
    await downloadFile({
      fetchChunk: server.fetchChunk,
      destPath: dest,
      size: SIZE,
      windowSize: 3,
      clock: fakeClock(),
      onChunkCompleted: (c) => void done.push(c),
    });
    expect((await readFile(dest)).equals(source)).to.equal(true);
    expect(server.requests.every((r) => r.limit === DOWNLOAD_CHUNK_SIZE && r.offset % DOWNLOAD_CHUNK_SIZE === 0)).to.equal(true);
    expect(done.sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5]);
  });

  it('a window of chunks confirmed in one burst is reported chunk by chunk, with no time passing', async () => {
    const server = fakeServer(source);
    const seen: number[] = [];
    await downloadFile({
      fetchChunk: server.fetchChunk,
      destPath: join(dir, 'burst.bin'),
      size: SIZE,
      windowSize: 6,
      clock: fakeClock(),
      completedChunks: [],
      onProgress: (p) => seen.push(p.completedBytes),
    });
    // Start, then one report per chunk (each is 16% of this file); the last is the whole size.
    expect(seen).to.have.length(7);
    expect(seen[0]).to.equal(0);
    expect(seen.at(-1)).to.equal(SIZE);
    expect(seen).to.deep.equal([...seen].sort((a, b) => a - b));
  });

  it('resumes from what is on disk: only the chunks not recorded are fetched', async () => {
    const dest = join(dir, 'partial.mp4');
    // A previous run wrote chunks 0 and 3 (and recorded them), then died.
    const partial = Buffer.alloc(SIZE);
    for (const c of [0, 3]) source.copy(partial, c * DOWNLOAD_CHUNK_SIZE, c * DOWNLOAD_CHUNK_SIZE, (c + 1) * DOWNLOAD_CHUNK_SIZE);
    await writeFile(dest, partial);
    const server = fakeServer(source);
    await downloadFile({ fetchChunk: server.fetchChunk, destPath: dest, size: SIZE, completedChunks: [0, 3], clock: fakeClock() });
    expect(server.requests.map((r) => r.offset / DOWNLOAD_CHUNK_SIZE).sort()).to.deep.equal([1, 2, 4, 5]);
    expect((await readFile(dest)).equals(source)).to.equal(true);
  });

  it('retries a failed chunk and pauses on FLOOD_WAIT', async () => {
    const clock = fakeClock();
    const server = fakeServer(source, (req, attempt) => {
      if (req.offset === DOWNLOAD_CHUNK_SIZE && attempt === 1) return new Error('TIMEOUT');
      if (req.offset === 4 * DOWNLOAD_CHUNK_SIZE && attempt === 1) return new TransferFloodWaitError(3);
      return undefined;
    });
    const dest = join(dir, 'flaky.mp4');
    await downloadFile({ fetchChunk: server.fetchChunk, destPath: dest, size: SIZE, clock, baseBackoffMs: 100 });
    expect(server.attempts.get(DOWNLOAD_CHUNK_SIZE)).to.equal(2);
    expect(server.attempts.get(4 * DOWNLOAD_CHUNK_SIZE)).to.equal(2);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).to.be.at.least(3000);
    expect((await readFile(dest)).equals(source)).to.equal(true);
  });

  it('a short chunk in the middle is not written as if complete', async () => {
    const server = fakeServer(source);
    let shortened = false;
    const fetchChunk = async (req: FetchChunkRequest) => {
      const bytes = await server.fetchChunk(req);
      if (req.offset === 2 * DOWNLOAD_CHUNK_SIZE && !shortened) {
        shortened = true;
        return bytes.subarray(0, 1000);
      }
      return bytes;
    };
    const dest = join(dir, 'short.mp4');
    await downloadFile({ fetchChunk, destPath: dest, size: SIZE, clock: fakeClock() });
    expect(server.attempts.get(2 * DOWNLOAD_CHUNK_SIZE)).to.equal(2);
    expect((await readFile(dest)).equals(source)).to.equal(true);
  });

  it('cancel stops while fetches hang, keeping the completed chunks recorded', async () => {
    const controller = new AbortController();
    const completed: number[] = [];
    const fetchChunk = async (req: FetchChunkRequest) => {
      if (req.offset >= 2 * DOWNLOAD_CHUNK_SIZE) {
        setImmediate(() => controller.abort());
        return new Promise<Uint8Array>(() => {});
      }
      return source.subarray(req.offset, req.offset + req.limit);
    };
    const error = await downloadFile({
      fetchChunk,
      destPath: join(dir, 'cancel.mp4'),
      size: SIZE,
      windowSize: 2,
      clock: fakeClock(),
      signal: controller.signal,
      onChunkCompleted: (c) => void completed.push(c),
    }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TransferCancelledError);
    expect(completed.length).to.be.at.most(2);
  });
});
