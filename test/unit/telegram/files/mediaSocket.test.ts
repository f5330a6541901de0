/**
 * The media connections' socket keeps incoming chunks in a list: reads hand out views of them, so
 * a backlog behind a slow decrypt is never copied again and again.
 */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import 'telegram';
import { ChunkedNetSocket } from '../../../../src/telegram/files/mediaSocket.js';

/** A ChunkedNetSocket over a fake net.Socket the test feeds by hand. */
function fedSocket() {
  const client = Object.assign(new EventEmitter(), { destroyed: false });
  const socket = new ChunkedNetSocket(undefined as never);
  Object.assign(socket, { client, closed: false });
  void socket.receive();
  return {
    socket,
    arrive: (b: Buffer) => client.emit('data', b),
    close: () => {
      client.destroyed = true;
      Object.assign(socket, { closed: true });
      client.emit('close');
    },
  };
}

describe('media socket (chunks kept as they came)', () => {
  it('read(n) gives at most n bytes of the first chunk, as views of what arrived', async () => {
    const { socket, arrive } = fedSocket();
    const a = randomBytes(100);
    arrive(a);
    arrive(randomBytes(50));
    const first = await socket.read(60);
    expect(first.equals(a.subarray(0, 60))).to.equal(true);
    expect(first.buffer).to.equal(a.buffer); // no copy
    expect((await socket.read(1000)).equals(a.subarray(60))).to.equal(true);
    expect((await socket.read(1000)).length).to.equal(50);
  });

  it('readExactly waits for the pieces of a packet that arrives 64 KiB at a time and joins them once', async () => {
    const { socket, arrive } = fedSocket();
    const packet = randomBytes(1024 * 1024);
    const read = socket.readExactly(packet.length);
    for (let at = 0; at < packet.length; at += 65536) {
      arrive(packet.subarray(at, at + 65536));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await read).equals(packet)).to.equal(true);
  });

  it('a reader waiting when the connection closes gets an error instead of waiting forever', async () => {
    const { socket, close } = fedSocket();
    const read = socket.read(10).then(
      () => 'data',
      (e: Error) => e.message,
    );
    close();
    expect(await read).to.match(/closed/);
  });

  it('readAll takes everything buffered in one buffer', async () => {
    const { socket, arrive } = fedSocket();
    arrive(Buffer.from('ab'));
    arrive(Buffer.from('cd'));
    expect((await socket.readAll()).toString()).to.equal('abcd');
  });
});
