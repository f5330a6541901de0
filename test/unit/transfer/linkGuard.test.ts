import { expect } from 'chai';
import sinon from 'sinon';
import { JobError } from '../../../src/domain/jobError.js';
import { addressRefusal, checkLink, interfaceAddresses, linkRefusalOf, parseLink, type LinkGuardOptions, type Resolver } from '../../../src/transfer/linkGuard.js';

/** A resolver from a fixed table; a name not in it fails like NXDOMAIN. */
function tableResolver(table: Record<string, string[]>): Resolver {
  return async (hostname) => {
    const answers = table[hostname];
    if (!answers) throw new Error(`getaddrinfo ENOTFOUND ${hostname}`);
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/** This test machine has no interfaces unless a test says so: the verdicts must not depend on the host. */
const noInterfaces = () => [];

async function refusal(link: string, resolve: Resolver = tableResolver({}), options: LinkGuardOptions = {}): Promise<JobError> {
  try {
    await checkLink(parseLink(link), { resolve, localAddresses: noInterfaces, ...options });
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
    const resolve = tableResolver({ 'cdn.example': ['93.184.216.34'] });
    const target = await checkLink(parseLink('https://cdn.example:8443/a.mp4?x=1'), { resolve, allowedPorts: [8443], localAddresses: noInterfaces });
    expect(target).to.deep.include({ address: '93.184.216.34', family: 4, hostname: 'cdn.example', port: 8443 });
    const v6 = await checkLink(parseLink('http://[2606:4700::1111]/'), { localAddresses: noInterfaces });
    expect(v6).to.deep.include({ address: '2606:4700::1111', family: 6, port: 80 });
  });

  it('a name that does not resolve is LINK_UNREACHABLE, not a refusal', async () => {
    const error = await checkLink(parseLink('http://nowhere.invalid/'), { resolve: tableResolver({}) }).catch((e: unknown) => e);
    expect(error).to.include({ reason: 'LINK_UNREACHABLE' });
  });

  it('allowLoopback admits 127.0.0.0/8 and ::1 only — not mapped loopback, not private', () => {
    const allow = { allowLoopback: true };
    expect(addressRefusal('127.0.0.1', allow)).to.equal(null);
    expect(addressRefusal('127.9.9.9', allow)).to.equal(null);
    expect(addressRefusal('::1', allow)).to.equal(null);
    expect(addressRefusal('::ffff:127.0.0.1', allow)).to.contain('IPv4-mapped');
    expect(addressRefusal('10.0.0.1', allow)).to.contain('private');
    expect(addressRefusal('0.0.0.0', allow)).to.contain('unspecified');
    expect(addressRefusal('8.8.8.8', { localAddresses: noInterfaces })).to.equal(null);
  });

  it('refuses ports other than 80 and 443 before any lookup, naming links.allowedPorts', async () => {
    const noLookup: Resolver = async (name) => {
      throw new Error(`unexpected lookup of ${name}`);
    };
    for (const [link, port] of [
      ['http://docker.example:2375/containers/json', 2375],
      ['http://search.example:9200/_search', 9200],
      ['http://93.184.216.34:6379/', 6379],
      ['https://cdn.example:8443/a.mp4', 8443],
    ] as const) {
      const error = await refusal(link, noLookup);
      expect(error.reason, link).to.equal('LINK_REFUSED');
      expect(error.message, link).to.contain(`port ${port} is not allowed (links.allowedPorts)`);
    }
    // 80 and 443 need no listing, whatever the scheme; a listed port is admitted.
    const resolve = tableResolver({ 'cdn.example': ['93.184.216.34'] });
    const ok = (link: string, options: LinkGuardOptions = {}) => checkLink(parseLink(link), { resolve, localAddresses: noInterfaces, ...options });
    expect((await ok('http://cdn.example:443/a.mp4')).port).to.equal(443);
    expect((await ok('https://cdn.example:80/a.mp4')).port).to.equal(80);
    expect((await ok('https://cdn.example:8443/a.mp4', { allowedPorts: [8443] })).port).to.equal(8443);
  });

  it('loopback allowed for tests is still refused on a port that is not allowed', async () => {
    const error = await refusal('http://127.0.0.1:6379/', tableResolver({}), { allowLoopback: true, allowedPorts: [8080] });
    expect(error.message).to.contain('port 6379 is not allowed (links.allowedPorts)');
    const target = await checkLink(parseLink('http://127.0.0.1:8080/'), { allowLoopback: true, allowedPorts: [8080], localAddresses: noInterfaces });
    expect(target).to.deep.include({ address: '127.0.0.1', port: 8080 });
  });

  it("refuses this machine's own addresses (a VPS's public address sits on its network card), by name and in IPv6 disguises", async () => {
    const own = { localAddresses: () => ['127.0.0.1', '::1', '93.184.216.34', 'fe80::1', '2606:4700::1111'] };
    const resolve = tableResolver({ 'vps.example': ['93.184.216.34'], 'other.example': ['93.184.216.35'] });
    for (const link of ['http://93.184.216.34/', 'http://vps.example/', 'http://[::ffff:93.184.216.34]/', 'http://[64:ff9b::5db8:d822]/', 'http://[2606:4700::1111]/']) {
      const error = await refusal(link, resolve, own);
      expect(error.reason, link).to.equal('LINK_REFUSED');
      expect(error.message, link).to.contain("an address of this machine's own network interfaces");
    }
    expect((await checkLink(parseLink('http://other.example/'), { resolve, ...own })).address).to.equal('93.184.216.35');
    // The default reads the real interfaces; every machine has loopback.
    expect(interfaceAddresses()).to.include('127.0.0.1');
  });

  it('refuses addresses in the operator deny-list (links.denyCidrs), loopback for tests included', async () => {
    const denyCidrs = ['93.184.216.0/24', '2606:4700::/32', '127.0.0.0/8'];
    const resolve = tableResolver({ 'cdn.example': ['93.184.216.34'], 'v6.example': ['2606:4700::1'], 'free.example': ['93.184.217.1'] });
    const cases: Array<[string, string]> = [
      ['http://cdn.example/a.mp4', '93.184.216.34 is in the deny-list entry 93.184.216.0/24 (links.denyCidrs)'],
      ['http://v6.example/a.mp4', 'deny-list entry 2606:4700::/32'],
      ['http://[::ffff:93.184.216.9]/', 'deny-list entry 93.184.216.0/24'],
      ['http://127.0.0.1/', 'deny-list entry 127.0.0.0/8'],
    ];
    for (const [link, rule] of cases) {
      const error = await refusal(link, resolve, { denyCidrs, allowLoopback: true });
      expect(error.reason, link).to.equal('LINK_REFUSED');
      expect(error.message, link).to.contain(rule);
    }
    expect((await checkLink(parseLink('http://free.example/'), { resolve, denyCidrs, localAddresses: noInterfaces })).address).to.equal('93.184.217.1');
  });

  describe('name lookups', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    });
    afterEach(() => clock.restore());

    const hanging: Resolver = () => new Promise(() => undefined);

    it('a lookup that never answers is a TIMEOUT after lookupTimeoutMs (links.timeoutMs)', async () => {
      const checking = checkLink(parseLink('http://slow-dns.example/a.mp4'), { resolve: hanging, lookupTimeoutMs: 5000 }).catch((e: unknown) => e);
      await clock.tickAsync(4999);
      let settled = false;
      void checking.then(() => (settled = true));
      await clock.tickAsync(0);
      expect(settled, 'still waiting before the timeout').to.equal(false);
      await clock.tickAsync(1);
      const error = (await checking) as JobError;
      expect(error).to.be.instanceOf(JobError);
      expect(error.reason).to.equal('TIMEOUT');
      expect(error.message).to.contain('slow-dns.example').and.contain('5000 ms (links.timeoutMs)');
    });

    it('a lookup in progress stops on cancel', async () => {
      const controller = new AbortController();
      const checking = checkLink(parseLink('http://slow-dns.example/a.mp4'), { resolve: hanging, signal: controller.signal }).catch((e: unknown) => e);
      controller.abort();
      const error = (await checking) as JobError;
      expect(error).to.include({ reason: 'CANCELLED' });
      expect(clock.countTimers(), 'the lookup timer is cleared').to.equal(0);
    });
  });
});

