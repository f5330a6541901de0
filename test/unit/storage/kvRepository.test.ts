import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKvRepository, openDatabase } from '../../../src/storage/index.js';

describe('kvRepository', () => {
  it('stores, replaces and deletes values, stamping updated_at with the injected clock', () => {
    const db = openDatabase(':memory:');
    let now = 1000;
    const kv = createKvRepository(db, () => now);
    expect(kv.get('state')).to.equal(undefined);
    kv.set('state', 'a');
    now = 2000;
    kv.set('state', 'b');
    expect(kv.get('state')).to.equal('b');
    expect(db.prepare("SELECT updated_at FROM kv WHERE key = 'state'").pluck().get()).to.equal(2000);
    expect(kv.delete('state')).to.equal(true);
    expect(kv.delete('state')).to.equal(false);
    expect(kv.get('state')).to.equal(undefined);
    db.close();
  });

  it('keeps values across connections to the same file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'courier-kv-'));
    try {
      const first = openDatabase(join(dir, 'c.db'));
      createKvRepository(first).set('dialog:42', '{"step":"pick-action"}');
      first.close();
      const second = openDatabase(join(dir, 'c.db'));
      expect(createKvRepository(second).get('dialog:42')).to.equal('{"step":"pick-action"}');
      second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
