/**
 * Schema-driven TL binary serialisation (core.telegram.org/mtproto/serialize) into plain values:
 * an object is `{ _: constructor name, field: value }`, `int`/`double` are numbers, `long` is a
 * bigint, `string`/`bytes`/`int128`/`int256` stay Buffers (strings are never re-encoded, so their
 * bytes survive a round trip exactly), `Bool` and `true` are booleans. A conditional field that
 * is absent is left out. On writing, every `#` flags field is recomputed from the fields present.
 */
import type { TlCtor, TlSchema, TypeRef } from './tlSchema.js';

export type TlValue = number | bigint | boolean | Buffer | TlObject | TlValue[];
export interface TlObject {
  _: string;
  [field: string]: TlValue | string | undefined;
}

const VECTOR_ID = 0x1cb5c415;
const BOOL_TRUE = 0x997275b5;
const BOOL_FALSE = 0xbc799737;

/** A field of a decoded object (never its `_` name). */
export function fieldOf(obj: TlObject, name: string): TlValue | undefined {
  return obj[name] as TlValue | undefined;
}

export class TlCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlCodecError';
  }
}

class Reader {
  off = 0;
  constructor(readonly buf: Buffer) {}

  u32(): number {
    const v = this.buf.readUInt32LE(this.off);
    this.off += 4;
    return v;
  }
  i32(): number {
    const v = this.buf.readInt32LE(this.off);
    this.off += 4;
    return v;
  }
  raw(n: number): Buffer {
    if (this.off + n > this.buf.length) throw new TlCodecError('truncated');
    const b = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }
  bytes(): Buffer {
    let len = this.buf[this.off]!;
    let head = 1;
    if (len === 254) {
      len = this.buf.readUIntLE(this.off + 1, 3);
      head = 4;
    }
    this.off += head;
    const data = Buffer.from(this.raw(len));
    this.off += (4 - ((head + len) % 4)) % 4;
    return data;
  }
}

/** Decodes one value of `type`; `any` reads a boxed object by its constructor id. */
export function decodeTl(schema: TlSchema, buf: Buffer, type: TypeRef = { k: 'any' }): TlValue {
  const r = new Reader(buf);
  return readValue(schema, r, type);
}

function readValue(schema: TlSchema, r: Reader, t: TypeRef): TlValue {
  switch (t.k) {
    case 'int':
      return r.i32();
    case 'long': {
      const v = r.buf.readBigInt64LE(r.off);
      r.off += 8;
      return v;
    }
    case 'double': {
      const v = r.buf.readDoubleLE(r.off);
      r.off += 8;
      return v;
    }
    case 'string':
    case 'bytes':
      return r.bytes();
    case 'int128':
      return Buffer.from(r.raw(16));
    case 'int256':
      return Buffer.from(r.raw(32));
    case 'true':
      return true;
    case 'flags':
      return r.u32();
    case 'bool': {
      const id = r.u32();
      if (id === BOOL_TRUE) return true;
      if (id === BOOL_FALSE) return false;
      throw new TlCodecError(`expected Bool, got ${id.toString(16)}`);
    }
    case 'vector': {
      if (!t.bare) {
        const id = r.u32();
        if (id !== VECTOR_ID) throw new TlCodecError(`expected vector, got ${id.toString(16)}`);
      }
      const n = r.i32();
      const out: TlValue[] = [];
      for (let i = 0; i < n; i++) out.push(readValue(schema, r, t.of));
      return out;
    }
    case 'bare': {
      const ctor = schema.byName.get(t.name);
      if (!ctor) throw new TlCodecError(`unknown bare type ${t.name}`);
      return readFields(schema, r, ctor);
    }
    case 'boxed':
    case 'any': {
      const id = r.u32();
      if (id === BOOL_TRUE || id === BOOL_FALSE) return id === BOOL_TRUE;
      const ctor = schema.byId.get(id);
      if (!ctor) throw new TlCodecError(`constructor ${id.toString(16)} is not in layer ${schema.layer}`);
      return readFields(schema, r, ctor);
    }
  }
}

function readFields(schema: TlSchema, r: Reader, ctor: TlCtor): TlObject {
  const obj: TlObject = { _: ctor.name };
  for (const p of ctor.params) {
    if (p.cond) {
      const flags = obj[p.cond.flags];
      if (typeof flags !== 'number' || (flags & (1 << p.cond.bit)) === 0) continue;
    }
    obj[p.name] = readValue(schema, r, p.type);
  }
  return obj;
}

