/**
 * loadConfig: config/default.json, then config/local.json (git-ignored, the operator's), then the
 * environment, then programmatic overrides (tests), merged key by key and validated in one go.
 * Every problem is reported at once, so an operator fixes a broken deployment in one round.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError, showValue, type ConfigIssue } from './configError.js';
import { readEnvironment, setPath } from './env.js';
import { PATH_KEYS, SECRET_KEYS, configSchema, type Config, type DeepPartial } from './schema.js';

export interface LoadConfigOptions {
  /** Directory holding config/ and against which relative paths are resolved. Default: process.cwd(). */
  cwd?: string;
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Applied last; for tests and the command line. */
  overrides?: DeepPartial<Config>;
  /**
   * Defaults of the command line (e.g. `--sandbox DIR` keeps the data under DIR): applied over
   * config/default.json and under everything the operator sets (local.json, environment).
   */
  defaults?: DeepPartial<Config>;
}

type Plain = Record<string, unknown>;

interface Layer {
  source: string;
  values: Plain;
  /** Per-key source when it differs by key (the environment). */
  origins?: Map<string, string>;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = resolve(options.cwd ?? process.cwd());
  const issues: ConfigIssue[] = [];
  const layers: Layer[] = [];

  for (const name of ['default.json', 'local.json']) {
    const file = readJsonFile(join(cwd, 'config', name), `config/${name}`);
    if ('issue' in file) issues.push(file.issue);
    else if (file.values) layers.push({ source: `config/${name}`, values: file.values });
    if (name === 'default.json' && options.defaults) layers.push({ source: 'the command line', values: options.defaults as Plain });
  }
  const env = readEnvironment(options.env ?? process.env);
  issues.push(...env.issues);
  layers.push({ source: 'the environment', values: env.values, origins: env.origins });
  if (options.overrides) layers.push({ source: 'overrides', values: options.overrides as Plain });

  const merged: Plain = {};
  for (const layer of layers) mergeInto(merged, layer.values);
  followDataDirectory(merged);

  // A broken file or unknown variable is left out above, and reported together with whatever the
  // rest fails on.
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) issues.push(...parsed.error.issues.flatMap((i) => toIssues(i, merged, layers)));
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues);

  const config = parsed.data;
  for (const key of PATH_KEYS) {
    const [section, name] = key.split('.') as [keyof typeof config, string];
    const holder = config[section] as Plain;
    const value = holder[name];
    if (typeof value === 'string') holder[name] = resolve(cwd, value);
  }
  return deepFreeze(config) as Config;
}

/**
 * Warnings about the config files themselves, for the log once logging is set up (loadConfig
 * runs before it). config/local.json is where the api_hash and the bot token usually live, so one
 * that group or others can open is named, with the command that closes it. Courier still starts:
 * the file is the operator's, and some deployments share it within a group on purpose.
 */
export function configFileWarnings(options: Pick<LoadConfigOptions, 'cwd'> = {}): string[] {
  const file = join(resolve(options.cwd ?? process.cwd()), 'config', 'local.json');
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    return [];
  }
  if ((mode & 0o077) === 0) return [];
  const who = [mode & 0o070 ? 'its group' : '', mode & 0o007 ? 'everyone' : ''].filter(Boolean).join(' and ');
  return [`${file} is open to ${who} (mode ${mode.toString(8)}) and may hold the api_hash and bot token; make it private with: chmod 600 ${file}`];
}

/**
 * paths.temp, database.file and backups.dir default to places inside paths.data, so moving the data directory
 * (COURIER_DATA_DIR) moves them too, unless they were set themselves.
 */
function followDataDirectory(merged: Plain): void {
  const data = (merged.paths as Plain | undefined)?.data;
  if (typeof data !== 'string') return;
  if ((merged.paths as Plain).temp === undefined) setPath(merged, ['paths', 'temp'], join(data, 'tmp'));
  if ((merged.database as Plain | undefined)?.file === undefined) setPath(merged, ['database', 'file'], join(data, 'courier.db'));
  if ((merged.backups as Plain | undefined)?.dir === undefined) setPath(merged, ['backups', 'dir'], join(data, 'backups'));
}

function readJsonFile(file: string, shownName: string): { values: Plain | undefined } | { issue: ConfigIssue } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { values: undefined };
    return { issue: { key: shownName, value: '(unreadable)', expected: `a readable file (${(err as Error).message})` } };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { issue: { key: shownName, value: `not valid JSON at ${jsonErrorPosition(text, err as Error)}`, expected: 'a JSON object' } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { issue: { key: shownName, value: showValue(value, false, ''), expected: 'a JSON object of config sections' } };
  }
  return { values: value as Plain };
}

/**
 * "line L, column C (what the parser said)". V8 names the offset for most errors; for "Unexpected
 * token" it quotes the text instead (which may hold a secret, so it is never shown), and the
 * offset is found as the shortest prefix that fails the same way.
 */
function jsonErrorPosition(text: string, err: Error): string {
  let offset: number | undefined;
  const named = /at position (\d+)/.exec(err.message);
  if (named) offset = Number(named[1]);
  else if (err.message.startsWith('Unexpected end')) offset = text.length;
  else {
    for (let end = 1; end <= text.length && offset === undefined; end++) {
      try {
        JSON.parse(text.slice(0, end));
      } catch (e) {
        if ((e as Error).message.startsWith('Unexpected token')) offset = end - 1;
      }
    }
  }
  const reason = err.message.replace(/, ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');
  if (offset === undefined) return `an unknown position (${reason})`;
  const before = text.slice(0, offset).split('\n');
  const line = before.length;
  const column = (before[before.length - 1]?.length ?? 0) + 1;
  return `line ${line}, column ${column} (${reason})`;
}

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeInto(target: Plain, source: Plain): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const existing = target[key];
    if (isPlain(value) && isPlain(existing)) mergeInto(existing, value);
    else target[key] = isPlain(value) ? structuredClone(value) : value;
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const segment of path) node = isPlain(node) || Array.isArray(node) ? (node as Plain)[segment as string] : undefined;
  return node;
}

function dotted(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** The source that last set `key` (or a section containing it). */
function sourceOf(key: string, layers: readonly Layer[]): string | undefined {
  const path = key.replace(/\[\d+\]/g, '').split('.');
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!;
    for (let n = path.length; n > 0; n--) {
      const prefix = path.slice(0, n);
      if (valueAt(layer.values, prefix) === undefined) continue;
      const variable = layer.origins?.get(prefix.join('.'));
      return variable ? `env ${variable}` : layer.source;
    }
  }
  return undefined;
}

function toIssues(issue: z.core.$ZodIssue, merged: Plain, layers: readonly Layer[]): ConfigIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((name) => {
      const path = [...issue.path, name];
      const key = dotted(path);
      return {
        key,
        value: showValue(valueAt(merged, path), false, key),
        expected: `no such key; check the spelling against the configuration table in README.md`,
        source: sourceOf(key, layers),
      };
    });
  }
  const key = dotted(issue.path);
  const secret = SECRET_KEYS.has(key.replace(/\[\d+\]/g, ''));
  const expected = describeExpectation(issue);
  return [{ key, value: showValue(valueAt(merged, issue.path), secret, key), expected, source: sourceOf(key, layers) }];
}

function describeExpectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'a whole number' : `a value of type ${issue.expected}`;
    case 'too_small':
    case 'too_big': {
      const op = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      const bound = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      if (issue.origin === 'string') return `a text of length ${op} ${bound}`;
      if (issue.origin === 'array') return `a list of length ${op} ${bound}`;
      return `a number ${op} ${bound}`;
    }
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
