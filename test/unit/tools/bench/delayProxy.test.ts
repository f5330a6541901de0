/**
 * The benches' delay proxy: a timed queue per direction that adds latency without costing
 * throughput, and keeps every byte in order.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { once } from 'node:events';
import { DelayLine } from '../../../../src/tools/bench/net/delayLine.js';
import { startDelayProxy } from '../../../../src/tools/bench/net/delayProxy.js';

describe('delay line (one direction of a simulated link)', () => {
  it('a chunk pushed at t leaves at t + delay, and not a moment before', () => {
    const line = new DelayLine<string>({ delayMs: 75 });
    expect(line.push('a', 10, 1000)).to.equal(1075);
    expect(line.takeDue(1074)).to.deep.equal([]);
    expect(line.nextReleaseAt()).to.equal(1075);
    expect(line.takeDue(1075)).to.deep.equal(['a']);
    expect(line.nextReleaseAt()).to.equal(undefined);
  });

  it('chunks pushed back to back leave back to back: the delay costs no throughput', () => {
    const line = new DelayLine<number>({ delayMs: 75 });
    // 1000 chunks of 64 KiB arriving over 10 ms (6.5 GB/s) all leave within the same 10 ms, 75 ms later.
    for (let i = 0; i < 1000; i++) line.push(i, 65536, i / 100);
    expect(line.takeDue(74.99)).to.deep.equal([]);
    const out = line.takeDue(85);
    expect(out).to.have.length(1000);
    expect(out).to.deep.equal([...out].sort((a, b) => a - b));
    expect(line.queuedBytes()).to.equal(0);
  });

  it('a bandwidth cap spaces chunks by their serialisation time, in order', () => {
    // 8 Mbit/s = 1000 bytes per ms.
    const line = new DelayLine<string>({ delayMs: 10, mbit: 8 });
    expect(line.push('a', 5000, 0)).to.equal(15); // serialised 0..5, then 10 ms on the wire
    expect(line.push('b', 5000, 1)).to.equal(20); // waits for the link: 5..10
    expect(line.push('c', 1000, 100)).to.equal(111); // link idle again
    expect(line.takeDue(19)).to.deep.equal(['a']);
    expect(line.queuedBytes()).to.equal(6000);
    expect(line.takeDue(200)).to.deep.equal(['b', 'c']);
  });

  it('refuses a negative delay or a zero rate', () => {
    expect(() => new DelayLine({ delayMs: -1 })).to.throw(RangeError);
    expect(() => new DelayLine({ delayMs: 0, mbit: 0 })).to.throw(RangeError);
  });
});

describe('delay proxy (TCP on loopback)', () => {
  let echo: Server;
  before(async () => {
    echo = createServer((s) => s.pipe(s));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
  });
  after(() => echo.close());

  it('an echo through a 60 ms link takes at least 60 ms and comes back byte for byte, in order', async () => {
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: (echo.address() as AddressInfo).port, rttMs: 60 });
    try {
      const socket = connect({ host: '127.0.0.1', port: proxy.port });
      await once(socket, 'connect');
      const payload = randomBytes(8 * 1024 * 1024);
      const received: Buffer[] = [];
      let got = 0;
      const started = performance.now();
      let firstByteMs = 0;
      const done = new Promise<void>((resolve) =>
        socket.on('data', (chunk: Buffer) => {
          if (got === 0) firstByteMs = performance.now() - started;
          received.push(chunk);
          got += chunk.length;
          if (got >= payload.length) resolve();
        }),
      );
      // Written in many small writes, so a per-chunk sleep would add up to seconds.
      for (let at = 0; at < payload.length; at += 16384) socket.write(payload.subarray(at, at + 16384));
      await done;
      const totalMs = performance.now() - started;
      socket.destroy();
      expect(firstByteMs).to.be.at.least(59);
      // 512 writes delayed one by one would take 30 s; a timed queue takes one round trip plus copying.
      expect(totalMs).to.be.below(5000);
      const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      expect(hash(Buffer.concat(received))).to.equal(hash(payload));
    } finally {
      await proxy.close();
    }
  });
});
