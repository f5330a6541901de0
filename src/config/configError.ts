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

const SECRET_LOOKING_KEY = /hash|token|secret|passw|^session(string)?$|authkey/i;
const SECRET_LOOKING_VALUE = [/^\d{5,}:[A-Za-z0-9_-]{30,}$/, /^[0-9a-f]{32}$/i];

/**
 * Shows a value for an error message. Secrets are replaced by their length only: enough to spot
 * an empty or truncated value, nothing to leak. A key is treated as secret when the schema says so,
 * or when its name or value looks like one (a misspelt "apiHsh" still holds the hash).
 */
export function showValue(value: unknown, secret: boolean, key: string): string {
  if (value === undefined) return '(nothing)';
  const lastSegment = key.split('.').pop() ?? key;
  const looksSecret =
    secret || SECRET_LOOKING_KEY.test(lastSegment) || (typeof value === 'string' && SECRET_LOOKING_VALUE.some((re) => re.test(value)));
  if (looksSecret && value !== null) {
    const length = typeof value === 'string' ? `${value.length} characters` : typeof value;
    return `[secret hidden: ${length}]`;
  }
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}
