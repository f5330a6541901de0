/**
 * Serialises what an RpcHandler returns. The contract asks for TL objects, but methods whose
 * result is a bare Bool or Vector are easier to answer with `true` or an array, so both are
 * accepted (core.telegram.org/mtproto/serialize: boolTrue, boolFalse, vector).
 */
const BOOL_TRUE = 0x997275b5;
const BOOL_FALSE = 0xbc799737;
const VECTOR = 0x1cb5c415;

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}

export function encodeResult(result: unknown): Buffer {
  if (result === true) return u32(BOOL_TRUE);
  if (result === false) return u32(BOOL_FALSE);
  if (Array.isArray(result)) {
    const parts = [u32(VECTOR), u32(result.length)];
    for (const item of result) {
      if (typeof item === 'bigint') {
        const b = Buffer.alloc(8);
        b.writeBigInt64LE(BigInt.asIntN(64, item), 0);
        parts.push(b);
      } else if (typeof item === 'number') {
        const b = Buffer.alloc(4);
        b.writeInt32LE(item, 0);
        parts.push(b);
      } else parts.push(encodeResult(item));
    }
    return Buffer.concat(parts);
  }
  if (result && typeof (result as { getBytes?: unknown }).getBytes === 'function') return (result as { getBytes(): Buffer }).getBytes();
  throw new TypeError('RpcHandler returned something that is not a TL object; return an Api.* instance');
}
