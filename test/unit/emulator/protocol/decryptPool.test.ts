/**
 * Decryption on worker threads: the pool opens packets exactly as the dispatcher does inline, and
 * a connection's messages still reach the handler in the order the client sent them, even when
 * big packets (decrypted on workers) and small ones (decrypted inline) interleave.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Api } from 'telegram';
import type { TLObject } from '../../../../src/emulator/contract.js';
import { authKeyIdOf } from '../../../../src/emulator/mtproto/crypto.js';
import { DecryptPool } from '../../../../src/emulator/mtproto/decryptPool.js';
import { decryptClientMessage, encryptClientMessage, EnvelopeError } from '../../../../src/emulator/mtproto/envelope.js';
import { toGramBig } from '../../../../src/emulator/mtproto/tlNumbers.js';
import { RPC_RESULT_ID, parseContainer } from '../../../../src/emulator/mtproto/wire.js';
import { startEmulatorServer, type EmulatorServer } from '../../../../src/emulator/server.js';
import { RawClient } from '../../../helpers/rawClient.js';
import { testRsaPem } from '../../../helpers/protocolServer.js';
import { MemoryAuthKeyStore, StubRpcHandler } from '../../../helpers/stubWorld.js';
import { parseServerRsaKey } from '../../../../src/emulator/mtproto/rsaKey.js';

describe('emulator decrypt pool', function () {
  // Worker threads boot tsx before they report ready; on a loaded machine that takes seconds.
  this.timeout(60_000);

  describe('DecryptPool', () => {
    let pool: DecryptPool;
    afterEach(() => pool.close());

    it('opens packets exactly like decryptClientMessage and rejects a tampered one as an EnvelopeError', async () => {
      pool = new DecryptPool(2);
      expect(await pool.warmUp()).to.equal(2);
      const authKey = randomBytes(256);
      const id = authKeyIdOf(authKey);
      const packets = [100, 40_000, 300_000].map((n, i) => encryptClientMessage(authKey, id, { salt: 5n, sessionId: 6n, msgId: BigInt(i + 1) << 2n, seqNo: 2 * i + 1, body: randomBytes(n - (n % 4)) }));
      const opened = await Promise.all(packets.map((p) => pool.tryDecrypt(authKey, p)));
      opened.forEach((m, i) => expect(m).to.deep.equal(decryptClientMessage(authKey, packets[i]!)));
      const tampered = Buffer.from(packets[1]!);
      tampered[tampered.length - 1]! ^= 1;
      const err = await pool.tryDecrypt(authKey, tampered)!.catch((e: unknown) => e);
      expect(err).to.be.instanceOf(EnvelopeError);
    });

    it('answers null (decrypt inline) with no workers, and after close', async () => {
      pool = new DecryptPool(0);
      expect(pool.tryDecrypt(randomBytes(256), randomBytes(64))).to.equal(null);
      const closing = new DecryptPool(1);
      await closing.warmUp();
      await closing.close();
      expect(closing.tryDecrypt(randomBytes(256), randomBytes(64))).to.equal(null);
    });
  });

  describe('server with decrypt workers', () => {
    let server: EmulatorServer;
    let client: RawClient | null = null;
    afterEach(async () => {
      client?.close();
      await server.close();
    });

    it('hands big (worker) and small (inline) messages of one connection to the handler in send order, dropping a tampered one', async () => {
      const rpc = new StubRpcHandler();
      const authKeys = new MemoryAuthKeyStore();
      const logs: string[] = [];
      const pem = testRsaPem();
      server = await startEmulatorServer({ dcId: 2, rsaKeyPem: pem, rpc, authKeys, decryptWorkers: 2, log: (l) => logs.push(l) });
      expect(await server.warmUpDecryptWorkers()).to.equal(2);
      rpc.extra = (_ctx, request) => (request instanceof Api.upload.SaveBigFilePart ? Promise.resolve(true as unknown as TLObject) : null);
      const key = parseServerRsaKey(pem);
      const c = (client = await RawClient.open(server.port, 'intermediate'));
      await c.authenticate({ host: server.host, port: server.port, dc_id: 2, rsa_public_key_pem: key.publicKeyPem, rsa_fingerprint: key.fingerprint.toString() });

      // Learn the salt: a first message under salt 0 is answered with bad_server_salt.
      c.sendRequest(new Api.Ping({ pingId: toGramBig(1n) }).getBytes());
      for (let salted = false; !salted; ) {
        const m = (await c.nextMessage())!;
        const bodies = m.body.readUInt32LE(0) === 0x73f1f8dc ? parseContainer(m.body).map((i) => i.body) : [m.body];
        for (const b of bodies) {
          if (b.readUInt32LE(0) === 0xedab447b) {
            c.salt = b.readBigInt64LE(20);
            salted = true;
          }
        }
      }

      const fileId = toGramBig(7n);
      const part = (i: number): Buffer => new Api.upload.SaveBigFilePart({ fileId, filePart: i, fileTotalParts: 12, bytes: randomBytes(i % 3 === 0 ? 100 : 200_000) }).getBytes();
      const expected: string[] = [];
      const sent: bigint[] = [];
      for (let i = 0; i < 12; i++) {
        if (i === 5) {
          // A big packet with a flipped ciphertext byte: the msg_key check fails and it is dropped.
          const good = encryptClientMessage(c.authKey!, c.authKeyId, { salt: c.salt, sessionId: c.sessionId, msgId: c.newMsgId(), seqNo: c.nextSeq(true), body: part(i) });
          good[good.length - 20]! ^= 0xff;
          c.writePayload(good);
          continue;
        }
        sent.push(c.sendRequest(part(i)));
        expected.push(`part ${i}`);
        if (i % 4 === 1) {
          sent.push(c.sendRequest(new Api.updates.GetState().getBytes()));
          expected.push('getState');
        }
      }
      const answered = new Set<bigint>();
      while (answered.size < sent.length) {
        const m = await c.nextMessage();
        if (!m) throw new Error('the emulator closed the connection');
        const bodies = m.body.readUInt32LE(0) === 0x73f1f8dc ? parseContainer(m.body).map((i) => i.body) : [m.body];
        for (const b of bodies) if (b.readUInt32LE(0) === RPC_RESULT_ID) answered.add(b.readBigInt64LE(4));
      }
      expect([...answered].sort()).to.deep.equal([...sent].sort());
      const seen = rpc.calls.map((call) => (call.request instanceof Api.upload.SaveBigFilePart ? `part ${call.request.filePart}` : 'getState'));
      expect(seen).to.deep.equal(expected);
      expect(logs.some((l) => l.includes('msg_key does not match'))).to.equal(true);
    });
  });
});
