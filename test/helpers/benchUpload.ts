/**
 * Throughput of the emulator's protocol half for upload.saveBigFilePart-sized messages
 * (512 KiB parts): the parts are encrypted up front, then the clock runs from the first byte sent
 * to the last rpc_result received. Run: node --import tsx test/helpers/benchUpload.ts
 */
import { randomBytes } from 'node:crypto';
import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers.js';
import { encryptClientMessage } from '../../src/emulator/mtproto/envelope.js';
import { RawClient } from './rawClient.js';
import { startProtocolServer } from './protocolServer.js';

const PARTS = 400;
const f = await startProtocolServer();
f.rpc.extra = (_ctx, req) => (req instanceof Api.upload.SaveBigFilePart ? Promise.resolve(true as never) : null);
const c = await RawClient.open(f.server.port, 'intermediate');
await c.authenticate(f.endpoint);
c.sendRequest(new Api.Ping({ pingId: returnBigInt(1) }).getBytes());
for (;;) {
  const m = await c.nextMessage();
  if (m && m.body.readUInt32LE(0) === 0xedab447b) {
    c.salt = m.body.readBigInt64LE(20);
    break;
  }
}
const part = randomBytes(512 * 1024);
const packets = Array.from({ length: PARTS }, (_, i) =>
  encryptClientMessage(c.authKey!, c.authKeyId, {
    salt: c.salt,
    sessionId: c.sessionId,
    msgId: c.newMsgId(),
    seqNo: c.nextSeq(true),
    body: new Api.upload.SaveBigFilePart({ fileId: returnBigInt(1), filePart: i, fileTotalParts: PARTS, bytes: part }).getBytes(),
  }),
);
const t0 = process.hrtime.bigint();
for (const p of packets) c.writePayload(p);
let results = 0;
while (results < PARTS) {
  const m = await c.nextMessage();
  if (!m) throw new Error('closed');
  const bodies = m.body.readUInt32LE(0) === 0x73f1f8dc ? m.body.readInt32LE(4) : 1;
  const text = m.body.toString('hex');
  results += (text.match(/016d5cf3/g) ?? []).length || (bodies > 0 && m.body.readUInt32LE(0) === 0xf35c6d01 ? 1 : 0);
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ bench: 'emulator-upload-accept', parts: PARTS, part_bytes: part.length, seconds: +secs.toFixed(3), mb_per_s: +((PARTS * part.length) / 1e6 / secs).toFixed(1) }));
c.close();
await f.server.close();
