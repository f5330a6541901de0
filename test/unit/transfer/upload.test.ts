import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { TransferClock } from '../../../src/transfer/runParts.js';
import {
  TransferCancelledError,
  TransferFailedError,
  TransferFatalError,
  TransferFloodWaitError,
} from '../../../src/transfer/transferErrors.js';
import { uploadFile, type SendPartRequest } from '../../../src/transfer/upload.js';
import { MAX_PART_SIZE, MAX_UPLOAD_BYTES, planUpload, UploadPlanError } from '../../../src/transfer/uploadPlan.js';

/** Deterministic bytes (xorshift32) so a failure reproduces. */
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

/** Time moves only when the code under test sleeps. */
function fakeClock(): TransferClock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

/** A fake Telegram that stores parts and can fail chosen sends. */
function fakeTelegram(script: (req: SendPartRequest, attempt: number) => Error | 'hang' | undefined = () => undefined) {
  const parts = new Map<number, Buffer>();
  const attempts = new Map<number, number>();
  const calls: SendPartRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const sendPart = async (req: SendPartRequest) => {
    calls.push(req);
    const attempt = (attempts.get(req.part) ?? 0) + 1;
    attempts.set(req.part, attempt);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await Promise.resolve(); // answer on a later tick, like a network would
      const outcome = script(req, attempt);
      if (outcome === 'hang') await new Promise<never>(() => {});
      if (outcome) throw outcome;
      parts.set(req.part, Buffer.from(req.bytes)); // copy: the view is reused after we resolve
    } finally {
      inFlight--;
    }
  };
  const reassemble = (total: number) => Buffer.concat([...Array(total).keys()].map((i) => parts.get(i) ?? Buffer.alloc(0)));
  return { sendPart, parts, attempts, calls, reassemble, maxInFlight: () => maxInFlight };
}

