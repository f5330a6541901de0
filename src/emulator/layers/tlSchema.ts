/**
 * A TL schema as data (core.telegram.org/mtproto/TL): constructors and methods with their ids,
 * names and typed parameters, read either from TL text (GramJS ships its layer's api.tl as a
 * string) or from the JSON schema mtcute ships (@mtcute/core/tl/api-schema.json). The codec
 * (tlCodec.ts) and the layer converter (convert.ts) work from this shape only.
 */

/** A parameter's type. `any` is a boxed object of any type (`!X`, `Object`, the generic `X`). */
export type TypeRef =
  | { readonly k: 'int' | 'long' | 'double' | 'string' | 'bytes' | 'int128' | 'int256' | 'true' | 'bool' | 'flags' | 'any' }
  | { readonly k: 'vector'; readonly of: TypeRef; readonly bare: boolean }
  | { readonly k: 'boxed'; readonly name: string }
  | { readonly k: 'bare'; readonly name: string };

export interface TlParam {
  readonly name: string;
  readonly type: TypeRef;
  /** Present only when bit `bit` of the flags field `flags` is set (`name:flags.3?Type`). */
  readonly cond?: { readonly flags: string; readonly bit: number };
}

export interface TlCtor {
  readonly id: number;
  readonly name: string;
  readonly kind: 'class' | 'method';
  /** The boxed type a class belongs to, or a method's result. */
  readonly type: TypeRef;
  readonly params: readonly TlParam[];
}

export interface TlSchema {
  readonly layer: number;
  readonly byId: ReadonlyMap<number, TlCtor>;
  readonly byName: ReadonlyMap<string, TlCtor>;
  /** Classes of each boxed type, for defaults of required fields a layer lacks. */
  readonly byType: ReadonlyMap<string, readonly TlCtor[]>;
}

const PRIMITIVES: Record<string, TypeRef['k']> = {
  int: 'int',
  long: 'long',
  int53: 'long',
  double: 'double',
  string: 'string',
  bytes: 'bytes',
  int128: 'int128',
  int256: 'int256',
  true: 'true',
  Bool: 'bool',
  '#': 'flags',
  '!X': 'any',
  X: 'any',
  Object: 'any',
};

/** Parses a TL type expression such as `Vector<InputUser>`, `flags.3?string` (without the flag part) or `!X`. */
export function parseTypeRef(text: string): TypeRef {
  const prim = PRIMITIVES[text];
  if (prim) return { k: prim } as TypeRef;
  const vec = /^([Vv])ector<(.+)>$/.exec(text);
  if (vec) return { k: 'vector', of: parseTypeRef(vec[2]!), bare: vec[1] === 'v' };
  const bare = text.startsWith('%') ? text.slice(1) : null;
  if (bare) return { k: 'bare', name: bare };
  const local = text.slice(text.lastIndexOf('.') + 1);
  return /^[a-z]/.test(local) ? { k: 'bare', name: text } : { k: 'boxed', name: text };
}

function parseParam(name: string, typeText: string): TlParam {
  const cond = /^(\w+)\.(\d+)\?(.+)$/.exec(typeText);
  if (!cond) return { name, type: parseTypeRef(typeText) };
  return { name, type: parseTypeRef(cond[3]!), cond: { flags: cond[1]!, bit: Number(cond[2]) } };
}

function indexed(layer: number, ctors: TlCtor[]): TlSchema {
  const byId = new Map<number, TlCtor>();
  const byName = new Map<string, TlCtor>();
  const byType = new Map<string, TlCtor[]>();
  for (const c of ctors) {
    byId.set(c.id, c);
    byName.set(c.name, c);
    if (c.kind === 'class' && c.type.k === 'boxed') {
      const list = byType.get(c.type.name) ?? [];
      list.push(c);
      byType.set(c.type.name, list);
    }
  }
  return { layer, byId, byName, byType };
}

/** Reads TL text: `name#id params = Type;` lines, `---functions---` switching to methods. */
export function schemaFromTlText(layer: number, text: string): TlSchema {
  const ctors: TlCtor[] = [];
  let kind: 'class' | 'method' = 'class';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '---functions---') kind = 'method';
    else if (line === '---types---') kind = 'class';
    const m = /^([\w.]+)#([0-9a-f]+)\s*(.*?)\s*=\s*(.+?);$/.exec(line);
    if (!m || m[1] === 'vector') continue;
    const params: TlParam[] = [];
    for (const token of m[3]!.split(/\s+/)) {
      if (!token || token.startsWith('{')) continue;
      const colon = token.indexOf(':');
      if (colon > 0) params.push(parseParam(token.slice(0, colon), token.slice(colon + 1)));
    }
    ctors.push({ id: parseInt(m[2]!, 16) >>> 0, name: m[1]!, kind, type: parseTypeRef(m[4]!), params });
  }
  return indexed(layer, ctors);
}

interface MtcuteArg {
  name: string;
  type: string;
  typeModifiers?: { predicate?: string; isVector?: boolean; isBareVector?: boolean };
}
interface MtcuteEntry {
  kind: 'class' | 'method';
  name: string;
  id: number;
  type: string;
  typeModifiers?: { isVector?: boolean; isBareVector?: boolean };
  arguments: MtcuteArg[];
}

function mtcuteType(type: string, mods: { isVector?: boolean; isBareVector?: boolean } | undefined): TypeRef {
  const base = parseTypeRef(type);
  if (mods?.isVector) return { k: 'vector', of: base, bare: false };
  if (mods?.isBareVector) return { k: 'vector', of: base, bare: true };
  return base;
}

/** Reads mtcute's JSON schema ({ l: layer, e: entries }); its own `mtcute.*` helpers are skipped. */
export function schemaFromMtcuteJson(json: { l: number; e: MtcuteEntry[] }): TlSchema {
  const ctors: TlCtor[] = [];
  for (const e of json.e) {
    if (e.name.startsWith('mtcute.')) continue;
    const params = e.arguments.map((a): TlParam => {
      const type = mtcuteType(a.type, a.typeModifiers);
      const pred = a.typeModifiers?.predicate ? /^(\w+)\.(\d+)$/.exec(a.typeModifiers.predicate) : null;
      return pred ? { name: a.name, type, cond: { flags: pred[1]!, bit: Number(pred[2]) } } : { name: a.name, type };
    });
    ctors.push({ id: e.id >>> 0, name: e.name, kind: e.kind, type: mtcuteType(e.type, e.typeModifiers), params });
  }
  return indexed(json.l, ctors);
}
