/**
 * Converts decoded TL values (tlCodec.ts) from one layer's schema to another's by constructor
 * name and field name: Telegram renames little between layers, it adds fields (mostly behind a
 * flag), adds constructors, and changes a constructor's id when its fields change.
 *
 * - A constructor is matched by name; its fields by name. Fields the target lacks are dropped.
 * - A conditional field the source lacks stays absent (its flag bit is recomputed on writing).
 * - A required field the source lacks gets a default: 0, empty string/bytes, false, an empty
 *   vector, or for an object type the target's simplest constructor of that type (preferring
 *   `*Empty`, filled with defaults in turn).
 * - A constructor the target does not have at all is dropped where that is possible (an item
 *   of a vector, an optional field); in a required field it makes the whole conversion fail
 *   with LayerConversionError (no object is invented in its place).
 * - `int` and `long` values are widened or narrowed when a field changes between the two.
 *
 * SIMPLIFICATION: Telegram converts with knowledge of each change (a new constructor that older
 * layers see as a similar old one, say); this converter knows names only, so an object the
 * target layer cannot name is dropped, or the conversion fails.
 */
import { fieldOf, type TlObject, type TlValue } from './tlCodec.js';
import type { TlCtor, TlSchema, TypeRef } from './tlSchema.js';

export class LayerConversionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayerConversionError';
  }
}

export function convertValue(target: TlSchema, v: TlValue, t: TypeRef): TlValue | undefined {
  switch (t.k) {
    case 'int':
      return typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : typeof v === 'number' ? v : undefined;
    case 'long':
      return typeof v === 'number' ? BigInt(Math.trunc(v)) : typeof v === 'bigint' ? v : undefined;
    case 'double':
      return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
    case 'string':
    case 'bytes':
    case 'int128':
    case 'int256':
      return Buffer.isBuffer(v) ? v : undefined;
    case 'true':
    case 'bool':
      return typeof v === 'boolean' ? v : undefined;
    case 'flags':
      return 0;
    case 'vector': {
      if (!Array.isArray(v)) return undefined;
      const out: TlValue[] = [];
      for (const item of v) {
        const c = convertOrDrop(target, item, t.of);
        if (c !== undefined) out.push(c);
      }
      return out;
    }
    case 'bare':
    case 'boxed':
    case 'any':
      if (typeof v === 'boolean') return v;
      if (typeof v !== 'object' || Array.isArray(v) || Buffer.isBuffer(v)) return undefined;
      return convertObject(target, v);
  }
}

/** Like convertValue, for places that can do without the value (vector items, optional fields). */
function convertOrDrop(target: TlSchema, v: TlValue, t: TypeRef): TlValue | undefined {
  try {
    return convertValue(target, v, t);
  } catch (err) {
    if (err instanceof LayerConversionError) return undefined;
    throw err;
  }
}

/** The object in the target layer, or undefined when the target has no constructor of that name. */
export function convertObject(target: TlSchema, obj: TlObject): TlObject | undefined {
  const ctor = target.byName.get(obj._);
  if (!ctor) return undefined;
  const out: TlObject = { _: ctor.name };
  for (const p of ctor.params) {
    if (p.type.k === 'flags') continue;
    const src = fieldOf(obj, p.name);
    const converted = src === undefined ? undefined : p.cond ? convertOrDrop(target, src, p.type) : convertValue(target, src, p.type);
    if (converted !== undefined) out[p.name] = converted;
    else if (p.cond) continue;
    // A value the target cannot express is not replaced by an invented one (an updateShort must
    // not carry some other update); only a field the source layer never had gets a default.
    else if (src !== undefined) throw new LayerConversionError(`${ctor.name}.${p.name} cannot be expressed in layer ${target.layer}`);
    else out[p.name] = defaultValue(target, p.type, `${ctor.name}.${p.name}`, 0);
  }
  return out;
}

/** A required field's value when the source layer has none. */
export function defaultValue(target: TlSchema, t: TypeRef, where: string, depth: number): TlValue {
  switch (t.k) {
    case 'int':
    case 'double':
    case 'flags':
      return 0;
    case 'long':
      return 0n;
    case 'string':
    case 'bytes':
      return Buffer.alloc(0);
    case 'int128':
      return Buffer.alloc(16);
    case 'int256':
      return Buffer.alloc(32);
    case 'true':
    case 'bool':
      return false;
    case 'vector':
      return [];
    case 'bare':
    case 'boxed': {
      const ctor = simplestCtor(target, t);
      if (!ctor || depth > 4) throw new LayerConversionError(`no default for ${where} (${t.name}) in layer ${target.layer}`);
      const out: TlObject = { _: ctor.name };
      for (const p of ctor.params) if (!p.cond && p.type.k !== 'flags') out[p.name] = defaultValue(target, p.type, `${ctor.name}.${p.name}`, depth + 1);
      return out;
    }
    case 'any':
      throw new LayerConversionError(`no default for ${where} (any object)`);
  }
}

const simplest = new WeakMap<TlSchema, Map<string, TlCtor | null>>();

function simplestCtor(target: TlSchema, t: { k: 'bare' | 'boxed'; name: string }): TlCtor | null {
  if (t.k === 'bare') return target.byName.get(t.name) ?? null;
  let cache = simplest.get(target);
  if (!cache) simplest.set(target, (cache = new Map()));
  const known = cache.get(t.name);
  if (known !== undefined) return known;
  const required = (c: TlCtor): number => c.params.filter((p) => !p.cond && p.type.k !== 'flags').length;
  const candidates = [...(target.byType.get(t.name) ?? [])].sort(
    (a, b) => Number(b.name.endsWith('Empty')) - Number(a.name.endsWith('Empty')) || required(a) - required(b),
  );
  const best = candidates[0] ?? null;
  cache.set(t.name, best);
  return best;
}
