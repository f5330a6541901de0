/**
 * Turns environment variables into a partial config object. Two forms:
 *
 * - the named variables (COURIER_API_ID, COURIER_BOT_TOKEN, ... see NAMED_ENV_VARS), meant for
 *   secrets and the settings a deployment changes most;
 * - the generic COURIER__SECTION__KEY=value, where a double underscore nests and each segment
 *   matches a camelCase key case-insensitively, single underscores ignored
 *   (COURIER__UPDATES__CHAT_CONCURRENCY and COURIER__UPDATES__CHATCONCURRENCY both set
 *   updates.chatConcurrency). Values are parsed as JSON when possible ("8", "true", "null",
 *   '{"maxAgeHours":3}'), except for string keys, which take the text as it is.
 *
 * An empty variable counts as unset, as shells and container files tend to leave them. A generic
 * variable naming no known key is an error rather than silently ignored.
 */
import type { ConfigIssue } from './configError.js';
import { showValue } from './configError.js';
import { NAMED_ENV_VARS } from './schema.js';
import { childrenOf, schemaAt, unwrapSchema } from './schemaKeys.js';
import { z } from 'zod';

export interface EnvLayer {
  values: Record<string, unknown>;
  /** Dotted key -> the variable that set it. */
  origins: Map<string, string>;
  issues: ConfigIssue[];
}

const GENERIC_PREFIX = 'COURIER__';

export function readEnvironment(env: NodeJS.ProcessEnv): EnvLayer {
  const layer: EnvLayer = { values: {}, origins: new Map(), issues: [] };

  for (const [name, key] of Object.entries(NAMED_ENV_VARS)) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    setPath(layer.values, key.split('.'), parseNamed(key, raw));
    layer.origins.set(key, name);
  }

  // Sorted so that a section variable (COURIER__UPDATES) applies before the keys inside it.
  const generic = Object.keys(env)
    .filter((name) => name.startsWith(GENERIC_PREFIX))
    .sort();
  for (const name of generic) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const segments = matchSegments(name.slice(GENERIC_PREFIX.length).split('__'));
    if ('unknown' in segments) {
      const key = segments.unknown;
      // Judged by the whole variable name (COURIER__TELEGRAMM__API_HASH: the hash is what was
      // meant, even though the key is unknown from TELEGRAMM on) and, for JSON, by its insides.
      const named = name.slice(GENERIC_PREFIX.length).split('__').join('.');
      const parsed = parseJsonOrText(raw);
      layer.issues.push({
        key,
        value: showValue(typeof parsed === 'object' && parsed !== null ? parsed : raw, false, named),
        expected: `a known key; ${segments.parent || 'the top level'} has: ${segments.known.join(', ')}`,
        source: `env ${name}`,
      });
      continue;
    }
    const key = segments.matched.join('.');
    setPath(layer.values, segments.matched, parseGeneric(key, raw));
    layer.origins.set(key, name);
  }
  return layer;
}

type Match = { matched: string[] } | { unknown: string; parent: string; known: string[] };

function matchSegments(rawSegments: readonly string[]): Match {
  const normalise = (s: string) => s.toLowerCase().replace(/_/g, '');
  const matched: string[] = [];
  for (const raw of rawSegments) {
    const children = childrenOf(matched) ?? [];
    const hit = children.find((c) => normalise(c.segments[c.segments.length - 1] ?? '') === normalise(raw));
    if (!hit) {
      return {
        unknown: [...matched, raw].join('.'),
        parent: matched.join('.'),
        known: children.map((c) => c.segments[c.segments.length - 1] ?? ''),
      };
    }
    matched.push(hit.segments[hit.segments.length - 1] ?? raw);
  }
  return { matched };
}

function parseNamed(key: string, raw: string): unknown {
  if (key === 'admins') return raw.split(',').map((s) => s.trim()).filter((s) => s !== '').map(numberIfNumeric);
  if (key === 'telegram.apiId') return numberIfNumeric(raw);
  return raw;
}

function numberIfNumeric(s: string): number | string {
  return /^-?\d{1,15}(\.\d+)?$/.test(s) ? Number(s) : s;
}

function parseGeneric(key: string, raw: string): unknown {
  if (isStringKey(key)) return raw === 'null' ? null : raw;
  return parseJsonOrText(raw);
}

function parseJsonOrText(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** True when the schema at `key` accepts a string (so "12345" stays text). */
function isStringKey(key: string): boolean {
  const schema = schemaAt(key);
  return schema !== undefined && unwrapSchema(schema) instanceof z.ZodString;
}

export function setPath(target: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let node = target;
  segments.forEach((segment, i) => {
    if (i === segments.length - 1) {
      node[segment] = value;
      return;
    }
    const next = node[segment];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  });
}
