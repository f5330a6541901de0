import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import ipaddr from 'ipaddr.js';
import { seededBytes, sha256Hex } from '../../helpers/seededBytes.js';
import { JobError } from '../../../src/domain/jobError.js';
import type { PaceClock } from '../../../src/transfer/downloadPace.js';
import type { Resolver } from '../../../src/transfer/linkGuard.js';
import { connectToTarget, safeFetch, type Connector, type SafeFetchOptions } from '../../../src/transfer/safeFetch.js';

interface TestServer {
  port: number;
  url: (path: string) => string;
  requests: IncomingMessage[];
  close: () => Promise<void>;
}

async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function failure(promise: Promise<unknown>): Promise<JobError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'the download should have failed').to.be.instanceOf(JobError);
  return error as JobError;
}

const BODY = seededBytes('link-download', 300_000);

/**
 * Every socket of these tests is opened here. Off loopback it refuses and records the attempt,
 * so a guard that wrongly lets 10.0.0.9 or 169.254.169.254 through fails a test instead of
 * sending traffic off this machine.
 */
const offLoopback: string[] = [];
const loopbackOnly: Connector = (target) => {
  const ip = ipaddr.process(target.address);
  if (ip.range() !== 'loopback') {
    offLoopback.push(`${target.address}:${target.port}`);
    throw new Error(`test connector: refusing to connect off loopback to ${target.address}:${target.port}`);
  }
  return connectToTarget(target);
};

/** A clock the test moves by hand: `advance` moves time and runs the pace check once. */
class ManualClock implements PaceClock {
  private at = 0;
  private readonly ticks = new Set<() => void>();
  now = () => this.at;
  every(_ms: number, tick: () => void): () => void {
    this.ticks.add(tick);
    return () => this.ticks.delete(tick);
  }
  advance(ms: number): void {
    this.at += ms;
    for (const tick of [...this.ticks]) tick();
  }
  get watching(): number {
    return this.ticks.size;
  }
}

/** onProgress, and a promise for "at least n bytes have arrived". */
function progressOf() {
  let received = 0;
  const waiting: Array<{ bytes: number; resolve: () => void }> = [];
  return {
    onProgress: (bytes: number) => {
      received = bytes;
      for (const w of waiting.filter((w) => received >= w.bytes)) w.resolve();
    },
    reached: (bytes: number) => (received >= bytes ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ bytes, resolve }))),
  };
}

