import { expect } from 'chai';
import { describeProxy, parseProxyUrl, ProxyConfigError, proxySecrets } from '../../../../src/telegram/connection/proxy.js';
import { buildTelegramClient } from '../../../../src/telegram/connection/client.js';
import { redactText } from '../../../../src/log/redact.js';

const SECRET = '0123456789abcdef0123456789abcdef';

describe('telegram.proxy', () => {
  it('turns a socks5 URL with credentials into GramJS proxy options', () => {
    expect(parseProxyUrl('socks5://courier:p%40ss@10.0.0.5:1080')).to.deep.equal({ ip: '10.0.0.5', port: 1080, socksType: 5, timeout: 10, username: 'courier', password: 'p@ss' });
    expect(parseProxyUrl('socks4://proxy.example:1080')).to.include({ ip: 'proxy.example', socksType: 4 });
  });

  it('turns an mtproxy URL into an MTProxy with its secret, plain or "dd"', () => {
    expect(parseProxyUrl(`mtproxy://${SECRET}@203.0.113.9:443`)).to.deep.equal({ ip: '203.0.113.9', port: 443, secret: SECRET, MTProxy: true });
    expect(parseProxyUrl(`mtproxy://dd${SECRET}@203.0.113.9:443`)).to.include({ secret: `dd${SECRET}` });
  });

  it('refuses what GramJS cannot use, saying what to write instead', () => {
    for (const [url, says] of [
      ['http://proxy:3128', /not supported; use socks5/],
      ['socks5://host', /needs a port/],
      [`mtproxy://ee${SECRET}@h:443`, /fake-TLS/],
      ['mtproxy://nothex@h:443', /32 hexadecimal digits/],
    ] as const) {
      expect(() => parseProxyUrl(url), url).to.throw(ProxyConfigError, says);
    }
  });

  it('names its secrets for the log redaction, and a description without them', () => {
    expect(proxySecrets('socks5://courier:hunter2pass@h:1080')).to.include('hunter2pass');
    expect(proxySecrets(`mtproxy://${SECRET}@h:443`)).to.include(SECRET);
    expect(proxySecrets(null)).to.deep.equal([]);
    expect(describeProxy(parseProxyUrl('socks5://courier:hunter2pass@h:1080'))).to.equal('socks5 proxy h:1080');
  });

  it('is masked in any log text, registered or not', () => {
    expect(redactText('connect failed via socks5://courier:hunter2pass@10.0.0.5:1080 (ECONNREFUSED)')).to.equal('connect failed via socks5://courier:[redacted]@10.0.0.5:1080 (ECONNREFUSED)');
    expect(redactText(`using mtproxy://${SECRET}@203.0.113.9:443`)).to.equal('using mtproxy://[redacted]@203.0.113.9:443');
  });

  it('is handed to the GramJS client, and MTProxy is refused with the sandbox', () => {
    const telegram = { sessionName: 'courier', requestRetries: 1, floodSleepThresholdSeconds: 0, proxy: 'socks5://u:hunter2pass@127.0.0.1:1080' };
    const target = { kind: 'telegram' as const, apiId: 1, apiHash: 'a'.repeat(32), sessionFile: '/tmp/x.session' };
    const { client } = buildTelegramClient(target, null, telegram, 'error');
    expect((client as unknown as { _proxy: unknown })._proxy).to.include({ ip: '127.0.0.1', port: 1080, socksType: 5 });
    const sandbox = { ...target, kind: 'sandbox' as const, sandbox: {} as never };
    expect(() => buildTelegramClient(sandbox, null, { ...telegram, proxy: `mtproxy://${SECRET}@h:443` }, 'error')).to.throw(ProxyConfigError, /not to the sandbox/);
  });
});
