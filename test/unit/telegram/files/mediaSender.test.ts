/**
 * Media connections read whole abridged packets, however the socket cuts them: a 1 MiB
 * upload.getFile answer arrives in many pieces.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { WholePacketAbridgedCodec } from '../../../../src/telegram/files/mediaSender.js';
import { AbridgedPacketCodec } from 'telegram/network/connection/TCPAbridged.js';

/** A reader like GramJS's PromisedNetSockets: read(n) gives at most n bytes of what has arrived, here at most `piece` at a time. */
function piecewiseReader(bytes: Buffer, piece: number) {
  let at = 0;
  return {
    read: async (n: number) => {
      const out = bytes.subarray(at, at + Math.min(n, piece));
      at += out.length;
      return out;
    },
    left: () => bytes.length - at,
  };
}

describe('media connection codec (abridged, whole packets)', () => {
  const codec = () => new WholePacketAbridgedCodec(undefined as never);

  it('a 1 MiB packet delivered 64 KiB at a time comes out whole, and the next packet starts where it ended', async () => {
    const big = randomBytes(1024 * 1024 + 16);
    const small = randomBytes(32);
    const gram = new AbridgedPacketCodec(undefined as never);
    const wire = Buffer.concat([gram.encodePacket(big), gram.encodePacket(small)]);
    const reader = piecewiseReader(wire, 65536);
    expect((await codec().readPacket(reader as never)).equals(big)).to.equal(true);
    expect((await codec().readPacket(reader as never)).equals(small)).to.equal(true);
    expect(reader.left()).to.equal(0);
  });

  it('GramJS’s own codec would return the first piece only (why this codec exists)', async () => {
    const big = randomBytes(200_000);
    const gram = new AbridgedPacketCodec(undefined as never);
    const reader = piecewiseReader(gram.encodePacket(big), 65536);
    expect((await gram.readPacket(reader as never)).length).to.be.below(big.length);
  });

  it('a packet split inside its 4-byte length header is read correctly', async () => {
    const body = randomBytes(4096);
    const gram = new AbridgedPacketCodec(undefined as never);
    const reader = piecewiseReader(gram.encodePacket(body), 1);
    expect((await codec().readPacket(reader as never)).equals(body)).to.equal(true);
  });
});