describe('a refused link read back for the user (linkRefusalOf)', () => {
  it('finds the kind of rule and what was refused in each message the guard writes', async () => {
    const resolve = tableResolver({ 'media.example': ['10.0.0.7'] });
    const kindOf = async (link: string, options: LinkGuardOptions = {}) => linkRefusalOf((await refusal(link, resolve, options)).message);
    expect(await kindOf('http://127.0.0.1/a.mp4')).to.deep.equal({ kind: 'address', subject: '127.0.0.1' });
    expect(await kindOf('https://media.example/v.mp4')).to.deep.equal({ kind: 'address', subject: '10.0.0.7' });
    expect(await kindOf('http://[::ffff:192.168.1.1]/a.mp4')).to.deep.equal({ kind: 'address', subject: '::ffff:c0a8:101' });
    expect(await kindOf('http://93.184.216.34:6379/')).to.deep.equal({ kind: 'port', subject: '6379' });
    expect(await kindOf('ftp://example.com/a.mp4')).to.deep.equal({ kind: 'scheme', subject: 'ftp:' });
    expect(await kindOf('not a link (really)')).to.deep.equal({ kind: 'invalid', subject: null });
    expect(linkRefusalOf('The link was refused: more than 5 redirects.')).to.deep.equal({ kind: 'redirects', subject: null });
    expect(linkRefusalOf('The host example.com has no addresses.')).to.equal(null);
  });
});
