/**
 * Reads the key tree out of the config schema, so the environment parser, the error messages and
 * the README table all follow the schema instead of keeping lists of their own.
 */
import { z } from 'zod';
import { configSchema, NAMED_ENV_VARS } from './schema.js';

export interface ConfigKey {
  /** Dotted path, e.g. "updates.oldMessages.action". */
  key: string;
  segments: readonly string[];
  description: string;
  /** True for a section (an object of keys), false for a value. */
  isSection: boolean;
}

type AnySchema = z.ZodType;

/** Strips default/prefault/nullable/optional wrappers to reach the schema underneath. */
export function unwrapSchema(schema: AnySchema): AnySchema {
  let current = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodNullable || current instanceof z.ZodOptional) {
    current = current.unwrap() as AnySchema;
  }
  return current;
}

function shapeOf(schema: AnySchema): Record<string, AnySchema> | undefined {
  const inner = unwrapSchema(schema);
  return inner instanceof z.ZodObject ? (inner.shape as Record<string, AnySchema>) : undefined;
}

/** The (wrapped) schema of a dotted key, or undefined when there is no such key. */
export function schemaAt(key: string): AnySchema | undefined {
  let schema: AnySchema | undefined = configSchema;
  for (const segment of key.split('.')) schema = schema ? shapeOf(schema)?.[segment] : undefined;
  return schema;
}

function walk(shape: Record<string, AnySchema>, prefix: readonly string[], out: ConfigKey[]): void {
  for (const [name, schema] of Object.entries(shape)) {
    const segments = [...prefix, name];
    const child = shapeOf(schema);
    out.push({ key: segments.join('.'), segments, description: schema.description ?? '', isSection: child !== undefined });
    if (child) walk(child, segments, out);
  }
}

let cached: readonly ConfigKey[] | undefined;

/** Every section and value key of the schema, parents before children, in schema order. */
export function configKeys(): readonly ConfigKey[] {
  if (!cached) {
    const out: ConfigKey[] = [];
    walk(configSchema.shape as Record<string, AnySchema>, [], out);
    cached = out;
  }
  return cached;
}

/** The keys directly inside a section ([] = top level), or undefined when `segments` is not a section. */
export function childrenOf(segments: readonly string[]): readonly ConfigKey[] | undefined {
  if (segments.length > 0) {
    const parent = configKeys().find((k) => k.key === segments.join('.'));
    if (!parent?.isSection) return undefined;
  }
  return configKeys().filter((k) => k.segments.length === segments.length + 1 && segments.every((s, i) => k.segments[i] === s));
}

/** The environment variable that sets a key: its named variable, or the generic COURIER__A__B form. */
export function envVarFor(key: string): string {
  const named = Object.entries(NAMED_ENV_VARS).find(([, k]) => k === key);
  if (named) return named[0];
  const segment = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  return `COURIER__${key.split('.').map(segment).join('__')}`;
}
