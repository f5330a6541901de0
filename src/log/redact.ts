/**
 * Redaction: what makes "logs never contain secrets" true. Every log entry passes through
 * redact() (src/log.ts wires it in as the first winston format), so a secret is masked whether it
 * sits in the message, in metadata, deep in a nested object or array, or in an Error's message,
 * stack or cause chain.
 *
 * Two kinds of rules:
 * - by shape, anywhere in any text: bot tokens, GramJS StringSession strings, phone numbers, the
 *   password or secret inside a proxy URL (socks5://user:PASSWORD@…, mtproxy://SECRET@…), and
 *   every value handed to registerSecret() (the configured api_hash and bot token, the session,
 *   what the operator types into `npm run login`, the sandbox's login material);
 * - by key: whatever sits under a key named like session/authKey/phone/password/token/secret/
 *   phoneCode/2fa, and 32-hex values under a key named like hash.
 *
 * A key called plain `code` is masked only when its value looks like a login code (digits): Node
 * and SQLite errors carry `code: 'ENOENT'` / `'SQLITE_BUSY'`, which an operator needs to see.
 */

export const MASK = '[redacted]';

const MAX_DEPTH = 10;

// Telegram bot tokens: "<bot id>:<35 url-safe base64 characters>".
const BOT_TOKEN = /\d{5,}:[A-Za-z0-9_-]{30,}/g;
// GramJS StringSession: version "1" then base64 of dc id, address, port and the 256-byte auth key
// (about 350 characters). Long base64 runs starting with 1 are masked; nothing else Courier logs looks so.
const SESSION_STRING = /(?<![A-Za-z0-9+/=])1[A-Za-z0-9+/]{100,}={0,2}/g;
// International phone numbers: "+" and 7 to 15 digits (E.164), spaces or dashes allowed between digits.
const PHONE = /(?<![\w+])\+\d(?:[ -]?\d){6,14}(?!\d)/g;
// Telegram itself writes phone numbers without the "+" (User.phone is "447700900123", and so is
// what GramJS prints of it). A bare run of digits has the shape of a message id, a user id (up to
// 2^52), a chat id, an access hash, a timestamp or a byte count, all of which an operator needs to
// read, so bare digits count as a phone number only right after a word naming one: "phone
// 447700900123", "phone_number: '4477…'", `"userPhone":"4477…"` (not "phone_code_hash: …").
// The phone numbers Courier itself learns (typed into the login, the sandbox's users) are also
// registered verbatim, with and without the "+".
const PHONE_AFTER_NAME = /(phone(?:[ _-]?(?:number|no))?s?\b["']?\s*[:=]?\s*["']?)\+?\d(?:[ -]?\d){6,14}(?!\d)/gi;
const HEX32 = /^[0-9a-f]{32}$/i;
// Proxy URLs (telegram.proxy): the password of scheme://user:password@host, and the secret of
// mtproxy://SECRET@host, wherever such a URL appears (a GramJS error may quote the address).
const PROXY_PASSWORD = /\b((?:socks[45]h?|https?):\/\/[^\s:@/]*):[^\s@/]+@/gi;
const MTPROXY_SECRET = /\b(mtproxy:\/\/)[^\s@/]+@/gi;

/** Normalised key names (lower case, without _ and -) whose values are always masked. */
const SECRET_KEYS = new Set([
  'session',
  'sessionstring',
  'stringsession',
  'authkey',
  'phone',
  'phonenumber',
  'phonecode',
  'logincode',
  'password',
  'passwd',
  '2fa',
  'twofa',
  'token',
  'bottoken',
  'accesstoken',
  'secret',
  'apihash',
]);

/** Registered secrets at least this long are masked wherever they appear, even inside a word. */
const MIN_ANYWHERE = 6;
/** Shorter ones (a 5-digit login code, a short 2FA password) only as a whole word; below this, never. */
const MIN_WORD = 4;

const secrets = new Set<string>();
let secretPattern: RegExp | undefined;

/**
 * Masks `value` verbatim in every later log entry of this process. A value of 6 characters or
 * more is masked wherever it appears; one of 4 or 5 characters (a login code such as "22222") only
 * where it stands as a word of its own, so the code does not eat into message ids or byte counts
 * that happen to contain it; shorter values are ignored, as they would hide more than they protect.
 */
export function registerSecret(value: string | null | undefined): void {
  if (!value || value.length < MIN_WORD || secrets.has(value)) return;
  secrets.add(value);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Longest first, so a secret containing another is masked whole.
  const alternatives = [...secrets]
    .sort((a, b) => b.length - a.length)
    .map((s) => (s.length >= MIN_ANYWHERE ? escape(s) : `(?<![A-Za-z0-9])${escape(s)}(?![A-Za-z0-9])`));
  secretPattern = new RegExp(alternatives.join('|'), 'g');
}

/** Masks every secret-shaped or registered secret substring of `text`. */
export function redactText(text: string): string {
  let out = text;
  if (secretPattern) out = out.replace(secretPattern, MASK);
  out = out.replace(PROXY_PASSWORD, `$1:${MASK}@`).replace(MTPROXY_SECRET, `$1${MASK}@`);
  return out
    .replace(BOT_TOKEN, MASK)
    .replace(SESSION_STRING, MASK)
    .replace(PHONE, MASK)
    .replace(PHONE_AFTER_NAME, (_match, name: string) => `${name}${MASK}`);
}

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

function maskedByKey(key: string, value: unknown): boolean {
  if (value === null || value === undefined || value === '') return false;
  const k = normaliseKey(key);
  if (SECRET_KEYS.has(k)) return true;
  if (k === 'code') return (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^\d{4,8}$/.test(value.trim()));
  if (k.includes('hash') && typeof value === 'string' && HEX32.test(value)) return true;
  return false;
}

/**
 * A copy of `value` with secrets masked; the input is never modified. Errors become plain objects
 * ({ name, message, stack, cause, ...own fields }) so they survive JSON and are redacted like
 * anything else. Buffers are summarised by length.
 */
export function redact(value: unknown): unknown {
  return redactValue(value, new WeakSet(), 0);
}

function redactValue(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
  if (value instanceof Date) return value;
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactValue(item, seen, depth + 1));
    const source = value instanceof Error ? errorFields(value) : (value as Record<string, unknown>);
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(source)) {
      out[key] = maskedByKey(key, field) ? MASK : redactValue(field, seen, depth + 1);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

function errorFields(err: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = { name: err.name, message: err.message };
  if (err.stack) fields.stack = err.stack;
  if (err.cause !== undefined) fields.cause = err.cause;
  for (const [key, field] of Object.entries(err)) fields[key] = field;
  return fields;
}

/**
 * Redacts a winston info object in place (it is winston's own copy, and its Symbol keys carry the
 * level and splat that later formats need). String keys only: Symbols hold no user data.
 */
export function redactInfoInPlace(info: Record<string, unknown>): void {
  const seen = new WeakSet<object>([info]);
  for (const [key, field] of Object.entries(info)) {
    if (key === 'level') continue;
    info[key] = maskedByKey(key, field) ? MASK : redactValue(field, seen, 1);
  }
}
