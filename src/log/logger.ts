/**
 * Logging through winston: colourised one-line entries on a terminal, JSON lines otherwise
 * (format 'auto'), at the configured level. Every entry is redacted first (src/redact.ts), so a
 * secret never reaches a log line whatever a caller passes.
 *
 * Modules take a child logger at import time (`const log = logger('session')`); that works before
 * initLogging() runs, because children write through the one root logger, which initLogging()
 * reconfigures in place.
 */
import winston from 'winston';
import type { Config } from '../config/index.js';
import { redactInfoInPlace, registerSecret } from './redact.js';

export { redact, redactText, registerSecret, MASK } from './redact.js';

export type Logger = winston.Logger;
type LogSettings = Config['log'];

const redactFormat = winston.format((info) => {
  redactInfoInPlace(info as Record<string, unknown>);
  return info;
});

/** "12:34:56.789 info  [session] message {"extra":1}" */
const prettyLine = winston.format.printf((info) => {
  const { level, message, module, timestamp, stack, ...rest } = info as Record<string, unknown>;
  const where = typeof module === 'string' ? ` [${module}]` : '';
  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  const trace = typeof stack === 'string' ? `\n${stack}` : '';
  return `${String(timestamp)} ${String(level)}${where} ${String(message)}${extra}${trace}`;
});

function formatFor(format: LogSettings['format'], stream: NodeJS.WritableStream): winston.Logform.Format {
  const tty = format === 'pretty' || (format === 'auto' && (stream as { isTTY?: boolean }).isTTY === true);
  const first = [winston.format.errors({ stack: true }), redactFormat()];
  if (tty) {
    return winston.format.combine(...first, winston.format.timestamp({ format: 'HH:mm:ss.SSS' }), winston.format.colorize(), prettyLine);
  }
  return winston.format.combine(...first, winston.format.timestamp(), winston.format.json());
}

function transportsFor(stream: NodeJS.WritableStream): winston.transport[] {
  return [new winston.transports.Stream({ stream })];
}

const root = winston.createLogger({
  level: 'info',
  format: formatFor('auto', process.stdout),
  transports: transportsFor(process.stdout),
});

export interface InitLoggingOptions {
  /** Where lines go; default process.stdout. Tests pass a stream they read back. */
  stream?: NodeJS.WritableStream;
  /** Known secrets (api_hash, bot token, ...) to mask verbatim; null/undefined entries are skipped. */
  secrets?: readonly (string | null | undefined)[];
}

/** Applies the configured level and format; call once at start-up (again in tests). */
export function initLogging(cfg: LogSettings, options: InitLoggingOptions = {}): Logger {
  const stream = options.stream ?? process.stdout;
  for (const secret of options.secrets ?? []) registerSecret(secret);
  root.configure({ level: cfg.level, format: formatFor(cfg.format, stream), transports: transportsFor(stream) });
  return root;
}

/** A logger whose entries carry `module`, e.g. logger('updates').info('caught up', { pts }). */
export function logger(module: string): Logger {
  return root.child({ module });
}

/** The message of a thrown value, for a log line or a wrapping error (not everything thrown is an Error). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
