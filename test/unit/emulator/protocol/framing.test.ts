import { expect } from 'chai';
import { crc32 } from 'node:zlib';
import { AbridgedCodec, FullCodec, IntermediateCodec, TransportFramingError, stripTransportPadding } from '../../../../src/emulator/transport/codecs.js';
import { TransportSniffer } from '../../../../src/emulator/transport/sniffer.js';

function payload(len: number, seed = 1): Buffer {
  return Buffer.from(Array.from({ length: len }, (_, i) => (i * 31 + seed) & 0xff));
}

/** Feeds `bytes` one small chunk at a time, as a slow TCP link would. */
function feedInChunks(push: (b: Buffer) => Buffer[], bytes: Buffer, chunk: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(...push(bytes.subarray(i, i + chunk)));
  return out;
}

describe('emulator transport framing', () => {
  describe('abridged', () => {
    it('round-trips short (1-byte length) and long (0x7f + 3 bytes) frames', () => {
      const enc = new AbridgedCodec();
      const short = payload(40);
      const long = payload(127 * 4 + 8);
      expect(enc.encode(short)[0]).to.equal(10);
      expect(enc.encode(long)[0]).to.equal(0x7f);
      const dec = new AbridgedCodec();
      expect(dec.push(Buffer.concat([enc.encode(short), enc.encode(long)]))).to.deep.equal([short, long]);
    });

    it('reassembles a frame split across many TCP chunks', () => {
      const data = payload(4096);
      const dec = new AbridgedCodec();
      expect(feedInChunks((b) => dec.push(b), new AbridgedCodec().encode(data), 7)).to.deep.equal([data]);
    });
  });

  describe('intermediate and padded intermediate', () => {
    it('frames with a 4-byte little-endian length', () => {
      const data = payload(100);
      const framed = new IntermediateCodec(false).encode(data);
      expect(framed.readUInt32LE(0)).to.equal(100);
      expect(new IntermediateCodec(false).push(framed.subarray(0, 50))).to.have.length(0);
      const dec = new IntermediateCodec(false);
      expect(feedInChunks((b) => dec.push(b), Buffer.concat([framed, framed]), 3)).to.deep.equal([data, data]);
    });

    it('ignores the random padding of the padded variant using the MTProto message layout', () => {
      // An encrypted message: 8 key id + 16 msg_key + whole AES blocks.
      const encrypted = Buffer.concat([Buffer.from('0102030405060708', 'hex'), payload(16 + 64)]);
      const padded = Buffer.concat([encrypted, payload(7, 9)]);
      expect(stripTransportPadding(padded)).to.deep.equal(encrypted);
      // A plain message states its own length at offset 16.
      const plain = Buffer.alloc(20 + 40);
      plain.writeUInt32LE(40, 16);
      expect(stripTransportPadding(Buffer.concat([plain, payload(13)]))).to.deep.equal(plain);
      const enc = new IntermediateCodec(true);
      const dec = new IntermediateCodec(true);
      expect(dec.push(enc.encode(encrypted))).to.deep.equal([encrypted]);
    });

    it('rejects absurd lengths instead of buffering forever', () => {
      const bad = Buffer.alloc(4);
      bad.writeUInt32LE(0x7fffffff, 0);
      expect(() => new IntermediateCodec(false).push(bad)).to.throw(TransportFramingError);
    });
  });

  describe('full', () => {
    it('writes length, seqno and CRC32, counting seqno per direction', () => {
      const enc = new FullCodec();
      const a = enc.encode(payload(8));
      const b = enc.encode(payload(8));
      expect(a.readUInt32LE(0)).to.equal(20);
      expect(a.readInt32LE(4)).to.equal(0);
      expect(b.readInt32LE(4)).to.equal(1);
      expect(a.readUInt32LE(16)).to.equal(crc32(a.subarray(0, 16)));
      const dec = new FullCodec();
      expect(feedInChunks((x) => dec.push(x), Buffer.concat([a, b]), 5)).to.deep.equal([payload(8), payload(8)]);
    });

    it('rejects a corrupted CRC', () => {
      const frame = new FullCodec().encode(payload(16));
      frame[10] = frame[10]! ^ 0xff;
      expect(() => new FullCodec().push(frame)).to.throw(TransportFramingError, /CRC32/);
    });

    it('rejects a skipped seqno', () => {
      const enc = new FullCodec();
      enc.encode(payload(8));
      const second = enc.encode(payload(8));
      expect(() => new FullCodec().push(second)).to.throw(TransportFramingError, /seqno 1, expected 0/);
    });
  });

  describe('sniffer', () => {
    const data = payload(64);
    const cases: [string, Buffer, Buffer][] = [
      ['abridged', Buffer.from([0xef]), new AbridgedCodec().encode(data)],
      ['intermediate', Buffer.from('eeeeeeee', 'hex'), new IntermediateCodec(false).encode(data)],
      ['padded-intermediate', Buffer.from('dddddddd', 'hex'), new IntermediateCodec(false).encode(data)],
      ['full', Buffer.alloc(0), new FullCodec().encode(data)],
    ];
    for (const [kind, prefix, framed] of cases) {
      it(`detects ${kind} from the first bytes, even when they arrive one at a time`, () => {
        const sniffer = new TransportSniffer();
        const frames = feedInChunks((b) => sniffer.push(b), Buffer.concat([prefix, framed]), 1);
        expect(sniffer.detected?.kind).to.equal(kind);
        expect(frames).to.have.length(1);
      });
    }

    it('rejects the obfuscated transport (random 64-byte header), which the emulator does not support', () => {
      const header = Buffer.alloc(64, 0x5a);
      expect(() => new TransportSniffer().push(header)).to.throw(TransportFramingError, /obfuscated/);
    });
  });
});
