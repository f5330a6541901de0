/**
 * Cutting a result over Telegram's per-file limit into numbered byte ranges: sizes, names, the
 * join commands, and a sparse 2000 MiB + 1 byte file planned without reading it.
 */
import { mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { joinCommands, partName, partsNeeded, planByteParts, ResultPartsError } from '../../../src/transfer/resultParts.js';
import { MAX_PART_SIZE, MAX_UPLOAD_BYTES, planUpload } from '../../../src/transfer/uploadPlan.js';
import { seededRandom } from '../../helpers/seededRandom.js';

const MIB = 1024 * 1024;

describe('result parts: numbered byte ranges under the per-file limit', () => {
  it('a 25 MiB file under a 10 MiB limit is three balanced ranges named .001-.003 that cover it exactly', () => {
    const parts = planByteParts(25 * MIB, 10 * MIB, 'backup.tar');
    expect(parts.map((p) => p.name)).to.deep.equal(['backup.tar.001', 'backup.tar.002', 'backup.tar.003']);
    expect(parts.map((p) => [p.start, p.end])).to.deep.equal([
      [0, 8.5 * MIB],
      [8.5 * MIB, 17 * MIB],
      [17 * MIB, 25 * MIB],
    ]);
  });

  it('a file that fits is one range with its own name', () => {
    expect(planByteParts(10 * MIB, 10 * MIB, 'a.bin')).to.deep.equal([{ index: 0, start: 0, end: 10 * MIB, name: 'a.bin' }]);
    expect(partsNeeded(10 * MIB + 1, 10 * MIB)).to.equal(2);
  });

  it('keeps every range within the limit, whole upload parts but the last, covering the file, for many sizes', () => {
    const random = seededRandom(11);
    for (let run = 0; run < 500; run++) {
      const maxBytes = (1 + Math.floor(random() * 40)) * MAX_PART_SIZE;
      const size = 1 + Math.floor(random() * maxBytes * 7);
      const parts = planByteParts(size, maxBytes, 'f');
      expect(parts.length, `size ${size} limit ${maxBytes}`).to.equal(Math.ceil(size / maxBytes));
      let at = 0;
      for (const part of parts) {
        expect(part.start).to.equal(at);
        expect(part.end - part.start).to.be.greaterThan(0).and.at.most(maxBytes);
        if (part.index < parts.length - 1) expect((part.end - part.start) % MAX_PART_SIZE).to.equal(0);
        at = part.end;
      }
      expect(at).to.equal(size);
    }
  });

  it('numbers with three digits, more past 999 parts', () => {
    expect(partName('x.mkv', 0, 3)).to.equal('x.mkv.001');
    expect(partName('x.mkv', 41, 1200)).to.equal('x.mkv.0042');
  });

  it('gives the join commands for Linux/macOS and Windows, quoting names with spaces', () => {
    expect(joinCommands('backup.tar', 3)).to.deep.equal({
      unix: 'cat backup.tar.0* > backup.tar',
      windows: 'copy /b backup.tar.001+backup.tar.002+backup.tar.003 backup.tar',
    });
    expect(joinCommands("my file's.zip", 2)).to.deep.equal({
      unix: `cat 'my file'\\''s.zip'.0* > 'my file'\\''s.zip'`,
      windows: `copy /b "my file's.zip.001"+"my file's.zip.002" "my file's.zip"`,
    });
  });

  it('refuses a limit that is not whole 512 KiB parts', () => {
    expect(() => planByteParts(100, 1000, 'x')).to.throw(ResultPartsError, /512 KiB/);
  });

  it('a sparse 2000 MiB + 1 byte file plans 2 parts without being read, each uploadable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'courier-parts-'));
    try {
      const path = join(dir, 'huge.bin');
      await writeFile(path, '');
      await truncate(path, MAX_UPLOAD_BYTES + 1);
      const { size } = await stat(path);
      const parts = planByteParts(size, MAX_UPLOAD_BYTES, 'huge.bin');
      expect(parts.map((p) => p.name)).to.deep.equal(['huge.bin.001', 'huge.bin.002']);
      expect(parts[0]!.end - parts[0]!.start).to.equal(1000 * MIB + MAX_PART_SIZE);
      expect(parts[1]!.end).to.equal(MAX_UPLOAD_BYTES + 1);
      for (const part of parts) expect(planUpload(part.end - part.start).totalParts).to.be.at.most(4000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
