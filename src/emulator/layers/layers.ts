/**
 * The API layers the emulator serves (core.telegram.org/api/invoking#layers). The world speaks
 * GramJS's layer (its TL classes build every answer); a client that announced another layer
 * with invokeWithLayer has its requests converted into GramJS's layer before they are parsed,
 * and its results, pushed updates and differences converted back into its own layer, by
 * constructor and field name (convert.ts) with both layers' schemas (tlSchema.ts).
 *
 * Schemas come from packages that ship them: GramJS's api.tl text (its layer, 198 for 2.26.22)
 * and mtcute's api-schema.json (its current layer) when @mtcute/core is installed. A client
 * asking for a layer in between is served the nearest supported one, as Telegram serves a
 * client the nearest layer it knows. Clients of GramJS's layer never pay for any of this:
 * `isNative` lets callers skip conversion altogether.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { convertObject, convertValue, LayerConversionError } from './convert.js';
import { decodeTl, encodeTl, TlCodecError, type TlObject } from './tlCodec.js';
import { schemaFromMtcuteJson, schemaFromTlText, type TlSchema, type TypeRef } from './tlSchema.js';

const require = createRequire(import.meta.url);

/** The layer of the GramJS TL classes the world builds its answers with. */
export const NATIVE_LAYER: number = (require('telegram/tl/AllTLObjects.js') as { LAYER: number }).LAYER;

const INVOKE_WITH_LAYER_ID = 0xda9b0d0d;

/** The layer an invokeWithLayer at the start of a request body announces, or null. */
export function announcedLayer(body: Buffer): number | null {
  return body.length >= 8 && body.readUInt32LE(0) === INVOKE_WITH_LAYER_ID ? body.readInt32LE(4) : null;
}

/*
 * SIMPLIFICATION: the layer is remembered per auth key (the last invokeWithLayer wins), not per
 * connection as Telegram does; two clients of different layers sharing one auth key would
 * confuse it.
 * SIMPLIFICATION: a request in another layer is served by the world as its GramJS-layer twin:
 * fields the native layer lacks are dropped (so newer options are ignored), and a method the
 * native layer does not have answers 400 INPUT_METHOD_INVALID_<id>, as an unknown one does.
 * SIMPLIFICATION: only GramJS's layer and mtcute's current one are served; Telegram serves
 * every layer back to the oldest it still supports.
 */
export class LayerRegistry {
  private nativeSchema: TlSchema | null = null;
  private others: Map<number, TlSchema> | null = null;
  private readonly servedFor = new Map<number, number>();

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  /** GramJS's layer plus mtcute's, when its schema can be found. */
  supported(): number[] {
    return [NATIVE_LAYER, ...this.otherSchemas().keys()].sort((a, b) => a - b);
  }

  /** The layer a client that asked for `asked` is served: the nearest supported one (ties go up). */
  served(asked: number | null): number {
    if (asked === null || asked === NATIVE_LAYER) return NATIVE_LAYER;
    const known = this.servedFor.get(asked);
    if (known !== undefined) return known;
    let best = NATIVE_LAYER;
    for (const l of this.supported()) {
      const d = Math.abs(l - asked);
      const bd = Math.abs(best - asked);
      if (d < bd || (d === bd && l > best)) best = l;
    }
    this.servedFor.set(asked, best);
    return best;
  }

  isNative(served: number): boolean {
    return served === NATIVE_LAYER;
  }

  schema(layer: number): TlSchema {
    if (layer === NATIVE_LAYER) return this.native();
    const s = this.otherSchemas().get(layer);
    if (!s) throw new LayerConversionError(`layer ${layer} is not served`);
    return s;
  }

  /**
   * A request body in `layer` re-encoded in the native layer. Bodies that are not API calls
   * (service messages share one schema across layers) and calls the native layer cannot express
   * come back unchanged: the parser then treats them as it always has.
   */
  requestToNative(layer: number, body: Buffer): Buffer {
    const from = this.schema(layer);
    if (body.length < 4 || !from.byId.has(body.readUInt32LE(0))) return body;
    try {
      const obj = decodeTl(from, body) as TlObject;
      const converted = convertObject(this.native(), obj);
      return converted ? encodeTl(this.native(), converted) : body;
    } catch (err) {
      if (err instanceof TlCodecError || err instanceof LayerConversionError) {
        this.log(`layer ${layer} request ${body.readUInt32LE(0).toString(16)} kept as is: ${err.message}`);
        return body;
      }
      throw err;
    }
  }

  /** A result of the native method `methodId` (serialised by GramJS) in the client's layer. */
  resultFromNative(layer: number, methodId: number, bytes: Buffer): Buffer {
    const method = this.native().byId.get(methodId);
    const targetMethod = method ? this.schema(layer).byName.get(method.name) : undefined;
    return this.fromNative(layer, bytes, method?.type ?? { k: 'any' }, targetMethod?.type ?? method?.type ?? { k: 'any' });
  }

  /** An Updates object (a push, or any boxed object) in the client's layer. */
  objectFromNative(layer: number, bytes: Buffer): Buffer {
    return this.fromNative(layer, bytes, { k: 'any' }, { k: 'any' });
  }

  private fromNative(layer: number, bytes: Buffer, from: TypeRef, to: TypeRef): Buffer {
    const target = this.schema(layer);
    const value = decodeTl(this.native(), bytes, from);
    const converted = convertValue(target, value, to);
    if (converted === undefined) throw new LayerConversionError(`layer ${layer} has no ${describe(value)}`);
    return encodeTl(target, converted, to);
  }

  private native(): TlSchema {
    this.nativeSchema ??= schemaFromTlText(NATIVE_LAYER, require('telegram/tl/apiTl.js') as string);
    return this.nativeSchema;
  }

  private otherSchemas(): Map<number, TlSchema> {
    if (this.others) return this.others;
    this.others = new Map();
    const mtcute = loadMtcuteSchema();
    if (mtcute && mtcute.layer !== NATIVE_LAYER) this.others.set(mtcute.layer, mtcute);
    if (!mtcute) this.log(`@mtcute/core is not installed: only layer ${NATIVE_LAYER} is served`);
    return this.others;
  }
}

function describe(v: unknown): string {
  return v && typeof v === 'object' && '_' in v ? String((v as TlObject)._) : typeof v;
}

/** mtcute's schema of its current layer (@mtcute/core/tl/api-schema.json), or null when absent. */
function loadMtcuteSchema(): TlSchema | null {
  let entry: string;
  try {
    entry = require.resolve('@mtcute/core');
  } catch {
    return null;
  }
  const json = JSON.parse(readFileSync(join(dirname(entry), 'tl', 'api-schema.json'), 'utf8')) as Parameters<typeof schemaFromMtcuteJson>[0];
  return schemaFromMtcuteJson(json);
}
