/**
 * Media connections encrypt a part once, straight into the packet the socket sends; the packets
 * must be what the spec says, which the emulator's own envelope code (an independent
 * implementation) checks by opening them.
 */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import sinon from 'sinon';
import bigInt from 'big-integer';
import { Api } from 'telegram';
import { SecurityError } from 'telegram/errors/index.js';
import type { TLMessage } from 'telegram/tl/core/index.js';
import { AbridgedPacketCodec } from 'telegram/network/connection/TCPAbridged.js';
import { originalIge } from '../../../../../src/telegram/files/crypto/fastIge.js';
import { ige256DecryptInPlace, ige256EncryptNative } from '../../../../../src/telegram/files/crypto/igeNative.js';
import { restoreNoopGzip, skipNoopGzip, useMediaCrypto } from '../../../../../src/telegram/files/crypto/mediaCrypto.js';
import { PACKET_HEADROOM, sealClientPacket } from '../../../../../src/telegram/files/crypto/packetCrypto.js';
import { WholePacketAbridgedCodec } from '../../../../../src/telegram/files/mediaSender.js';
import { decryptClientMessage, encryptServerMessage } from '../../../../../src/emulator/mtproto/envelope.js';
import { inlinePacketCrypto, threadPacketCrypto } from '../../../../../src/telegram/files/crypto/cryptoPool.js';
import { filename as transferCryptoFile } from '../../../../../workers/transferCrypto.js';
import { authKeyIdOf } from '../../../../../src/emulator/mtproto/crypto.js';

const require = createRequire(import.meta.url);

/** 8 little-endian bytes of a signed 64-bit value. */
function le64(value: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigInt64LE(value);
  return out;
}

/** A body as GramJS's MessagePacker makes it: msg_id, seq_no, length, then the message. */
function packedBody(message: Buffer, msgId = 7_000_000_000_000_000_004n, seqNo = 3): Buffer {
  const head = Buffer.alloc(16);
  head.writeBigInt64LE(msgId, 0);
  head.writeInt32LE(seqNo, 8);
  head.writeInt32LE(message.length, 12);
  return Buffer.concat([head, message]);
}

/** A GramJS MTProtoState as far as useMediaCrypto reads it, with GramJS's own methods counted. */
function fakeState() {
  const authKey = randomBytes(256);
  const calls = { encrypt: 0, decrypt: 0 };
  const state = {
    authKey: { getKey: () => authKey, keyId: bigInt(authKeyIdOf(authKey).toString()) },
    salt: bigInt('-77') as unknown,
    id: bigInt('-5'),
    msgIds: [] as string[],
    securityChecks: true,
    encryptMessageData: async (data: Buffer): Promise<Buffer> => {
      calls.encrypt++;
      return data;
    },
    decryptMessageData: async (_body: Buffer): Promise<TLMessage> => {
      calls.decrypt++;
      throw new Error('GramJS’s own decrypt was called');
    },
  };
  return { state, authKey, calls };
}

async function expectSecurityError(promise: Promise<unknown>, message: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, message).to.be.instanceOf(SecurityError);
  expect((error as Error).message).to.contain(message);
}

