import { expect } from 'chai';
import bigInt from 'big-integer';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, errors } from 'telegram';
import { gramChunkFetcher, LeastBusy, type SenderSource } from '../../../../src/telegram/files/downloadInvoker.js';
import { TransferFloodWaitError } from '../../../../src/transfer/transferErrors.js';
import { journalPathOf, openChunkJournal } from '../../../../src/telegram/files/mediaChunkJournal.js';
import { FileReferenceExpiredError } from '../../../../src/telegram/files/mediaErrors.js';
import { TransferFatalError } from '../../../../src/transfer/transferErrors.js';

const MIB = 1024 * 1024;
const location = new Api.InputDocumentFileLocation({ id: bigInt(1), accessHash: bigInt(2), fileReference: Buffer.from('r'), thumbSize: '' });

/** A client whose DCs answer with `answer(dc, request)`; records which DC each request went to. */
function fakeClient(answer: (dc: number, req: Api.upload.GetFile) => unknown): SenderSource & { asked: number[] } {
  const asked: number[] = [];
  return {
    asked,
    session: { dcId: 2 },
    getSender: (async (dc: number) => ({
      send: (req: Api.upload.GetFile) => {
        asked.push(dc);
        try {
          return Promise.resolve(answer(dc, req));
        } catch (error) {
          return Promise.reject(error);
        }
      },
    })) as unknown as SenderSource['getSender'],
  };
}

describe('downloadInvoker: upload.getFile for one file', () => {
  it('FILE_MIGRATE_4 moves this chunk and every later one to DC 4', async () => {
    const client = fakeClient((dc, req) => {
      if (dc !== 4) throw new errors.FileMigrateError({ request: req, capture: 4 } as never);
      return new Api.upload.File({ type: new Api.storage.FilePartial(), mtime: 0, bytes: Buffer.from([Number(req.offset.toString()) / MIB]) });
    });
    const fetcher = gramChunkFetcher(client, location);
    const signal = new AbortController().signal;
    expect([...(await fetcher.fetchChunk({ offset: 0, limit: MIB, signal }))]).to.deep.equal([0]);
    expect([...(await fetcher.fetchChunk({ offset: 3 * MIB, limit: MIB, signal }))]).to.deep.equal([3]);
    expect(client.asked).to.deep.equal([2, 4, 4]);
    expect(fetcher.dcId()).to.equal(4);
  });

  it('FILE_REFERENCE_EXPIRED stops the download with an error that says how to get a fresh reference', async () => {
    const client = fakeClient((_dc, req) => {
      throw new errors.RPCError('FILE_REFERENCE_EXPIRED', req as never, 400);
    });
    const fetcher = gramChunkFetcher(client, location, 2, '"clip.mp4"');
    const failure = await fetcher.fetchChunk({ offset: 0, limit: MIB, signal: new AbortController().signal }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure).to.be.instanceOf(TransferFatalError);
    const cause = (failure as Error).cause;
    expect(cause).to.be.instanceOf(FileReferenceExpiredError);
    expect((cause as Error).message).to.match(/"clip\.mp4".*Fetch the message again/);
  });
});

