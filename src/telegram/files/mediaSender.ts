/**
 * Dedicated MTProto connections for moving file parts, opened beside the client's main one.
 *
 * Why not GramJS's own `client.getSender(dcId)`: it hands out one cached connection per DC that
 * GramJS drops 30 s after its last borrow, and it speaks the client's transport, which for Node
 * is "full" (core.telegram.org/mtproto/mtproto-transports#full): every packet carries a CRC32 that
 * GramJS computes in plain JavaScript, byte by byte (telegram/Helpers.js crc32), the largest
 * single cost of a big upload on the main thread after encryption. Telegram's "abridged"
 * transport has no checksum (TCP already has one) and is accepted on the same ports, so media
 * connections are the client's own connection class (same address rules, e.g. the sandbox's)
 * with the abridged packet codec swapped in. Each connection is a full MTProtoSender on the
 * session's auth key with its own MTProto session, like GramJS's exported senders.
 *
 * Only the session's own DC is supported (uploads always go there; downloads from another DC use
 * client.getSender, which also exports the authorization). Uses GramJS internals of 2.26.22
 * (_createExportedSender, _connection, getDC, _log); the narrow interface below names them.
 */
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import type { TelegramClient } from 'telegram';
// GramJS's network modules require each other in a circle; entering through its index first
// settles the circle (TCPAbridged.js alone finds PacketCodec undefined).
import 'telegram';
import { AbridgedPacketCodec } from 'telegram/network/connection/TCPAbridged.js';
import type { Connection } from 'telegram/network/connection/Connection.js';
import type { MTProtoSender } from 'telegram/network/index.js';
import { PromisedNetSockets } from 'telegram/extensions/PromisedNetSockets.js';
import { ChunkedNetSocket } from './mediaSocket.js';
import { frameInPlace, useMediaCrypto } from './crypto/mediaCrypto.js';
import type { PacketCrypto } from './crypto/cryptoPool.js';

type ConnectionClass = new (args: ConstructorParameters<typeof Connection>[0]) => Connection;

interface ClientInternals {
  _createExportedSender(dcId: number): MTProtoSender;
  _connection: ConnectionClass;
  _log: ConstructorParameters<typeof Connection>[0]['loggers'];
  _proxy?: ConstructorParameters<typeof Connection>[0]['proxy'];
  testServers?: boolean;
  networkSocket?: ConstructorParameters<typeof Connection>[0]['socket'];
  getDC(dcId: number, downloadDC?: boolean): Promise<{ id: number; ipAddress: string; port: number }>;
}

/** What a packet codec reads from (GramJS's PromisedNetSockets): `read(n)` returns *up to* n bytes. */
interface PacketReader {
  read(n: number): Promise<Buffer>;
}

/** Reads exactly `n` bytes, gathering the pieces and joining them once. */
async function readExactly(reader: PacketReader, n: number): Promise<Buffer> {
  const first = await reader.read(n);
  if (first.length === n) return first;
  const pieces = [first];
  let got = first.length;
  while (got < n) {
    const piece = await reader.read(n - got);
    pieces.push(piece);
    got += piece.length;
  }
  return Buffer.concat(pieces, n);
}

/**
 * GramJS's abridged codec, reading whole packets. GramJS 2.26.22's AbridgedPacketCodec.readPacket
 * returns `reader.read(length)`, which is only what has arrived so far: a packet longer than one
 * socket read (any upload.getFile answer of 1 MiB) comes back cut, and the rest is then taken for
 * the next packet ("Server replied with an invalid auth key" until the connection is dropped).
 * Its own readExactly joins the buffer again on every read (quadratic in the packet); this one
 * joins once.
 */
export class WholePacketAbridgedCodec extends AbridgedPacketCodec {
  /** The abridged length (core.telegram.org/mtproto/mtproto-transports#abridged), written in front of the packet without a copy when mediaCrypto.ts left room. */
  override encodePacket(data: Buffer): Buffer {
    const words = data.length >> 2;
    const header = words < 127 ? Buffer.from([words]) : Buffer.from([0x7f, words & 0xff, (words >> 8) & 0xff, (words >> 16) & 0xff]);
    return frameInPlace(data, header) ?? Buffer.concat([header, data]);
  }

  override async readPacket(reader: PacketReader): Promise<Buffer> {
    let words = (await readExactly(reader, 1))[0]!;
    if (words >= 127) words = (await readExactly(reader, 3)).readUIntLE(0, 3);
    const packet = await readExactly(reader, words * 4);
    // GramJS decrypts and parses each packet in the promise chain of its receive loop; with
    // several MiB already buffered on a few connections, a window's answers would all be
    // decrypted in one turn of the event loop (several ms each, tens under load). One big packet
    // per turn, across all media connections, keeps timers, the updates connection and other
    // chats' work flowing.
    if (packet.length >= BIG_PACKET) await bigPacketTurn();
    return packet;
  }
}

/** Packets at least this long (file chunks, not acks) give the event loop a turn before they are decrypted. */
const BIG_PACKET = 64 * 1024;

/** Hands out one turn of the event loop (setImmediate) at a time, shared by every media connection. */
let lastTurn: Promise<void> = Promise.resolve();
function bigPacketTurn(): Promise<void> {
  const turn = lastTurn.then(() => setImmediatePromise());
  lastTurn = turn;
  return turn;
}

const abridgedClasses = new WeakMap<ConnectionClass, ConnectionClass>();

/** The client's connection class with the abridged codec (no per-packet CRC32), reading whole packets. */
function abridgedVersionOf(base: ConnectionClass): ConnectionClass {
  let cls = abridgedClasses.get(base);
  if (!cls) {
    cls = class MediaConnection extends base {
      constructor(args: ConstructorParameters<typeof Connection>[0]) {
        super(args);
        (this as unknown as { PacketCodecClass: unknown }).PacketCodecClass = WholePacketAbridgedCodec;
      }
    };
    abridgedClasses.set(base, cls);
  }
  return cls;
}

/** Opens one more connection to the session's DC for file parts (big packets sealed and opened by `crypto`, default inline); disconnect it when done. */
export async function openMediaSender(client: TelegramClient, crypto?: PacketCrypto): Promise<MTProtoSender> {
  const internals = client as unknown as ClientInternals;
  const dcId = client.session.dcId;
  const dc = await internals.getDC(dcId, true);
  const Media = abridgedVersionOf(internals._connection);
  const sender = internals._createExportedSender(dcId);
  // Parts are encrypted straight into the packet the socket sends (mediaCrypto.ts).
  useMediaCrypto(sender, crypto);
  await sender.connect(
    new Media({
      ip: dc.ipAddress,
      port: dc.port,
      dcId,
      loggers: internals._log,
      proxy: internals._proxy,
      testServers: internals.testServers ?? false,
      // Node's socket class swapped for one that does not re-copy its backlog (mediaSocket.ts).
      socket: internals.networkSocket === PromisedNetSockets ? ChunkedNetSocket : internals.networkSocket!,
    }),
    false,
  );
  const state = sender as unknown as { dcId: number; userDisconnected: boolean };
  state.dcId = dcId;
  state.userDisconnected = false;
  return sender;
}
