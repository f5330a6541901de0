/**
 * Hand-written TL for the service wrappers GramJS has no serialisable class for
 * (core.telegram.org/mtproto/service_messages): rpc_result, msg_container and gzip_packed,
 * plus the parsing of incoming containers and gzip_packed payloads.
 */
import { gzipSync, unzipSync } from 'node:zlib';
import { BinaryReader } from 'telegram/extensions/index.js';

export const RPC_RESULT_ID = 0xf35c6d01;
export const MSG_CONTAINER_ID = 0x73f1f8dc;
export const GZIP_PACKED_ID = 0x3072cfa1;
export const RPC_ERROR_ID = 0x2144ca19;

/** TL `bytes`/`string` serialisation (core.telegram.org/mtproto/serialize). */
export function tlBytes(data: Buffer): Buffer {
  const head = data.length < 254 ? Buffer.from([data.length]) : Buffer.from([254, data.length & 0xff, (data.length >> 8) & 0xff, (data.length >> 16) & 0xff]);
  const padLen = (4 - ((head.length + data.length) % 4)) % 4;
  return Buffer.concat([head, data, Buffer.alloc(padLen)]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}

/** rpc_result#f35c6d01 req_msg_id:long result:Object */
export function rpcResult(reqMsgId: bigint, result: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt32LE(RPC_RESULT_ID, 0);
  head.writeBigInt64LE(BigInt.asIntN(64, reqMsgId), 4);
  return Buffer.concat([head, result]);
}

/** rpc_error#2144ca19 error_code:int error_message:string */
export function rpcErrorBody(code: number, message: string): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(RPC_ERROR_ID, 0);
  head.writeInt32LE(code, 4);
  return Buffer.concat([head, tlBytes(Buffer.from(message, 'utf8'))]);
}

/** gzip_packed#3072cfa1 packed_data:bytes */
export function gzipPacked(body: Buffer): Buffer {
  return Buffer.concat([u32(GZIP_PACKED_ID), tlBytes(gzipSync(body, { level: 1 }))]);
}

export interface ContainerItem {
  readonly msgId: bigint;
  readonly seqNo: number;
  readonly body: Buffer;
}

/** msg_container#73f1f8dc messages:vector<%Message>; message msg_id:long seqno:int bytes:int body:Object */
export function msgContainer(items: readonly ContainerItem[]): Buffer {
  const parts: Buffer[] = [u32(MSG_CONTAINER_ID), u32(items.length)];
  for (const it of items) {
    const h = Buffer.alloc(16);
    h.writeBigInt64LE(BigInt.asIntN(64, it.msgId), 0);
    h.writeInt32LE(it.seqNo, 8);
    h.writeInt32LE(it.body.length, 12);
    parts.push(h, it.body);
  }
  return Buffer.concat(parts);
}

/** Raised for a container that cannot be parsed (bad_msg_notification code 64). */
export class InvalidContainerError extends Error {
  constructor(message: string) {
    super(`invalid msg_container: ${message}`);
    this.name = 'InvalidContainerError';
  }
}

/** Splits a msg_container body into its messages; nested containers are not allowed. */
export function parseContainer(body: Buffer): ContainerItem[] {
  const count = body.readInt32LE(4);
  if (count < 0 || count > 1024) throw new InvalidContainerError(`${count} messages`);
  const items: ContainerItem[] = [];
  let off = 8;
  for (let i = 0; i < count; i++) {
    if (off + 16 > body.length) throw new InvalidContainerError('truncated header');
    const msgId = body.readBigInt64LE(off);
    const seqNo = body.readInt32LE(off + 8);
    const len = body.readInt32LE(off + 12);
    off += 16;
    if (len < 4 || off + len > body.length) throw new InvalidContainerError(`message length ${len}`);
    const inner = body.subarray(off, off + len);
    if (inner.readUInt32LE(0) === MSG_CONTAINER_ID) throw new InvalidContainerError('nested container');
    items.push({ msgId, seqNo, body: inner });
    off += len;
  }
  return items;
}

/**
 * Unwraps gzip_packed (possibly repeatedly); other bodies are returned unchanged. The packed data
 * may carry a gzip or a zlib header: mtcute packs with zlib's deflate and Telegram accepts it.
 */
export function unwrapGzip(body: Buffer): Buffer {
  let b = body;
  while (b.length >= 4 && b.readUInt32LE(0) === GZIP_PACKED_ID) {
    const reader = new BinaryReader(b);
    reader.readInt(false);
    b = unzipSync(reader.tgReadBytes());
  }
  return b;
}

export function constructorOf(body: Buffer): number {
  return body.length >= 4 ? body.readUInt32LE(0) : 0;
}
