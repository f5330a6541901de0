/**
 * A TCP proxy on loopback that makes a link look far away: every connection to it is forwarded to
 * `target`, each direction through its own DelayLine (delayLine.ts) with half the round trip and,
 * optionally, a bandwidth cap shared by nothing else (each connection and direction gets the full
 * rate, like separate TCP flows on a fat pipe). Used by the transfer benches (`--rtt-ms`, `--mbit`)
 * so figures hold at real-world latency, which loopback hides. Nothing leaves the machine: it
 * listens on 127.0.0.1 and connects to the target given (loopback in the benches).
 *
 * Back-pressure: a direction holding more than `maxQueuedBytes` stops reading its source until
 * the line drains below half, and a destination whose write buffer is full stops the releases
 * until it drains; memory per connection stays bounded whatever the rates.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { DelayLine } from './delayLine.js';

export interface DelayProxyOptions {
  targetHost: string;
  targetPort: number;
  /** Round-trip time added, ms; each direction gets half. */
  rttMs: number;
  /** Bandwidth cap per direction and connection, Mbit/s; undefined: none. */
  mbit?: number;
  /** Default 32 MiB per direction and connection. */
  maxQueuedBytes?: number;
  /** Port to listen on (default 0: any free one). */
  port?: number;
  now?: () => number;
}

export interface DelayProxy {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

const END = Symbol('end');
type Item = Buffer | typeof END;

/** Forwards `from`'s bytes to `to` through a DelayLine; ends `to` (after the delay) when `from` ends. */
function pipeDelayed(from: Socket, to: Socket, options: DelayProxyOptions, now: () => number): void {
  const line = new DelayLine<Item>({ delayMs: options.rttMs / 2, ...(options.mbit !== undefined ? { mbit: options.mbit } : {}) });
  const maxQueued = options.maxQueuedBytes ?? 32 * 1024 * 1024;
  let timer: NodeJS.Timeout | undefined;
  let waitingForDrain = false;

  const release = () => {
    timer = undefined;
    if (waitingForDrain || to.destroyed) return;
    for (const item of line.takeDue(now())) {
      if (item === END) {
        to.end();
        return;
      }
      if (!to.write(item)) waitingForDrain = true;
    }
    if (from.isPaused() && line.queuedBytes() < maxQueued / 2 && !from.destroyed) from.resume();
    if (waitingForDrain) return;
    schedule();
  };
  const schedule = () => {
    const at = line.nextReleaseAt();
    if (at === undefined || timer) return;
    timer = setTimeout(release, Math.max(0, at - now()));
  };
  to.on('drain', () => {
    waitingForDrain = false;
    release();
  });
  from.on('data', (chunk: Buffer) => {
    line.push(chunk, chunk.length, now());
    if (line.queuedBytes() > maxQueued) from.pause();
    schedule();
  });
  from.on('end', () => {
    line.push(END, 0, now());
    schedule();
  });
  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  from.on('close', () => {
    // An error (not an orderly end) on one side tears the pair down at once.
    if (line.nextReleaseAt() === undefined || from.errored) {
      stop();
      if (from.errored) to.destroy();
    }
  });
  to.on('close', () => {
    stop();
    from.destroy();
  });
}

export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  const now = options.now ?? (() => performance.now());
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (client) => {
    client.pause();
    const upstream = connect({ host: options.targetHost, port: options.targetPort, noDelay: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    upstream.once('connect', () => {
      pipeDelayed(client, upstream, options, now);
      pipeDelayed(upstream, client, options, now);
      client.resume();
    });
    upstream.once('error', () => client.destroy());
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
