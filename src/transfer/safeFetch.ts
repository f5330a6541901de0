/**
 * Downloads a user's http(s) link to a local file without letting the link reach places it must
 * not (see linkGuard.ts for the address rules).
 *
 * - Every hop (the link and each redirect) is parsed, resolved and checked again, before any
 *   connection is made to it.
 * - The socket is opened by `connect` to the checked address itself, so it cannot be sent
 *   elsewhere by a second DNS answer (DNS rebinding). The Host header and TLS SNI/certificate
 *   check still use the original host name. `connect` is the one place bytes leave Courier: tests
 *   pass one that refuses anything off loopback, so a broken guard fails a test instead of
 *   making traffic.
 * - The size cap applies twice: a Content-Length over it is refused before reading, and the body
 *   is counted while streaming (chunked bodies have no length); past the cap the download stops.
 * - Connect and idle timeouts; a total deadline and a minimum average rate (downloadPace.ts),
 *   checked on an injected clock; an AbortSignal cancels. On any failure the partial file is
 *   removed.
 * Errors are JobErrors: LINK_REFUSED, LINK_UNREACHABLE, FILE_TOO_BIG, TIMEOUT, CANCELLED, DISK_FULL.
 */

import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tls from 'node:tls';
import ipaddr from 'ipaddr.js';
import { JobError } from '../domain/jobError.js';
import { paceBreach, systemPaceClock, type PaceClock } from './downloadPace.js';
import { abortReason, checkLink, parseLink, type CheckedTarget, type LinkGuardOptions } from './linkGuard.js';

/** Opens the socket (TLS for https) to a checked target's address. */
export type Connector = (target: CheckedTarget) => Socket;

/** Connects to `target.address` itself (no lookup); https gets TLS with the host name for SNI and the certificate check. */
export const connectToTarget: Connector = (target) => {
  if (target.url.protocol !== 'https:') return net.connect({ host: target.address, port: target.port });
  const isIpLiteral = ipaddr.isValid(target.hostname);
  // checkServerIdentity uses `servername` when set, else `host`: the name for a name, the address for an IP link.
  return tls.connect({ host: target.address, port: target.port, ALPNProtocols: ['http/1.1'], ...(isIpLiteral ? {} : { servername: target.hostname }) });
};

export interface SafeFetchOptions extends Omit<LinkGuardOptions, 'signal' | 'lookupTimeoutMs'> {
  url: string;
  /** File to write; created or truncated. Removed again if the download fails. */
  destination: string;
  maxBytes: number;
  /** Redirects followed (default 5); one more is refused. */
  maxRedirects?: number;
  /** Time allowed to establish the TCP (and TLS) connection, ms (default 30 s). */
  connectTimeoutMs?: number;
  /** Longest silence on an open connection, ms (default 30 s). */
  idleTimeoutMs?: number;
  /** Longest name lookup, ms (default: connectTimeoutMs). */
  lookupTimeoutMs?: number;
  /** The whole download, lookups and redirects included, ms (default 600 s; links.deadlineSeconds). */
  deadlineMs?: number;
  /** Least average rate after the first 30 s, bytes/s (default 10240; 0 = none; links.minBytesPerSecond). */
  minBytesPerSecond?: number;
  /** The clock the deadline and rate are checked on (default: the system clock, checked every second). */
  clock?: PaceClock;
  /** Opens the sockets (default connectToTarget). */
  connect?: Connector;
  signal?: AbortSignal;
  onProgress?: (receivedBytes: number, totalBytes: number | null) => void;
  userAgent?: string;
}

