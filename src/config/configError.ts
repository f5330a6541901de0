/**
 * ConfigError: everything wrong with the configuration at once, each problem naming the key, where
 * the value came from (a file, or the environment variable), the value with secrets masked, and
 * what was expected. Courier prints it and exits before doing anything else.
 */

export interface ConfigIssue {
  /** Dotted key, e.g. "telegram.apiId", or the file name for a file that is not valid JSON. */
  key: string;
  /** The offending value as shown to a person: JSON-quoted, shortened, secrets masked. */
  value: string;
  /** What would have been accepted. */
  expected: string;
  /** Where the value came from: "env COURIER_API_ID", "config/local.json", ... */
  source?: string;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(describeIssues(issues));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function describeIssues(issues: readonly ConfigIssue[]): string {
  const lines = issues.map((i) => {
    const where = i.source ? ` (from ${i.source})` : '';
    return `  - ${i.key}${where}: got ${i.value}; expected ${i.expected}`;
  });
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return [
    `The configuration is invalid (${count}):`,
    ...lines,
    'Fix these in config/local.json or in the environment (see the configuration table in README.md) and start Courier again.',
  ].join('\n');
}

/** A printable explanation of a configuration failure (any other error is shown by its message). */
export function formatConfigError(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/**
 * Key names (compared without case, "_" or "-") whose values are never shown: the api_hash, bot
 * tokens, passwords, secrets, sessions and keys of any kind, wherever they sit, so a misspelt
 * section (`"telegramm": {"apiHash": …}`) or a proxy block hides them as well as the real keys do.
 * "sessionName" and "sessions" (a file name, a folder) stay visible.
 */
const SECRET_LOOKING_KEY = /hash|token|secret|passw|passphrase|credential|authkey|apikey|privatekey|^(session|sessionstring|stringsession|key|pass|pwd|2fa|twofa|phonecode|logincode)$/;
const SECRET_LOOKING_VALUE = [/^\d{5,}:[A-Za-z0-9_-]{30,}$/, /^[0-9a-f]{32}$/i];
/** "scheme://user:password@host": the password part of a URL (a proxy's, a database's). */
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi;

function looksSecretKey(key: string): boolean {
  return SECRET_LOOKING_KEY.test(key.toLowerCase().replace(/[_-]/g, ''));
}

function hidden(value: unknown): string {
  return `[secret hidden: ${typeof value === 'string' ? `${value.length} characters` : typeof value}]`;
}

/** A copy of a config value with every secret under it replaced by hidden(), at any depth. */
function maskSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    if (SECRET_LOOKING_VALUE.some((re) => re.test(value))) return hidden(value);
    return value.replace(URL_CREDENTIALS, '$1[secret hidden]@');
  }
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 20) return '[too deep]';
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    out[key] = looksSecretKey(key) && field !== null && field !== undefined ? hidden(field) : maskSecrets(field, depth + 1);
  }
  return out;
}

/**
 * Shows a value for an error message. Secrets are replaced by their length only: enough to spot
 * an empty or truncated value, nothing to leak. A value is treated as secret when the schema says
 * so, or when its key (`key` is the dotted path, the last segment counts) or its shape looks like
 * one (a misspelt "apiHsh" still holds the hash); inside an object or a list, every value under a
 * secret-looking key is hidden too, and a URL's password.
 */
export function showValue(value: unknown, secret: boolean, key: string): string {
  if (value === undefined) return '(nothing)';
  const lastSegment = key.split('.').pop() ?? key;
  if ((secret || looksSecretKey(lastSegment)) && value !== null) return hidden(value);
  const masked = maskSecrets(value);
  if (typeof masked === 'string' && masked !== value && masked.startsWith('[secret hidden')) return masked;
  let shown: string;
  try {
    shown = JSON.stringify(masked) ?? String(masked);
  } catch {
    shown = String(masked);
  }
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}
