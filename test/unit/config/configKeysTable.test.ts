import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configKeysTable } from '../../../src/config/index.js';

const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
const valueKeys = (table: string) => [...table.matchAll(/^\| `([\w.]+)` \|/gm)].map((m) => m[1]);

describe('configKeysTable', () => {
  it('has a row with variable, default and meaning for every key', () => {
    const table = configKeysTable();
    expect(table).to.contain('| `telegram.apiId` | `COURIER_API_ID` | `null` |');
    expect(table).to.contain('| `updates.oldMessages.action` | `COURIER__UPDATES__OLD_MESSAGES__ACTION` | `"handle"` |');
    expect(table).to.contain('| `jobs.poolSize` | `COURIER__JOBS__POOL_SIZE` | number of CPUs |');
    expect(table).to.match(/\| `telegram.apiHash` .*\*\*secret\*\* \|/);
    expect(valueKeys(table)).to.have.length.greaterThan(35);
    for (const line of table.split('\n').slice(2)) expect(line.split(' | ').at(-1), line).to.match(/\w/);
  });

  // Always run: a README without the marker, or missing a key, fails here rather than being skipped.
  it('is all in README.md, under <!-- config-table -->', () => {
    expect(readme, 'README.md has lost its <!-- config-table --> marker').to.contain('<!-- config-table -->');
    const missing = valueKeys(configKeysTable()).filter((key) => !readme.includes(`\`${key}\``));
    expect(missing, 'paste the output of configKeysTable() into README.md under <!-- config-table -->').to.deep.equal([]);
  });
});