export interface SafeFetchResult {
  finalUrl: string;
  bytes: number;
  redirects: number;
  contentType: string | null;
  /** A name from Content-Disposition or the URL path, raw: pass it through safeJobFileName. */
  suggestedName: string | null;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** How often the pace (deadline, rate) is checked. */
const PACE_CHECK_MS = 1000;

export async function safeFetch(options: SafeFetchOptions): Promise<SafeFetchResult> {
  const maxRedirects = options.maxRedirects ?? 5;
  let url = parseLink(options.url);
  let redirects = 0;
  // One signal for everything that stops the download: the caller's cancel, or a broken pace
  // rule; its reason is the JobError to report.
  const stop = new AbortController();
  const onCancel = () => stop.abort(new JobError('CANCELLED', 'The download was cancelled.'));
  if (options.signal?.aborted) onCancel();
  options.signal?.addEventListener('abort', onCancel, { once: true });
  const clock = options.clock ?? systemPaceClock;
  const startedAt = clock.now();
  const rules = { deadlineMs: options.deadlineMs ?? 600_000, minBytesPerSecond: options.minBytesPerSecond ?? 10_240 };
  let received = 0;
  const stopWatching = clock.every(PACE_CHECK_MS, () => {
    const breach = paceBreach(rules, clock.now() - startedAt, received);
    if (breach && !stop.signal.aborted) stop.abort(breach);
  });
  const hop = { ...options, signal: stop.signal, lookupTimeoutMs: options.lookupTimeoutMs ?? options.connectTimeoutMs ?? 30_000 };
  try {
    for (;;) {
      if (stop.signal.aborted) throw abortReason(stop.signal);
      const target = await checkLink(url, hop);
      const { response, failure } = await openResponse(target, hop);
      const status = response.statusCode ?? 0;
      if (REDIRECT_STATUSES.has(status)) {
        response.resume();
        const location = response.headers.location;
        if (!location) throw new JobError('LINK_UNREACHABLE', `${url.host} answered ${status} without a Location header.`, { retryable: false });
        if (redirects >= maxRedirects) throw new JobError('LINK_REFUSED', `The link was refused: more than ${maxRedirects} redirects.`, { retryable: false });
        redirects += 1;
        url = parseLink(new URL(location, url).href);
        continue;
      }
      if (status !== 200) {
        response.resume();
        throw new JobError('LINK_UNREACHABLE', `${url.host} answered HTTP ${status} for the link.`, { retryable: status >= 500 || status === 429 });
      }
      const bytes = await saveBody(response, failure, hop, (n) => (received = n));
      return {
        finalUrl: url.href,
        bytes,
        redirects,
        contentType: response.headers['content-type'] ?? null,
        suggestedName: suggestedName(response, url),
      };
    }
  } catch (error) {
    await unlink(options.destination).catch(() => undefined);
    throw error;
  } finally {
    stopWatching();
    options.signal?.removeEventListener('abort', onCancel);
  }
}

interface OpenResponse {
  response: IncomingMessage;
  /** Why the request was stopped (timeout, cancel), if it was; streaming errors then mean this. */
  failure: () => JobError | null;
}

type HopOptions = SafeFetchOptions & { signal: AbortSignal };

function openResponse(target: CheckedTarget, options: HopOptions): Promise<OpenResponse> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const isHttps = target.url.protocol === 'https:';
  const connect = options.connect ?? connectToTarget;
  return new Promise((resolve, reject) => {
    // No agent: with `createConnection` node asks us for the socket (no pooling, no lookup).
    const request = (isHttps ? https : http).request({
      protocol: target.url.protocol,
      hostname: target.hostname,
      port: target.port,
      path: `${target.url.pathname}${target.url.search}`,
      method: 'GET',
      createConnection: (() => connect(target)) as unknown as (options: object) => Duplex,
      headers: { 'user-agent': options.userAgent ?? 'Courier', accept: '*/*', 'accept-encoding': 'identity' },
    });
    let failure: JobError | null = null;
    const fail = (error: JobError) => {
      failure ??= error;
      request.destroy(error);
    };

    const connectTimer = setTimeout(
      () => fail(new JobError('TIMEOUT', `Connecting to ${target.hostname} (${target.address}) took longer than ${connectTimeoutMs} ms.`)),
      connectTimeoutMs,
    );
    request.on('socket', (socket) => {
      const connectedEvent = isHttps ? 'secureConnect' : 'connect';
      socket.once(connectedEvent, () => clearTimeout(connectTimer));
    });
    request.setTimeout(idleTimeoutMs, () => fail(new JobError('TIMEOUT', `${target.hostname} sent nothing for ${idleTimeoutMs} ms.`)));

    const onAbort = () => fail(abortReason(options.signal));
    if (options.signal.aborted) onAbort();
    options.signal.addEventListener('abort', onAbort, { once: true });
    request.on('close', () => {
      clearTimeout(connectTimer);
      options.signal.removeEventListener('abort', onAbort);
    });

    request.on('response', (response) => {
      clearTimeout(connectTimer);
      resolve({ response, failure: () => failure });
    });
    request.on('error', (error) => {
      clearTimeout(connectTimer);
      reject(failure ?? asJobError(error, target.hostname));
    });
    request.end();
  });
}

async function saveBody(response: IncomingMessage, failure: () => JobError | null, options: HopOptions, onCount: (bytes: number) => void): Promise<number> {
  const lengthHeader = response.headers['content-length'];
  const total = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
  if (total !== null && total > options.maxBytes) {
    response.destroy();
    throw tooBig(`the server announces ${total} bytes`, options.maxBytes);
  }
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      onCount(received);
      if (received > options.maxBytes) return callback(tooBig(`the body passed ${options.maxBytes} bytes while downloading`, options.maxBytes));
      options.onProgress?.(received, total);
      callback(null, chunk);
    },
  });
  const file = createWriteStream(options.destination);
  try {
    await pipeline(response, counter, file);
  } catch (error) {
    response.destroy();
    // pipeline() rejects as soon as it destroys the stream, possibly before the file's open has
    // completed; wait for it to close, or the caller's unlink could run first and the file would
    // be created after it (a partial file left behind).
    if (!file.closed) await once(file, 'close').catch(() => undefined);
    throw failure() ?? asJobError(error, 'the server');
  }
  if (total !== null && received !== total) {
    throw new JobError('LINK_UNREACHABLE', `The connection closed after ${received} of ${total} bytes.`);
  }
  return received;
}

function tooBig(what: string, maxBytes: number): JobError {
  return new JobError('FILE_TOO_BIG', `The link's file is too big: ${what}; the limit is ${maxBytes} bytes (links.maxBytes).`, { retryable: false });
}

function asJobError(error: unknown, host: string): JobError {
  if (error instanceof JobError) return error;
  const cause = error as NodeJS.ErrnoException;
  // The request was destroyed with a JobError (timeout, cancel): node may wrap or re-emit it.
  if (cause?.cause instanceof JobError) return cause.cause;
  if (cause?.code === 'ENOSPC') return new JobError('DISK_FULL', 'The disk is full; free space in paths.temp.', { cause });
  return new JobError('LINK_UNREACHABLE', `Downloading from ${host} failed (${cause?.code ?? cause?.message ?? String(error)}).`, { cause });
}

function suggestedName(response: IncomingMessage, url: URL): string | null {
  const disposition = response.headers['content-disposition'];
  if (disposition) {
    const star = /filename\*\s*=\s*(?:UTF-8'[^']*')?([^;]+)/i.exec(disposition);
    if (star?.[1]) {
      try {
        return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
      } catch {
        // fall through to the plain filename
      }
    }
    const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
    if (plain?.[1]) return plain[1].trim();
  }
  const last = url.pathname.split('/').pop();
  if (!last) return null;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}
