import { expect } from 'chai';
import bigInt from 'big-integer';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, errors } from 'telegram';
import { gramChunkFetcher, type SenderSource } from '../../../../src/telegram/files/downloadInvoker.js';
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