describe('safe link download', () => {
  let dir: string;
  let server: TestServer;
  let other: TestServer;
  /** The response of the latest /trickle request, for the test to feed byte by byte. */
  let trickle: ServerResponse | null = null;

  /** safeFetch as these tests use it: loopback allowed on the main server's port, sockets through loopbackOnly. */
  const fetchVia = (options: Partial<SafeFetchOptions> & Pick<SafeFetchOptions, 'url' | 'destination' | 'maxBytes'>) =>
    safeFetch({ allowLoopback: true, allowedPorts: [server.port], connect: loopbackOnly, localAddresses: () => [], ...options });

  afterEach(() => {
    expect(offLoopback, 'connections attempted off loopback').to.deep.equal([]);
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'courier-fetch-'));
    other = await startServer((_req, res) => res.end('secret internal page'));
    server = await startServer((req, res) => {
      const path = req.url ?? '/';
      if (path === '/video.mp4') {
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': BODY.length, 'content-disposition': 'attachment; filename="holiday.mp4"' });
        res.end(BODY);
      } else if (path === '/host') {
        res.end(req.headers.host ?? '');
      } else if (path === '/to-other') {
        res.writeHead(302, { location: other.url('/') }).end();
      } else if (path === '/to-metadata') {
        res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      } else if (path === '/to-internal-name') {
        res.writeHead(307, { location: 'http://intranet.test/' }).end();
      } else if (path === '/to-own-address') {
        res.writeHead(302, { location: 'http://vps.test/' }).end();
      } else if (path === '/to-denied') {
        res.writeHead(302, { location: 'http://denied.test/' }).end();
      } else if (path === '/to-redis') {
        res.writeHead(302, { location: 'http://cache.test:6379/' }).end();
      } else if (path === '/trickle') {
        trickle = res;
        res.writeHead(200, { 'content-length': '1000' });
        res.write(BODY.subarray(0, 1));
      } else if (path === '/relative') {
        res.writeHead(302, { location: '/video.mp4' }).end();
      } else if (path.startsWith('/loop')) {
        res.writeHead(302, { location: `/loop${Number(path.slice(5) || '0') + 1}` }).end();
      } else if (path === '/huge') {
        res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
        res.write(BODY.subarray(0, 1000));
        // never finishes; the client must give up from the header alone
      } else if (path === '/chunked') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        for (let i = 0; i < 20; i++) res.write(BODY.subarray(i * 10_000, (i + 1) * 10_000));
        res.end();
      } else if (path === '/stall') {
        res.writeHead(200, { 'content-length': String(BODY.length) });
        res.write(BODY.subarray(0, 5000));
        // then silence
      } else {
        res.writeHead(404).end('not here');
      }
    });
  });

  after(async () => {
    await server.close();
    await other.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('downloads from a local server when loopback is allowed, reporting progress and the suggested name', async () => {
    const destination = join(dir, 'ok.mp4');
    const progress: number[] = [];
    const result = await fetchVia({
      url: server.url('/video.mp4'),
      destination,
      maxBytes: 1_000_000,
      onProgress: (received) => progress.push(received),
    });
    expect(result).to.deep.include({ bytes: BODY.length, redirects: 0, contentType: 'video/mp4', suggestedName: 'holiday.mp4' });
    expect(sha256Hex(await readFile(destination))).to.equal(sha256Hex(BODY));
    expect(progress.at(-1)).to.equal(BODY.length);
  });

  it('refuses the same local server when loopback is not allowed, without connecting', async () => {
    const before = server.requests.length;
    const destination = join(dir, 'refused.mp4');
    const error = await failure(fetchVia({ url: server.url('/video.mp4'), destination, maxBytes: 1_000_000, allowLoopback: false }));
    expect(error.reason).to.equal('LINK_REFUSED');
    expect(error.message).to.contain('loopback');
    expect(server.requests.length).to.equal(before);
    expect(existsSync(destination)).to.equal(false);
  });

  it('connects to the checked address but sends the original host name (no second DNS lookup)', async () => {
    let lookups = 0;
    // Answers 127.0.0.1 once, then a private address: a rebinding attempt that must not matter.
    const rebinding: Resolver = async () => [{ address: lookups++ === 0 ? '127.0.0.1' : '10.0.0.9', family: 4 }];
    const destination = join(dir, 'host.txt');
    await fetchVia({ url: `http://media.test:${server.port}/host`, destination, maxBytes: 1000, resolve: rebinding });
    expect(await readFile(destination, 'utf8')).to.equal(`media.test:${server.port}`);
    expect(lookups).to.equal(1);
  });

  it('follows a relative redirect, re-checking the target', async () => {
    const result = await fetchVia({ url: server.url('/relative'), destination: join(dir, 'r.mp4'), maxBytes: 1_000_000 });
    expect(result).to.deep.include({ bytes: BODY.length, redirects: 1 });
    expect(result.finalUrl).to.equal(server.url('/video.mp4'));
  });

  it('refuses a redirect from an allowed server to a loopback port that is not allowed, before connecting to it', async () => {
    const destination = join(dir, 'redirected.bin');
    // Only the first server's port is allowed; the redirect points at another port.
    const error = await failure(fetchVia({ url: server.url('/to-other'), destination, maxBytes: 1_000_000 }));
    expect(error.reason).to.equal('LINK_REFUSED');
    expect(error.message).to.contain(`port ${other.port} is not allowed (links.allowedPorts)`);
    expect(other.requests.length, 'the loopback target was never contacted').to.equal(0);
    expect(existsSync(destination)).to.equal(false);
  });

  it('refuses redirects to the metadata address and to a name that resolves privately', async () => {
    const metadata = await failure(fetchVia({ url: server.url('/to-metadata'), destination: join(dir, 'm'), maxBytes: 1000 }));
    expect(metadata.message).to.contain('link-local');
    const resolve: Resolver = async (name) => {
      if (name === 'intranet.test') return [{ address: '192.168.0.10', family: 4 }];
      throw new Error(`unexpected lookup of ${name}`);
    };
    const internal = await failure(fetchVia({ url: server.url('/to-internal-name'), destination: join(dir, 'i'), maxBytes: 1000, resolve }));
    expect(internal.reason).to.equal('LINK_REFUSED');
    expect(internal.message).to.contain('intranet.test resolves to 192.168.0.10');
  });

  it('stops after the configured number of redirects', async () => {
    const error = await failure(fetchVia({ url: server.url('/loop'), destination: join(dir, 'l'), maxBytes: 1000, maxRedirects: 3 }));
    expect(error.reason).to.equal('LINK_REFUSED');
    expect(error.message).to.contain('more than 3 redirects');
  });

  it('refuses a Content-Length over the cap before reading the body', async () => {
    const destination = join(dir, 'huge.bin');
    const error = await failure(fetchVia({ url: server.url('/huge'), destination, maxBytes: 1_000_000 }));
    expect(error.reason).to.equal('FILE_TOO_BIG');
    expect(error.message).to.contain('announces 10485760 bytes');
    expect(existsSync(destination)).to.equal(false);
  });

  it('stops a chunked body at the cap and removes the partial file', async () => {
    const destination = join(dir, 'chunked.bin');
    const seen: number[] = [];
    const error = await failure(
      fetchVia({ url: server.url('/chunked'), destination, maxBytes: 55_000, onProgress: (n) => seen.push(n) }),
    );
    expect(error.reason).to.equal('FILE_TOO_BIG');
    expect(seen.length, 'some of the body was written before the cap').to.be.greaterThan(0);
    expect(Math.max(...seen)).to.be.at.most(55_000);
    expect(existsSync(destination)).to.equal(false);
  });

  it('gives up on a silent server with TIMEOUT, and can be cancelled mid-body', async () => {
    const timeout = await failure(fetchVia({ url: server.url('/stall'), destination: join(dir, 's1'), maxBytes: 1_000_000, idleTimeoutMs: 200 }));
    expect(timeout.reason).to.equal('TIMEOUT');
    expect(existsSync(join(dir, 's1'))).to.equal(false);

    const controller = new AbortController();
    const cancelled = await failure(
      fetchVia({
        url: server.url('/stall'),
        destination: join(dir, 's2'),
        maxBytes: 1_000_000,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      }),
    );
    expect(cancelled.reason).to.equal('CANCELLED');
    expect(existsSync(join(dir, 's2'))).to.equal(false);
  });

  it('an HTTP error status is LINK_UNREACHABLE', async () => {
    const error = await failure(fetchVia({ url: server.url('/missing'), destination: join(dir, 'x'), maxBytes: 1000 }));
    expect(error.reason).to.equal('LINK_UNREACHABLE');
    expect(error.message).to.contain('404');
    expect(error.retryable).to.equal(false);
  });

  it('refuses a loopback server on a port that is not allowed, even with loopback allowed, without connecting', async () => {
    const before = server.requests.length;
    const destination = join(dir, 'port.bin');
    const error = await failure(fetchVia({ url: server.url('/video.mp4'), destination, maxBytes: 1_000_000, allowedPorts: [] }));
    expect(error.reason).to.equal('LINK_REFUSED');
    expect(error.message).to.contain(`port ${server.port} is not allowed (links.allowedPorts)`);
    expect(server.requests.length).to.equal(before);
    expect(existsSync(destination)).to.equal(false);
  });

  it("refuses redirects to a refused port, to this machine's own public address and to the deny-list, before connecting", async () => {
    const resolve: Resolver = async (name) => {
      const table: Record<string, string> = { 'vps.test': '93.184.216.34', 'denied.test': '93.184.217.9', 'cache.test': '93.184.217.10' };
      if (table[name]) return [{ address: table[name], family: 4 }];
      throw new Error(`unexpected lookup of ${name}`);
    };
    const options = { maxBytes: 1000, resolve, localAddresses: () => ['127.0.0.1', '93.184.216.34'], denyCidrs: ['93.184.217.0/28'] };
    const cases: Array<[string, string]> = [
      ['/to-redis', 'port 6379 is not allowed (links.allowedPorts)'],
      ['/to-own-address', "93.184.216.34 is an address of this machine's own network interfaces"],
      ['/to-denied', 'in the deny-list entry 93.184.217.0/28 (links.denyCidrs)'],
    ];
    for (const [path, rule] of cases) {
      const error = await failure(fetchVia({ url: server.url(path), destination: join(dir, 'hop'), ...options }));
      expect(error.reason, path).to.equal('LINK_REFUSED');
      expect(error.message, path).to.contain(rule);
    }
  });

  it('the test connector stops what the guard lets through: a public address is never contacted from a test', async () => {
    // public.test is public and allowed, so the guard passes it; the connector is the last line.
    const resolve: Resolver = async () => [{ address: '93.184.216.34', family: 4 }];
    const error = await safeFetch({ url: 'http://public.test/a.mp4', destination: join(dir, 'p'), maxBytes: 1000, resolve, localAddresses: () => [], connect: loopbackOnly }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.contain('refusing to connect off loopback to 93.184.216.34:80');
    expect(offLoopback.splice(0)).to.deep.equal(['93.184.216.34:80']);
  });

  it('https connects to the checked address and sends the link host name as SNI', async () => {
    const names: string[] = [];
    const tlsServer = createTlsServer({
      SNICallback: (name, done) => {
        names.push(name);
        done(new Error('no certificate in this test'));
      },
    });
    tlsServer.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const { port } = tlsServer.address() as AddressInfo;
    try {
      const resolve: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
      const error = await failure(fetchVia({ url: `https://media.test:${port}/a.mp4`, destination: join(dir, 'tls'), maxBytes: 1000, allowedPorts: [port], resolve }));
      expect(error.reason).to.equal('LINK_UNREACHABLE');
      expect(names).to.deep.equal(['media.test']);
    } finally {
      tlsServer.close();
    }
  });

  describe('deadline and minimum rate, on a clock moved by hand', () => {
    it('drops a server that sends one byte every 20 s once the first 30 s are over (links.minBytesPerSecond)', async () => {
      const clock = new ManualClock();
      const progress = progressOf();
      const destination = join(dir, 'trickle.bin');
      const fetching = failure(fetchVia({ url: server.url('/trickle'), destination, maxBytes: 1000, clock, onProgress: progress.onProgress }));
      await progress.reached(1);
      clock.advance(20_000); // 1 byte in 20 s: slow, but the rate is not judged in the first 30 s
      trickle?.write(BODY.subarray(1, 2));
      await progress.reached(2);
      clock.advance(20_000); // 2 bytes in 40 s
      const error = await fetching;
      expect(error.reason).to.equal('TIMEOUT');
      expect(error.message).to.contain('0 bytes/s on average over 40 s').and.contain('minimum of 10240 (links.minBytesPerSecond)');
      expect(existsSync(destination)).to.equal(false);
      expect(clock.watching, 'the pace check stopped with the download').to.equal(0);
    });

    it('stops a download that is still running at the deadline (links.deadlineSeconds), however fast it goes', async () => {
      const clock = new ManualClock();
      const progress = progressOf();
      const destination = join(dir, 'deadline.bin');
      const fetching = failure(
        fetchVia({ url: server.url('/trickle'), destination, maxBytes: 1000, clock, deadlineMs: 600_000, minBytesPerSecond: 0, onProgress: progress.onProgress }),
      );
      await progress.reached(1);
      clock.advance(600_000);
      trickle?.write(BODY.subarray(1, 2));
      await progress.reached(2); // still running at exactly the deadline
      clock.advance(1);
      const error = await fetching;
      expect(error.reason).to.equal('TIMEOUT');
      expect(error.message).to.contain('longer than 600 s (links.deadlineSeconds)');
      expect(existsSync(destination)).to.equal(false);
    });

    it('the deadline covers a name lookup that never answers, and cancel stops one too', async () => {
      const hanging: Resolver = () => new Promise(() => undefined);
      const clock = new ManualClock();
      const fetching = failure(fetchVia({ url: `http://slow-dns.test:${server.port}/video.mp4`, destination: join(dir, 'dns1'), maxBytes: 1000, clock, resolve: hanging }));
      clock.advance(600_001);
      expect((await fetching).message).to.contain('links.deadlineSeconds');

      const controller = new AbortController();
      const cancelled = failure(
        fetchVia({ url: `http://slow-dns.test:${server.port}/video.mp4`, destination: join(dir, 'dns2'), maxBytes: 1000, resolve: hanging, signal: controller.signal }),
      );
      controller.abort();
      expect((await cancelled).reason).to.equal('CANCELLED');
    });
  });
});