class Writer {
  buf = Buffer.allocUnsafe(1024);
  off = 0;
  private room(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
  }
  u32(n: number): void {
    this.room(4);
    this.off = this.buf.writeUInt32LE(n >>> 0, this.off);
  }
  i32(n: number): void {
    this.room(4);
    this.off = this.buf.writeInt32LE(n | 0, this.off);
  }
  i64(n: bigint): void {
    this.room(8);
    this.off = this.buf.writeBigInt64LE(BigInt.asIntN(64, n), this.off);
  }
  f64(n: number): void {
    this.room(8);
    this.off = this.buf.writeDoubleLE(n, this.off);
  }
  raw(data: Buffer): void {
    this.room(data.length);
    this.off += data.copy(this.buf, this.off);
  }
  bytes(data: Buffer): void {
    const head = data.length < 254 ? 1 : 4;
    const pad = (4 - ((head + data.length) % 4)) % 4;
    this.room(head + data.length + pad);
    if (head === 1) this.buf[this.off++] = data.length;
    else {
      this.buf[this.off] = 254;
      this.buf.writeUIntLE(data.length, this.off + 1, 3);
      this.off += 4;
    }
    this.off += data.copy(this.buf, this.off);
    this.buf.fill(0, this.off, this.off + pad);
    this.off += pad;
  }
  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.off));
  }
}

/** Encodes `value` as `type` (default: a boxed object named by its `_`). */
export function encodeTl(schema: TlSchema, value: TlValue, type: TypeRef = { k: 'any' }): Buffer {
  const w = new Writer();
  writeValue(schema, w, type, value);
  return w.result();
}

function fail(t: TypeRef, v: unknown): never {
  throw new TlCodecError(`cannot write ${typeof v} as ${t.k}`);
}

function writeValue(schema: TlSchema, w: Writer, t: TypeRef, v: TlValue): void {
  switch (t.k) {
    case 'int':
      return typeof v === 'number' ? w.i32(v) : typeof v === 'bigint' ? w.i32(Number(BigInt.asIntN(32, v))) : fail(t, v);
    case 'long':
      return w.i64(typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(Math.trunc(v)) : fail(t, v));
    case 'double':
      return w.f64(typeof v === 'number' ? v : fail(t, v));
    case 'string':
    case 'bytes':
      return Buffer.isBuffer(v) ? w.bytes(v) : fail(t, v);
    case 'int128':
    case 'int256':
      if (!Buffer.isBuffer(v)) fail(t, v);
      return w.raw(v);
    case 'true':
      return;
    case 'flags':
      return w.u32(typeof v === 'number' ? v : 0);
    case 'bool':
      return w.u32(v === true ? BOOL_TRUE : BOOL_FALSE);
    case 'vector': {
      if (!Array.isArray(v)) fail(t, v);
      if (!t.bare) w.u32(VECTOR_ID);
      w.i32(v.length);
      for (const item of v) writeValue(schema, w, t.of, item);
      return;
    }
    case 'bare':
    case 'boxed':
    case 'any': {
      if (typeof v === 'boolean') return w.u32(v ? BOOL_TRUE : BOOL_FALSE);
      if (typeof v !== 'object' || Array.isArray(v) || Buffer.isBuffer(v)) fail(t, v);
      const ctor = schema.byName.get(v._);
      if (!ctor) throw new TlCodecError(`${v._} is not in layer ${schema.layer}`);
      if (t.k !== 'bare') w.u32(ctor.id);
      return writeFields(schema, w, ctor, v);
    }
  }
}

function present(t: TypeRef, v: TlValue | undefined): boolean {
  return t.k === 'true' ? v === true : v !== undefined;
}

function writeFields(schema: TlSchema, w: Writer, ctor: TlCtor, obj: TlObject): void {
  const flags = new Map<string, number>();
  for (const p of ctor.params) {
    if (p.type.k === 'flags') flags.set(p.name, 0);
    else if (p.cond && present(p.type, fieldOf(obj, p.name))) flags.set(p.cond.flags, (flags.get(p.cond.flags) ?? 0) | (1 << p.cond.bit));
  }
  for (const p of ctor.params) {
    if (p.type.k === 'flags') {
      w.u32(flags.get(p.name) ?? 0);
      continue;
    }
    const v = fieldOf(obj, p.name);
    if (p.cond) {
      if (present(p.type, v) && p.type.k !== 'true') writeValue(schema, w, p.type, v!);
      continue;
    }
    if (v === undefined) throw new TlCodecError(`${ctor.name}.${p.name} is required`);
    writeValue(schema, w, p.type, v);
  }
}