describe('mediaCrypto: media connections encrypt parts without extra copies', () => {
  afterEach(() => restoreNoopGzip());

  it('ige256EncryptNative writes GramJS’s exact ciphertext into `out` and leaves the plaintext as it was', () => {
    for (const blocks of [1, 2, 3, 7, 64, 32769]) {
      const key = randomBytes(32);
      const iv = randomBytes(32);
      const plain = Buffer.from(randomBytes(blocks * 16));
      const before = Buffer.from(plain);
      const out = Buffer.alloc(plain.length);
      ige256EncryptNative(plain, key, iv, out);
      expect(out.equals(new originalIge(key, iv).encryptIge(before)), `${blocks} blocks`).to.equal(true);
      expect(plain.equals(before), `${blocks} blocks: plaintext kept`).to.equal(true);
    }
  });

  it('ige256DecryptInPlace turns GramJS’s ciphertext back into the plaintext in the same buffer', () => {
    for (const blocks of [1, 5, 65536]) {
      const key = randomBytes(32);
      const iv = randomBytes(32);
      const plain = randomBytes(blocks * 16);
      const data = new originalIge(key, iv).encryptIge(plain);
      const memory = data.buffer;
      ige256DecryptInPlace(data, key, iv);
      expect(data.equals(plain), `${blocks} blocks`).to.equal(true);
      expect(data.buffer).to.equal(memory);
    }
  });

  it('an unaligned output still gets the right ciphertext', () => {
    const key = randomBytes(32);
    const iv = randomBytes(32);
    const plain = randomBytes(16 * 40);
    const out = Buffer.alloc(plain.length + 1).subarray(1);
    ige256EncryptNative(Buffer.from(plain), key, iv, out);
    expect(out.equals(new originalIge(key, iv).encryptIge(plain))).to.equal(true);
  });

  it('a 512 KiB part opens with the emulator’s envelope code: salt, session, msg_id and bytes intact, padding 12..27', () => {
    const authKey = randomBytes(256);
    const keyId = le64(BigInt.asIntN(64, authKeyIdOf(authKey)));
    const salt = -1234567890123456789n;
    const session = 987654321987654321n;
    for (const size of [0, 4, 100, 512 * 1024]) {
      const message = randomBytes(size);
      const body = packedBody(message);
      const room = sealClientPacket(authKey, keyId, Buffer.concat([le64(salt), le64(session)]), body);
      const packet = room.subarray(PACKET_HEADROOM);
      expect(packet.subarray(0, 8).equals(keyId)).to.equal(true);
      const opened = decryptClientMessage(authKey, packet);
      expect(opened.salt).to.equal(salt);
      expect(opened.sessionId).to.equal(session);
      expect(opened.msgId).to.equal(7_000_000_000_000_000_004n);
      expect(opened.seqNo).to.equal(3);
      expect(opened.body.equals(message), `${size} bytes`).to.equal(true);
      const padding = packet.length - 24 - 16 - body.length;
      expect(padding).to.be.within(12, 27);
    }
  });

  it('a sender’s state seals through it once complete, and through GramJS before (no salt yet)', async () => {
    const { state, authKey, calls } = fakeState();
    state.salt = undefined;
    useMediaCrypto({ _state: state } as never);
    const body = packedBody(randomBytes(1000));
    expect(await state.encryptMessageData(body)).to.equal(body);
    expect(calls.encrypt).to.equal(1);
    state.salt = bigInt('42');
    const packet = await state.encryptMessageData(body);
    expect(calls.encrypt).to.equal(1);
    const opened = decryptClientMessage(authKey, packet);
    expect(opened.salt).to.equal(42n);
    expect(opened.sessionId).to.equal(-5n);
  });

  it('the abridged codec writes its length into the room in front of a sealed packet, and frames any other packet as GramJS does', async () => {
    const codec = new WholePacketAbridgedCodec(undefined as never);
    const gram = new AbridgedPacketCodec(undefined as never);
    const { state } = fakeState();
    useMediaCrypto({ _state: state } as never);
    for (const size of [20, 600, 512 * 1024]) {
      const packet = await state.encryptMessageData(packedBody(randomBytes(size)));
      const expected = gram.encodePacket(Buffer.from(packet));
      const framed = codec.encodePacket(packet);
      expect(framed.equals(expected), `${size} bytes`).to.equal(true);
      expect(framed.buffer, 'no copy').to.equal(packet.buffer);
      const plain = randomBytes(packet.length);
      expect(codec.encodePacket(plain).equals(gram.encodePacket(plain))).to.equal(true);
    }
  });

  for (const where of ['inline', 'in the transfer crypto thread'] as const) {
    describe(`a big server packet opened ${where}`, () => {
      const crypto = where === 'inline' ? inlinePacketCrypto : threadPacketCrypto(transferCryptoFile);
      after(() => crypto.close());

      /** A 300 KiB upload.File answer sealed by the emulator's own envelope code (x = 8). */
      function serverPacket(authKey: Buffer, msgId: bigint): { packet: Buffer; bytes: Buffer } {
        const bytes = randomBytes(300 * 1024);
        const body = new Api.upload.File({ type: new Api.storage.FilePartial(), mtime: 0, bytes }).getBytes();
        const packet = encryptServerMessage(authKey, authKeyIdOf(authKey), { salt: 1n, sessionId: -5n, msgId, seqNo: 7, body });
        return { packet, bytes };
      }

      it('reads as GramJS would: the message, its msg_id and seq_no', async () => {
        const { state, authKey, calls } = fakeState();
        useMediaCrypto({ _state: state } as never, crypto);
        const { packet, bytes } = serverPacket(authKey, 6_000_000_000_000_000_001n);
        const message = await state.decryptMessageData(packet);
        expect(calls.decrypt, 'not GramJS’s own').to.equal(0);
        expect(message.msgId.toString()).to.equal('6000000000000000001');
        expect((message as unknown as { seqNo: number }).seqNo).to.equal(7);
        expect(message.obj).to.be.instanceOf(Api.upload.File);
        expect(Buffer.from((message.obj as Api.upload.File).bytes).equals(bytes)).to.equal(true);
      });

      it('refuses a repeated msg_id, a changed byte and another auth key with GramJS’s SecurityError (the packet is ignored)', async () => {
        const { state, authKey } = fakeState();
        useMediaCrypto({ _state: state } as never, crypto);
        const first = serverPacket(authKey, 6_000_000_000_000_000_005n).packet;
        await state.decryptMessageData(Buffer.from(first));
        await expectSecurityError(state.decryptMessageData(Buffer.from(first)), 'Duplicate msgIds');
        const tampered = serverPacket(authKey, 6_000_000_000_000_000_009n).packet;
        tampered[tampered.length - 100]! ^= 1;
        await expectSecurityError(state.decryptMessageData(tampered), "msg_key doesn't match");
        const foreign = serverPacket(randomBytes(256), 6_000_000_000_000_000_013n).packet;
        await expectSecurityError(state.decryptMessageData(foreign), 'invalid auth key');
      });
    });
  }

  it('GramJS’s gzip is a copy, so gzipIfSmaller already returned its input; skipped, it returns it without packing a copy', async () => {
    const { GZIPPacked } = require('telegram/tl/core/GZIPPacked.js') as {
      GZIPPacked: { gzip(input: Buffer): Buffer; gzipIfSmaller(contentRelated: boolean, data: Buffer): Promise<Buffer> };
    };
    const part = randomBytes(512 * 1024);
    const gzip = sinon.spy(GZIPPacked, 'gzip');
    try {
      expect(await GZIPPacked.gzipIfSmaller(true, part)).to.equal(part);
      expect(gzip.callCount, 'GramJS packs a copy and throws it away').to.equal(1);
      expect(skipNoopGzip()).to.equal(true);
      expect(skipNoopGzip()).to.equal(false);
      gzip.resetHistory(); // the install probes gzip once
      expect(await GZIPPacked.gzipIfSmaller(true, part)).to.equal(part);
      expect(gzip.callCount, 'no copy packed').to.equal(0);
      restoreNoopGzip();
      await GZIPPacked.gzipIfSmaller(true, part);
      expect(gzip.callCount, 'restored').to.equal(1);
    } finally {
      gzip.restore();
    }
  });
});
