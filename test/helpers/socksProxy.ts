/**
 * A minimal SOCKS5 proxy on loopback for tests (RFC 1928, CONNECT only; RFC 1929
 * username/password when credentials are given): enough to put in front of the emulator and see
 * that Courier's traffic went through it. It counts connections, bytes each way and the
 * destinations asked for; it refuses bad credentials like a real proxy would.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TestSocksProxy {
  readonly port: number;
  readonly url: string;
  /** Tunnels opened, and where to. */
  readonly destinations: string[];
  /** Bytes relayed: client → target, target → client. */
  readonly bytes: { up: number; down: number };
  /** Handshakes refused for wrong credentials. */
  readonly refused: number;
  close(): Promise<void>;
}

/** Reads exactly `n` bytes from the socket's buffered data stream. */
function reader(socket: Socket): (n: number) => Promise<Buffer> {
  let buffered = Buffer.alloc(0);
  let waiting: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
  const pump = () => {
    if (waiting && buffered.length >= waiting.n) {
      const { n, resolve } = waiting;
      waiting = null;
      const out = buffered.subarray(0, n);
      buffered = buffered.subarray(n);
      resolve(out);
    }
  };
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    pump();
  };
  socket.on('data', onData);
  socket.once('close', () => waiting?.reject(new Error('closed during the handshake')));
  const read = (n: number) =>
    new Promise<Buffer>((resolve, reject) => {
      waiting = { n, resolve, reject };
      pump();
    });
  // After the handshake the relay takes over the socket: hand back what was read ahead.
  (read as unknown as { detach: () => Buffer }).detach = () => {
    socket.off('data', onData);
    return buffered;
  };
  return read;
}

export async function startSocksProxy(credentials?: { username: string; password: string }): Promise<TestSocksProxy> {
  const destinations: string[] = [];
  const bytes = { up: 0, down: 0 };
  let refused = 0;
  const sockets = new Set<Socket>();

  const handle = async (client: Socket) => {
    const read = reader(client);
    const [version, methodCount] = await read(2);
    if (version !== 5) return client.destroy();
    const methods = [...(await read(methodCount!))];
    const method = credentials ? 0x02 : 0x00;
    if (!methods.includes(method)) return client.end(Buffer.from([5, 0xff]));
    client.write(Buffer.from([5, method]));
    if (credentials) {
      const [, ulen] = await read(2);
      const username = (await read(ulen!)).toString();
      const [plen] = await read(1);
      const password = (await read(plen!)).toString();
      const ok = username === credentials.username && password === credentials.password;
      client.write(Buffer.from([1, ok ? 0 : 1]));
      if (!ok) {
        refused += 1;
        return client.end();
      }
    }
    const [, command, , addressType] = await read(4);
    let host: string;
    if (addressType === 1) host = [...(await read(4))].join('.');
    else if (addressType === 3) host = (await read((await read(1))[0]!)).toString();
    else if (addressType === 4) host = (await read(16)).toString('hex').replace(/(.{4})(?!$)/g, '$1:');
    else return client.destroy();
    const port = (await read(2)).readUInt16BE(0);
    if (command !== 1) return client.end(Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]));
    const target = connect(port, host);
    sockets.add(target);
    target.once('close', () => sockets.delete(target));
    target.once('error', () => client.destroy());
    client.once('error', () => target.destroy());
    target.once('connect', () => {
      destinations.push(`${host}:${port}`);
      client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
      const ahead = (read as unknown as { detach: () => Buffer }).detach();
      if (ahead.length > 0) {
        bytes.up += ahead.length;
        target.write(ahead);
      }
      client.on('data', (chunk: Buffer) => {
        bytes.up += chunk.length;
        target.write(chunk);
      });
      target.on('data', (chunk: Buffer) => {
        bytes.down += chunk.length;
        client.write(chunk);
      });
      client.once('close', () => target.destroy());
      target.once('close', () => client.destroy());
    });
  };

  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    handle(client).catch(() => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const auth = credentials ? `${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@` : '';
  return {
    port,
    url: `socks5://${auth}127.0.0.1:${port}`,
    destinations,
    bytes,
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
