import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, formatConfigError, loadConfig } from '../../../src/config/index.js';

describe('ops config: the HTTP endpoint, alerts, backups and the proxy', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'courier-ops-config-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('keeps the endpoint off and on loopback by default, and the old bots\' alert thresholds', () => {
    const config = loadConfig({ cwd, env: {} });
    expect(config.ops).to.deep.equal({ httpPort: 0, httpHost: '127.0.0.1' });
    expect(config.alerts).to.include({ minFreeDiskPercent: 10, maxMemoryPercent: 80, slowReplySeconds: 30, slowReplyWindowMinutes: 5, telegramDownSeconds: 120, repeatMinutes: 60 });
    expect(config.backups).to.include({ everyHours: 24, keep: 7 });
  });

  it('puts the backups inside the data directory unless told otherwise', () => {
    expect(loadConfig({ cwd, env: { COURIER_DATA_DIR: 'elsewhere' } }).backups.dir).to.equal(join(cwd, 'elsewhere', 'backups'));
    expect(loadConfig({ cwd, env: { COURIER__BACKUPS__DIR: '/srv/backups' } }).backups.dir).to.equal('/srv/backups');
  });

  it('reads the port from COURIER__OPS__HTTP_PORT and the proxy from COURIER_PROXY_URL', () => {
    const config = loadConfig({ cwd, env: { COURIER__OPS__HTTP_PORT: '9464', COURIER_PROXY_URL: 'socks5://courier:hunter2pass@10.0.0.5:1080' } });
    expect(config.ops.httpPort).to.equal(9464);
    expect(config.telegram.proxy).to.equal('socks5://courier:hunter2pass@10.0.0.5:1080');
  });

  it('refuses a proxy that is not a socks or mtproxy URL without showing its password', () => {
    let error: unknown;
    try {
      loadConfig({ cwd, env: { COURIER_PROXY_URL: 'http://courier:hunter2pass@10.0.0.5:3128' } });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ConfigError);
    const text = formatConfigError(error as ConfigError);
    expect(text).to.contain('telegram.proxy').and.to.contain('COURIER_PROXY_URL');
    expect(text).not.to.contain('hunter2pass');
  });
});