describe('uploadFile: parallel, resumable big-file upload', () => {
  let dir: string;
  let bigPath: string;
  let bigBytes: Buffer;
  const BIG = 20 * 1000 * 1000 + 12345; // 20 MB and a ragged last part

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'courier-upload-'));
    bigPath = join(dir, 'video.mp4');
    bigBytes = seededBytes(42, BIG);
    await writeFile(bigPath, bigBytes);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('a 20 MB file reaches Telegram byte-exactly as saveBigFilePart parts, window kept full', async () => {
    const telegram = fakeTelegram();
    const confirmed: number[] = [];
    const result = await uploadFile({
      sendPart: telegram.sendPart,
      filePath: bigPath,
      windowSize: 6,
      clock: fakeClock(),
      onPartConfirmed: ({ part }) => void confirmed.push(part),
    });
    const totalParts = Math.ceil(BIG / MAX_PART_SIZE);
    expect(result).to.include({ parts: totalParts, name: 'video.mp4', big: true });
    expect(result.md5).to.equal(undefined);
    expect(BigInt(result.id) >= -(2n ** 63n) && BigInt(result.id) < 2n ** 63n).to.equal(true);
    expect(telegram.reassemble(totalParts).equals(bigBytes)).to.equal(true);
    expect(telegram.calls.every((c) => c.big && c.totalParts === totalParts && c.fileId === result.id)).to.equal(true);
    expect(telegram.maxInFlight()).to.be.at.most(6);
    expect(confirmed.sort((a, b) => a - b)).to.deep.equal([...Array(totalParts).keys()]);
  });

  it('keeps windowSize parts in flight and starts the next as soon as any one is confirmed', async () => {
    const pending = new Map<number, () => void>();
    let onCall: (() => void) | undefined;
    const callsSeen: number[] = [];
    const sendPart = (req: SendPartRequest) =>
      new Promise<void>((resolve) => {
        callsSeen.push(req.part);
        pending.set(req.part, resolve);
        onCall?.();
      });
    const callCount = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (callsSeen.length >= n) resolve();
        };
        onCall = check;
        check();
      });
    const upload = uploadFile({ sendPart, filePath: bigPath, windowSize: 6, clock: fakeClock() });
    await callCount(6);
    // Reads finish in any order, so the sends may too.
    expect([...callsSeen].sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    pending.get(2)!(); // parts 0, 1, 3, 4, 5 stay unanswered: no batch barrier holds part 6 back
    await callCount(7);
    expect(callsSeen[6]).to.equal(6);
    expect(callsSeen.length).to.equal(7);
    onCall = () => {
      for (const [part, resolve] of pending) {
        pending.delete(part);
        resolve();
      }
    };
    onCall();
    const result = await upload;
    expect(new Set(callsSeen).size).to.equal(result.parts);
  });

  it('never allocates more than windowSize part buffers, whatever the file size', async () => {
    const telegram = fakeTelegram();
    let allocated = 0;
    await uploadFile({
      sendPart: telegram.sendPart,
      filePath: bigPath,
      windowSize: 4,
      clock: fakeClock(),
      allocate: (size) => {
        allocated += size;
        return Buffer.allocUnsafe(size);
      },
    });
    expect(telegram.parts.size).to.equal(Math.ceil(BIG / MAX_PART_SIZE));
    expect(allocated).to.be.at.most(4 * MAX_PART_SIZE);
  });

  it('retries a part that failed, after a backoff', async () => {
    const telegram = fakeTelegram((req, attempt) => (req.part === 3 && attempt === 1 ? new Error('connection reset') : undefined));
    const clock = fakeClock();
    await uploadFile({ sendPart: telegram.sendPart, filePath: bigPath, windowSize: 4, clock, baseBackoffMs: 250 });
    expect(telegram.attempts.get(3)).to.equal(2);
    expect(clock.sleeps).to.include(250);
    expect(telegram.reassemble(telegram.parts.size).equals(bigBytes)).to.equal(true);
  });

  it('gives up with TransferFailedError when a part keeps failing, keeping what was confirmed', async () => {
    const telegram = fakeTelegram((req) => (req.part === 2 ? new Error('broken') : undefined));
    const confirmed: number[] = [];
    const upload = uploadFile({
      sendPart: telegram.sendPart,
      filePath: bigPath,
      windowSize: 2,
      maxAttempts: 3,
      clock: fakeClock(),
      onPartConfirmed: ({ part }) => void confirmed.push(part),
    });
    const error = await upload.then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(TransferFailedError);
    expect(telegram.attempts.get(2)).to.equal(3);
    expect(confirmed).to.include.members([0, 1]);
  });

  it('a fatal error stops the upload without retrying', async () => {
    const telegram = fakeTelegram((req) => (req.part === 1 ? new TransferFatalError('FILE_PART_SIZE_INVALID') : undefined));
    const error = await uploadFile({ sendPart: telegram.sendPart, filePath: bigPath, windowSize: 2, clock: fakeClock() }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TransferFailedError);
    expect(telegram.attempts.get(1)).to.equal(1);
  });

  it('FLOOD_WAIT pauses every part for the asked seconds before sending again', async () => {
    const clock = fakeClock();
    let floodAt: number | undefined;
    const sentAt: number[] = [];
    const telegram = fakeTelegram((req, attempt) => {
      if (floodAt !== undefined) sentAt.push(clock.now());
      if (req.part === 5 && attempt === 1) {
        floodAt = clock.now();
        return new TransferFloodWaitError(7);
      }
      return undefined;
    });
    await uploadFile({ sendPart: telegram.sendPart, filePath: bigPath, windowSize: 4, clock });
    expect(floodAt).to.not.equal(undefined);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).to.equal(7000);
    // Sends already on the wire may finish, but no send *starts* inside the pause.
    const startedAfterFlood = telegram.calls.slice(telegram.calls.findIndex((c) => c.part === 5) + 4);
    expect(startedAfterFlood.length).to.be.greaterThan(0);
    expect(sentAt.filter((t) => t < floodAt! + 7000).length).to.be.at.most(3);
    expect(telegram.reassemble(telegram.parts.size).equals(bigBytes)).to.equal(true);
  });

  it('resumes with the same file id, sending only the parts not confirmed before', async () => {
    const totalParts = Math.ceil(BIG / MAX_PART_SIZE);
    const first = fakeTelegram((req) => (req.part >= 10 ? new TransferFatalError('stop here') : undefined));
    const persisted: number[] = [];
    let fileId = '';
    await uploadFile({
      sendPart: first.sendPart,
      filePath: bigPath,
      windowSize: 3,
      clock: fakeClock(),
      onPartConfirmed: (e) => {
        fileId = e.fileId;
        persisted.push(e.part);
      },
    }).catch(() => undefined);
    expect(persisted.length).to.be.greaterThan(0).and.lessThan(totalParts);

    const second = fakeTelegram();
    const result = await uploadFile({
      sendPart: second.sendPart,
      filePath: bigPath,
      fileId,
      confirmedParts: persisted,
      windowSize: 3,
      clock: fakeClock(),
    });
    expect(result.id).to.equal(fileId);
    const resent = second.calls.map((c) => c.part);
    expect(resent.filter((p) => persisted.includes(p))).to.deep.equal([]);
    expect(resent.length).to.equal(totalParts - persisted.length);
    for (const [part, bytes] of first.parts) second.parts.set(part, bytes);
    expect(second.reassemble(totalParts).equals(bigBytes)).to.equal(true);
  });

  it('cancel through the AbortSignal stops at once even while sends hang', async () => {
    const controller = new AbortController();
    const telegram = fakeTelegram((req) => (req.part >= 2 ? 'hang' : undefined));
    let confirmedCount = 0;
    const upload = uploadFile({
      sendPart: telegram.sendPart,
      filePath: bigPath,
      windowSize: 4,
      clock: fakeClock(),
      signal: controller.signal,
      onPartConfirmed: () => {
        confirmedCount++;
        if (confirmedCount === 2) setImmediate(() => controller.abort());
      },
    });
    const error = await upload.catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TransferCancelledError);
    const callsAtCancel = telegram.calls.length;
    expect(callsAtCancel).to.be.at.most(6);
    expect(telegram.parts.size).to.equal(2);
  });

  it('reports progress at each whole percent, in order, from 0 to the whole size, whatever the clock', async () => {
    const clock = fakeClock();
    const telegram = fakeTelegram((req, attempt) => (req.part % 10 === 9 && attempt === 1 ? new Error('retry me') : undefined));
    const seen: { parts: number; bytes: number }[] = [];
    await uploadFile({
      sendPart: telegram.sendPart,
      filePath: bigPath,
      windowSize: 4,
      clock,
      baseBackoffMs: 600,
      onProgress: (p) => seen.push({ parts: p.confirmedParts, bytes: p.confirmedBytes }),
    });
    const percents = seen.map((s) => Math.floor((s.bytes / BIG) * 100));
    expect(seen[0]).to.deep.equal({ parts: 0, bytes: 0 });
    expect(seen.at(-1)!.bytes).to.equal(BIG);
    expect(new Set(percents).size, 'one report per percent').to.equal(percents.length);
    expect(percents, 'in order').to.deep.equal([...percents].sort((a, b) => a - b));
    // A part is 2.6% of this file, so every confirmation moves the percent and none is hidden
    // behind a timer: the start plus one report per part.
    const totalParts = Math.ceil(BIG / (512 * 1024));
    expect(seen.at(-1)!.parts).to.equal(totalParts);
    expect(seen).to.have.length(totalParts + 1);
  });

  it('a small file goes through saveFilePart and carries its MD5', async () => {
    const path = join(dir, 'voice.ogg');
    const bytes = seededBytes(7, 1_500_000);
    await writeFile(path, bytes);
    const telegram = fakeTelegram();
    const result = await uploadFile({ sendPart: telegram.sendPart, filePath: path, clock: fakeClock() });
    expect(result).to.include({ big: false, parts: 3 });
    expect(result.md5).to.equal(createHash('md5').update(bytes).digest('hex'));
    expect(telegram.calls.every((c) => !c.big)).to.equal(true);
    expect(telegram.reassemble(3).equals(bytes)).to.equal(true);
  });

  it('uploads a byte range of a file as a file of its own (a part of a split result), MD5 of the range only', async () => {
    const start = 3 * MAX_PART_SIZE + 17;
    const end = start + 2_000_000;
    const telegram = fakeTelegram();
    const result = await uploadFile({ sendPart: telegram.sendPart, filePath: bigPath, name: 'video.mp4.002', range: { start, end }, clock: fakeClock() });
    const expected = bigBytes.subarray(start, end);
    expect(result).to.include({ parts: Math.ceil(expected.length / MAX_PART_SIZE), name: 'video.mp4.002', big: false });
    expect(telegram.reassemble(result.parts).equals(expected)).to.equal(true);
    expect(result.md5).to.equal(createHash('md5').update(expected).digest('hex'));
    // A range past the end is refused before anything is sent.
    const refused = await uploadFile({ sendPart: telegram.sendPart, filePath: bigPath, range: { start: 0, end: BIG + 1 }, clock: fakeClock() }).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(TransferFatalError);
  });

  it('honours a part limit below 4000 (upload_max_fileparts_default from the app config)', async () => {
    const telegram = fakeTelegram();
    const refused = await uploadFile({ sendPart: telegram.sendPart, filePath: bigPath, maxParts: 20, clock: fakeClock() }).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(UploadPlanError).with.property('message').that.matches(/at most 20 \(10485760 bytes/);
    expect(telegram.calls).to.deep.equal([]);
  });

  it('a sparse 2000 MiB file plans 4000 parts without being read; one byte more is refused', async () => {
    const path = join(dir, 'huge.bin');
    await writeFile(path, '');
    await truncate(path, MAX_UPLOAD_BYTES);
    const plan = planUpload((await stat(path)).size);
    expect(plan).to.deep.equal({
      fileSize: MAX_UPLOAD_BYTES,
      partSize: 512 * 1024,
      totalParts: 4000,
      lastPartSize: 512 * 1024,
      big: true,
    });
    expect(planUpload(2_000_000_000)).to.include({ totalParts: 3815, lastPartSize: 2_000_000_000 - 3814 * 524288 });
    expect(() => planUpload(MAX_UPLOAD_BYTES + 1)).to.throw(UploadPlanError, /at most 4000/);
    expect(() => planUpload(0)).to.throw(UploadPlanError);
    expect(() => planUpload(100, 1000)).to.throw(UploadPlanError, /524288/);

    // Uploading it reads only the parts actually sent: cancel after three and count reads.
    const controller = new AbortController();
    let allocated = 0;
    const telegram = fakeTelegram((req) => {
      if (req.part >= 3) controller.abort();
      return undefined;
    });
    const error = await uploadFile({
      sendPart: telegram.sendPart,
      filePath: path,
      windowSize: 2,
      clock: fakeClock(),
      signal: controller.signal,
      allocate: (size) => {
        allocated += size;
        return Buffer.alloc(size);
      },
    }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TransferCancelledError);
    expect(telegram.calls.length).to.be.at.most(5);
    expect(allocated).to.equal(2 * MAX_PART_SIZE);
  });
});
