import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

describe('links config: allowed ports and the deny-list', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'courier-links-config-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('defaults to ports 80 and 443 only (no extra ports), no deny-list, a 600 s deadline and 10 KB/s', () => {
    const { links } = loadConfig({ cwd, env: {} });
    expect(links).to.deep.include({ allowedPorts: [], denyCidrs: [], deadlineSeconds: 600, minBytesPerSecond: 10_240 });
  });

  it('reads comma-separated lists from the environment, as COURIER_ADMINS does, and one port alone', () => {
    const { links } = loadConfig({
      cwd,
      env: { COURIER__LINKS__ALLOWED_PORTS: '8080, 8443', COURIER__LINKS__DENY_CIDRS: '203.0.113.0/24,2001:db8::/32' },
    });
    expect(links.allowedPorts).to.deep.equal([8080, 8443]);
    expect(links.denyCidrs).to.deep.equal(['203.0.113.0/24', '2001:db8::/32']);
    expect(loadConfig({ cwd, env: { COURIER__LINKS__ALLOWED_PORTS: '8080' } }).links.allowedPorts).to.deep.equal([8080]);
    expect(loadConfig({ cwd, env: { COURIER__LINKS__ALLOWED_PORTS: '[9000]' } }).links.allowedPorts).to.deep.equal([9000]);
  });

  it('refuses a port out of range and a deny-list entry that is not a CIDR range, naming the key', () => {
    for (const env of [{ COURIER__LINKS__ALLOWED_PORTS: '80,70000' }, { COURIER__LINKS__DENY_CIDRS: '10.0.0.0/8,intranet' }]) {
      let error: unknown;
      try {
        loadConfig({ cwd, env });
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(env)).to.be.instanceOf(ConfigError);
      // The list's own key, the text as written, and the entry at fault.
      expect((error as ConfigError).message).to.match(/links\.(allowedPorts|denyCidrs) \(from env [A-Z_]+\): got "[^"]+"; expected .*\(not (70000|"intranet")\)/);
    }
  });
});