/** A media connection whose answers the test releases by hand; records the offsets it was asked for. */
function heldSender(name: string) {
  const asked: number[] = [];
  const pending: { offset: number; settle(answer: unknown, failed?: boolean): void }[] = [];
  return {
    name,
    asked,
    pending,
    send: (req: Api.upload.GetFile) => {
      const offset = Number(req.offset.toString());
      asked.push(offset);
      return new Promise((resolve, reject) => pending.push({ offset, settle: (answer, failed) => (failed ? reject(answer) : resolve(answer)) }));
    },
    disconnect: async () => {},
  };
}
const fileOf = (offset: number) => new Api.upload.File({ type: new Api.storage.FilePartial(), mtime: 0, bytes: Buffer.from([offset / MIB]) });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('downloadInvoker: chunks spread over media connections', () => {
  const signal = new AbortController().signal;

  it('each chunk goes to the connection with the fewest chunks in flight, and a freed connection takes the next', async () => {
    const a = heldSender('a');
    const b = heldSender('b');
    const client = fakeClient(() => {
      throw new Error('the borrowed sender must not be used for the home DC');
    });
    const fetcher = gramChunkFetcher(client, location, 2, 'x', { mediaSenders: [a, b] as never });
    const chunks = [0, 1, 2, 3].map((i) => fetcher.fetchChunk({ offset: i * MIB, limit: MIB, signal }));
    await tick();
    expect(a.asked).to.deep.equal([0, 2 * MIB]);
    expect(b.asked).to.deep.equal([MIB, 3 * MIB]);
    // b answers one chunk: b is now the less busy one, so the next chunk goes there, not round-robin.
    b.pending.shift()!.settle(fileOf(MIB));
    expect([...(await chunks[1]!)]).to.deep.equal([1]);
    const fifth = fetcher.fetchChunk({ offset: 4 * MIB, limit: MIB, signal });
    await tick();
    expect(b.asked).to.deep.equal([MIB, 3 * MIB, 4 * MIB]);
    for (const s of [a, b]) for (const p of s.pending.splice(0)) p.settle(fileOf(p.offset));
    expect((await Promise.all([chunks[0]!, chunks[2]!, chunks[3]!, fifth])).map((c) => c[0])).to.deep.equal([0, 2, 3, 4]);
    expect(client.asked).to.deep.equal([]);
  });

  it('FILE_MIGRATE_4 on a media connection moves this and later chunks to GramJS\'s sender for DC 4', async () => {
    const a = heldSender('a');
    const client = fakeClient((dc, req) => {
      expect(dc).to.equal(4);
      return fileOf(Number(req.offset.toString()));
    });
    const fetcher = gramChunkFetcher(client, location, 2, 'x', { mediaSenders: [a] as never });
    const first = fetcher.fetchChunk({ offset: 0, limit: MIB, signal });
    await tick();
    a.pending.shift()!.settle(new errors.FileMigrateError({ request: {}, capture: 4 } as never), true);
    expect([...(await first)]).to.deep.equal([0]);
    expect([...(await fetcher.fetchChunk({ offset: 2 * MIB, limit: MIB, signal }))]).to.deep.equal([2]);
    expect(a.asked).to.deep.equal([0]);
    expect(client.asked).to.deep.equal([4, 4]);
    expect(fetcher.dcId()).to.equal(4);
  });

  it('FLOOD_WAIT_7 on a chunk reaches the part window as a flood wait of 7 s, not slept inside GramJS', async () => {
    const a = heldSender('a');
    const fetcher = gramChunkFetcher(fakeClient(() => null), location, 2, 'x', { mediaSenders: [a] as never });
    const chunk = fetcher.fetchChunk({ offset: 0, limit: MIB, signal }).then(
      () => null,
      (e: unknown) => e,
    );
    await tick();
    a.pending.shift()!.settle(new errors.FloodWaitError({ request: {}, capture: 7 } as never), true);
    const failure = await chunk;
    expect(failure).to.be.instanceOf(TransferFloodWaitError);
    expect((failure as TransferFloodWaitError).seconds).to.equal(7);
  });

  it('LeastBusy counts a task busy until it settles, failures included', async () => {
    const pool = new LeastBusy(['x', 'y']);
    let fail!: (e: Error) => void;
    const running = pool.run(() => new Promise<void>((_, reject) => (fail = reject)));
    expect(pool.loads()).to.deep.equal([1, 0]);
    fail(new Error('boom'));
    await running.catch(() => {});
    expect(pool.loads()).to.deep.equal([0, 0]);
  });
});

describe('mediaChunkJournal: which chunks of a download are on disk', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'courier-journal-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a partial file without a journal keeps its whole chunks, and the journal then remembers new ones', async () => {
    const dest = join(dir, 'in.bin');
    writeFileSync(dest, Buffer.alloc(2 * MIB + 100));
    const journal = await openChunkJournal(dest, 5 * MIB, MIB);
    expect(journal.completed).to.deep.equal([0, 1]);
    await journal.record(4);
    const again = await openChunkJournal(dest, 5 * MIB, MIB);
    expect(again.completed).to.deep.equal([0, 1, 4]);
    await again.finish();
    expect(existsSync(journalPathOf(dest))).to.equal(false);
  });

  it('a torn last line and numbers out of range are ignored', async () => {
    const dest = join(dir, 'in.bin');
    writeFileSync(journalPathOf(dest), '0\n2\n9\nx\n3');
    const journal = await openChunkJournal(dest, 4 * MIB, MIB);
    expect(journal.completed).to.deep.equal([0, 2]);
    expect(readFileSync(journalPathOf(dest), 'utf8')).to.equal('0\n2\n9\nx\n3');
  });

  it('no file and no journal: nothing to skip, and the journal exists before any chunk is written', async () => {
    const dest = join(dir, 'new.bin');
    const journal = await openChunkJournal(dest, 3 * MIB, MIB);
    expect(journal.completed).to.deep.equal([]);
    expect(existsSync(journalPathOf(dest))).to.equal(true);
  });
});
