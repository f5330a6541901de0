import { expect } from 'chai';
import { JobError } from '../../../src/domain/jobError.js';
import { addressRefusal, checkLink, parseLink, type Resolver } from '../../../src/transfer/linkGuard.js';

/** A resolver from a fixed table; a name not in it fails like NXDOMAIN. */
function tableResolver(table: Record<string, string[]>): Resolver {
  return async (hostname) => {
    const answers = table[hostname];
    if (!answers) throw new Error(`getaddrinfo ENOTFOUND ${hostname}`);
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

async function refusal(link: string, resolve: Resolver = tableResolver({}), allowLoopback = false): Promise<JobError> {
  try {
    await checkLink(parseLink(link), { resolve, allowLoopback });
  } catch (error) {
    expect(error).to.be.instanceOf(JobError);
    return error as JobError;
  }
  throw new Error(`${link} was allowed`);
}

describe('link guard (SSRF)', () => {
  it('the URL parser normalises odd IPv4 spellings to dotted quads', () => {
    expect(new URL('http://127.1/').hostname).to.equal('127.0.0.1');
    expect(new URL('http://017700000001/').hostname).to.equal('127.0.0.1');
    expect(new URL('http://0x7f.1/').hostname).to.equal('127.0.0.1');
    expect(new URL('http://2130706433/').hostname).to.equal('127.0.0.1');
    expect(new URL('http://0/').hostname).to.equal('0.0.0.0');
    expect(new URL('http://[::ffff:127.0.0.1]/').hostname).to.equal('[::ffff:7f00:1]');
  });

  it('refuses every loopback and private spelling from the issue, each with LINK_REFUSED and its rule', async () => {
    const cases: Array<[string, string]> = [
      ['http://127.0.0.1/', 'loopback'],
      ['http://127.1/', 'loopback'],
      ['http://017700000001/', 'loopback'],
      ['http://0x7f.1/', 'loopback'],
      ['http://2130706433/', 'loopback'],
      ['http://0/', 'unspecified'],
      ['http://[::1]/', 'loopback'],
      ['http://[::]/', 'unspecified'],
      ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped'],
      ['http://[::ffff:10.1.2.3]/', 'private'],
      ['http://10.20.30.40/', 'private'],
      ['http://172.16.5.4/', 'private'],
      ['http://192.168.1.1/', 'private'],
      ['http://100.64.0.1/', 'carrier-grade NAT'],
      ['http://169.254.169.254/latest/meta-data/', 'link-local'],
      ['http://[fe80::1]/', 'link-local'],
      ['http://[fd00::1]/', 'unique-local'],
      ['http://224.0.0.1/', 'multicast'],
      ['http://[ff02::1]/', 'multicast'],
      ['http://255.255.255.255/', 'broadcast'],
      ['http://240.0.0.1/', 'reserved'],
      ['http://[64:ff9b::7f00:1]/', 'NAT64'],
      ['http://[64:ff9b::a9fe:a9fe]/', 'link-local'],
      ['http://[2002:7f00:1::]/', '6to4'],
      ['http://[2001::1]/', 'Teredo'],
      ['http://[::7f00:1]/', 'IPv4-compatible'],
    ];
    for (const [link, rule] of cases) {
      const error = await refusal(link);
      expect(error.reason, link).to.equal('LINK_REFUSED');
      expect(error.message, link).to.contain(rule);
    }
  });

  it('refuses schemes other than http and https', async () => {
    for (const link of ['file:///etc/passwd', 'ftp://example.com/a.mp4', 'javascript:alert(1)', 'gopher://x/', 'data:text/plain,hi']) {
      const error = await refusal(link);
      expect(error.reason, link).to.equal('LINK_REFUSED');
      expect(error.message, link).to.contain('only http and https');
    }
    expect((await refusal('not a url')).message).to.contain('not a valid URL');
  });

  it('refuses a host name that resolves to a private address, even when another answer is public', async () => {
    const resolve = tableResolver({ 'media.example': ['10.0.0.7'], 'mixed.example': ['93.184.216.34', '127.0.0.1'] });
    const privateName = await refusal('https://media.example/v.mp4', resolve);
    expect(privateName.message).to.contain('media.example resolves to 10.0.0.7').and.contain('private');
    const mixed = await refusal('https://mixed.example/v.mp4', resolve);
    expect(mixed.message).to.contain('127.0.0.1');
  });

  it('accepts a public name and returns the checked address to connect to', async () => {
    const target = await checkLink(parseLink('https://cdn.example:8443/a.mp4?x=1'), { resolve: tableResolver({ 'cdn.example': ['93.184.216.34'] }) });
    expect(target).to.deep.include({ address: '93.184.216.34', family: 4, hostname: 'cdn.example', port: 8443 });
    const v6 = await checkLink(parseLink('http://[2606:4700::1111]/'));
    expect(v6).to.deep.include({ address: '2606:4700::1111', family: 6, port: 80 });
  });

  it('a name that does not resolve is LINK_UNREACHABLE, not a refusal', async () => {
    const error = await checkLink(parseLink('http://nowhere.invalid/'), { resolve: tableResolver({}) }).catch((e: unknown) => e);
    expect(error).to.include({ reason: 'LINK_UNREACHABLE' });
  });

  it('allowLoopback admits 127.0.0.0/8 and ::1 only — not mapped loopback, not private, and only on given ports', () => {
    const allow = { allowLoopback: true };
    expect(addressRefusal('127.0.0.1', allow)).to.equal(null);
    expect(addressRefusal('127.9.9.9', allow)).to.equal(null);
    expect(addressRefusal('::1', allow)).to.equal(null);
    expect(addressRefusal('::ffff:127.0.0.1', allow)).to.contain('IPv4-mapped');
    expect(addressRefusal('10.0.0.1', allow)).to.contain('private');
    expect(addressRefusal('0.0.0.0', allow)).to.contain('unspecified');
    expect(addressRefusal('127.0.0.1', { allowLoopback: true, loopbackPorts: [8080] }, 8080)).to.equal(null);
    expect(addressRefusal('127.0.0.1', { allowLoopback: true, loopbackPorts: [8080] }, 9090)).to.contain('port 9090');
    expect(addressRefusal('8.8.8.8')).to.equal(null);
  });
});
