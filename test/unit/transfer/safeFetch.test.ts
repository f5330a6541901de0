import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededBytes, sha256Hex } from '../../helpers/seededBytes.js';
import { JobError } from '../../../src/domain/jobError.js';
import type { Resolver } from '../../../src/transfer/linkGuard.js';
import { safeFetch } from '../../../src/transfer/safeFetch.js';

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

describe('safe link download', () => {
  let dir: string;
  let server: TestServer;
  let other: TestServer;

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
    const result = await safeFetch({
      url: server.url('/video.mp4'),
      destination,
      maxBytes: 1_000_000,
      allowLoopback: true,
      onProgress: (received) => progress.push(received),
    });
    expect(result).to.deep.include({ bytes: BODY.length, redirects: 0, contentType: 'video/mp4', suggestedName: 'holiday.mp4' });
    expect(sha256Hex(await readFile(destination))).to.equal(sha256Hex(BODY));
    expect(progress.at(-1)).to.equal(BODY.length);
  });

  it('refuses the same local server when loopback is not allowed, without connecting', async () => {
    const before = server.requests.length;
    const destination = join(dir, 'refused.mp4');
    const error = await failure(safeFetch({ url: server.url('/video.mp4'), destination, maxBytes: 1_000_000 }));
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
    await safeFetch({ url: `http://media.test:${server.port}/host`, destination, maxBytes: 1000, allowLoopback: true, resolve: rebinding });
    expect(await readFile(destination, 'utf8')).to.equal(`media.test:${server.port}`);
    expect(lookups).to.equal(1);
  });

  it('follows a relative redirect, re-checking the target', async () => {
    const result = await safeFetch({ url: server.url('/relative'), destination: join(dir, 'r.mp4'), maxBytes: 1_000_000, allowLoopback: true });
    expect(result).to.deep.include({ bytes: BODY.length, redirects: 1 });
    expect(result.finalUrl).to.equal(server.url('/video.mp4'));
  });

  it('refuses a redirect from an allowed server to a loopback target that is not allowed, before connecting to it', async () => {
    const destination = join(dir, 'redirected.bin');
    // Loopback is admitted for the first server's port only; the redirect points at another port.
    const error = await failure(
      safeFetch({ url: server.url('/to-other'), destination, maxBytes: 1_000_000, allowLoopback: true, loopbackPorts: [server.port] }),
    );
    expect(error.reason).to.equal('LINK_REFUSED');
    expect(error.message).to.contain('loopback').and.contain(`port ${other.port}`);
    expect(other.requests.length, 'the loopback target was never contacted').to.equal(0);
    expect(existsSync(destination)).to.equal(false);
  });

  it('refuses redirects to the metadata address and to a name that resolves privately', async () => {
    const metadata = await failure(safeFetch({ url: server.url('/to-metadata'), destination: join(dir, 'm'), maxBytes: 1000, allowLoopback: true }));
    expect(metadata.message).to.contain('link-local');
    const resolve: Resolver = async (name) => {
      if (name === 'intranet.test') return [{ address: '192.168.0.10', family: 4 }];
      throw new Error(`unexpected lookup of ${name}`);
    };
    const internal = await failure(safeFetch({ url: server.url('/to-internal-name'), destination: join(dir, 'i'), maxBytes: 1000, allowLoopback: true, resolve }));
    expect(internal.reason).to.equal('LINK_REFUSED');
    expect(internal.message).to.contain('intranet.test resolves to 192.168.0.10');
  });

  it('stops after the configured number of redirects', async () => {
    const error = await failure(safeFetch({ url: server.url('/loop'), destination: join(dir, 'l'), maxBytes: 1000, allowLoopback: true, maxRedirects: 3 }));
    expect(error.reason).to.equal('LINK_REFUSED');
    expect(error.message).to.contain('more than 3 redirects');
  });

  it('refuses a Content-Length over the cap before reading the body', async () => {
    const destination = join(dir, 'huge.bin');
    const error = await failure(safeFetch({ url: server.url('/huge'), destination, maxBytes: 1_000_000, allowLoopback: true }));
    expect(error.reason).to.equal('FILE_TOO_BIG');
    expect(error.message).to.contain('announces 10485760 bytes');
    expect(existsSync(destination)).to.equal(false);
  });

  it('stops a chunked body at the cap and removes the partial file', async () => {
    const destination = join(dir, 'chunked.bin');
    const seen: number[] = [];
    const error = await failure(
      safeFetch({ url: server.url('/chunked'), destination, maxBytes: 55_000, allowLoopback: true, onProgress: (n) => seen.push(n) }),
    );
    expect(error.reason).to.equal('FILE_TOO_BIG');
    expect(seen.length, 'some of the body was written before the cap').to.be.greaterThan(0);
    expect(Math.max(...seen)).to.be.at.most(55_000);
    expect(existsSync(destination)).to.equal(false);
  });

  it('gives up on a silent server with TIMEOUT, and can be cancelled mid-body', async () => {
    const timeout = await failure(safeFetch({ url: server.url('/stall'), destination: join(dir, 's1'), maxBytes: 1_000_000, allowLoopback: true, idleTimeoutMs: 200 }));
    expect(timeout.reason).to.equal('TIMEOUT');
    expect(existsSync(join(dir, 's1'))).to.equal(false);

    const controller = new AbortController();
    const cancelled = await failure(
      safeFetch({
        url: server.url('/stall'),
        destination: join(dir, 's2'),
        maxBytes: 1_000_000,
        allowLoopback: true,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      }),
    );
    expect(cancelled.reason).to.equal('CANCELLED');
    expect(existsSync(join(dir, 's2'))).to.equal(false);
  });

  it('an HTTP error status is LINK_UNREACHABLE', async () => {
    const error = await failure(safeFetch({ url: server.url('/missing'), destination: join(dir, 'x'), maxBytes: 1000, allowLoopback: true }));
    expect(error.reason).to.equal('LINK_UNREACHABLE');
    expect(error.message).to.contain('404');
    expect(error.retryable).to.equal(false);
  });
});
