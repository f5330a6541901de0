import { expect } from 'chai';
import { createCipheriv, randomBytes } from 'node:crypto';
import { Api } from 'telegram';
import { IGE } from 'telegram/crypto/IGE.js';
import { encrypt as gramRsaEncrypt } from 'telegram/crypto/RSA.js';
import { readBigIntFromBuffer, returnBigInt } from 'telegram/Helpers.js';
import { Factorizator } from 'telegram/crypto/Factorizator.js';
import { aesIgeDecrypt, aesIgeEncrypt } from '../../../../src/emulator/mtproto/crypto.js';
import { decryptClientMessage, decryptServerMessage, encryptClientMessage, encryptServerMessage, EnvelopeError } from '../../../../src/emulator/mtproto/envelope.js';
import { AuthKeyHandshake, HandshakeError } from '../../../../src/emulator/mtproto/handshake.js';
import { parseServerRsaKey } from '../../../../src/emulator/mtproto/rsaKey.js';
import { authKeyIdOf } from '../../../../src/emulator/mtproto/crypto.js';
import { registerSandboxRsaKey } from '../../../../src/telegram/connection/sandbox.js';
import { testRsaPem } from '../../../helpers/protocolServer.js';

describe('emulator crypto', () => {
  it('AES-256-IGE from @mtcute/wasm agrees with GramJS in both directions', () => {
    const key = randomBytes(32);
    const iv = randomBytes(32);
    const data = randomBytes(16 * 37);
    const ours = aesIgeEncrypt(data, key, iv);
    expect(ours).to.deep.equal(new IGE(key, iv).encryptIge(data));
    expect(aesIgeDecrypt(ours, key, iv)).to.deep.equal(data);
    // Not the identity, and not plain ECB of the first block.
    const ecb = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false).update(data.subarray(0, 16));
    expect(ours.subarray(0, 16)).to.not.deep.equal(ecb);
  });

  describe('MTProto 2.0 envelope', () => {
    const authKey = randomBytes(256);
    const authKeyId = authKeyIdOf(authKey);
    const message = { salt: 42n, sessionId: -7n, msgId: 0x5f00000000000004n, seqNo: 3, body: randomBytes(60) };

    it('decrypts what a client encrypted (x = 0) and the client decrypts what the server encrypted (x = 8)', () => {
      expect(decryptClientMessage(authKey, encryptClientMessage(authKey, authKeyId, message))).to.deep.include({ salt: 42n, sessionId: -7n, seqNo: 3 });
      const fromServer = decryptServerMessage(authKey, encryptServerMessage(authKey, authKeyId, message));
      expect(fromServer.body).to.deep.equal(message.body);
    });

    it('rejects a packet whose msg_key does not match (e.g. a server message replayed to the server)', () => {
      const serverPacket = encryptServerMessage(authKey, authKeyId, message);
      expect(() => decryptClientMessage(authKey, serverPacket)).to.throw(EnvelopeError, /msg_key/);
      const tampered = encryptClientMessage(authKey, authKeyId, message);
      tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
      expect(() => decryptClientMessage(authKey, tampered)).to.throw(EnvelopeError);
    });

    it('uses 12..27 bytes of padding to whole AES blocks', () => {
      const packet = encryptServerMessage(authKey, authKeyId, message);
      const plainLen = packet.length - 24;
      expect(plainLen % 16).to.equal(0);
      expect(plainLen - 32 - message.body.length).to.be.within(12, 27);
    });
  });

  describe('auth key handshake', () => {
    const rsa = parseServerRsaKey(testRsaPem());

    it('computes the fingerprint Telegram-style so GramJS finds the key by it', () => {
      registerSandboxRsaKey({ host: 'h', port: 1, dc_id: 2, rsa_public_key_pem: rsa.publicKeyPem, rsa_fingerprint: rsa.fingerprint.toString() });
      const hs = new AuthKeyHandshake(rsa, () => 1_700_000_000);
      const res = hs.handle(new Api.ReqPqMulti({ nonce: returnBigInt(5) }))!.reply as Api.ResPQ;
      expect(res.serverPublicKeyFingerprints.map(String)).to.deep.equal([rsa.fingerprint.toString()]);
    });

    it('accepts the legacy SHA1-padded p_q_inner_data (GramJS RSA.encrypt)', async () => {
      registerSandboxRsaKey({ host: 'h', port: 1, dc_id: 2, rsa_public_key_pem: rsa.publicKeyPem, rsa_fingerprint: rsa.fingerprint.toString() });
      const hs = new AuthKeyHandshake(rsa, () => 1_700_000_000);
      const nonce = returnBigInt(123456789);
      const res = hs.handle(new Api.ReqPqMulti({ nonce }))!.reply as Api.ResPQ;
      const factors = Factorizator.factorize(readBigIntFromBuffer(res.pq, false, false));
      const p = BigInt(factors.p.toString());
      const q = BigInt(factors.q.toString());
      const hex = (n: bigint) => Buffer.from(n.toString(16).padStart(8, '0'), 'hex');
      const inner = new Api.PQInnerData({ pq: res.pq, p: hex(p), q: hex(q), nonce, serverNonce: res.serverNonce, newNonce: returnBigInt(99) }).getBytes();
      const encryptedData = await gramRsaEncrypt(returnBigInt(rsa.fingerprint.toString()), inner);
      const answer = hs.handle(new Api.ReqDHParams({ nonce, serverNonce: res.serverNonce, p: hex(p), q: hex(q), publicKeyFingerprint: returnBigInt(rsa.fingerprint.toString()), encryptedData: encryptedData! }));
      expect(answer!.reply).to.be.instanceOf(Api.ServerDHParamsOk);
    });

    it('refuses req_DH_params whose nonce does not match the resPQ', () => {
      const hs = new AuthKeyHandshake(rsa, () => 0);
      const res = hs.handle(new Api.ReqPqMulti({ nonce: returnBigInt(1) }))!.reply as Api.ResPQ;
      const req = new Api.ReqDHParams({ nonce: returnBigInt(2), serverNonce: res.serverNonce, p: Buffer.alloc(4), q: Buffer.alloc(4), publicKeyFingerprint: returnBigInt(0), encryptedData: Buffer.alloc(256) });
      expect(() => hs.handle(req)).to.throw(HandshakeError, /nonce/);
    });
  });
});
