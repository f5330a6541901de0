/**
 * Downloads a user's http(s) link to a local file without letting the link reach places it must
 * not (see linkGuard.ts for the address rules).
 *
 * - Every hop (the link and each redirect) is parsed, resolved and checked again.
 * - The connection is pinned to the checked address: node's `lookup` hook returns that address,
 *   so the socket cannot be sent elsewhere by a second DNS answer (DNS rebinding). The Host
 *   header and TLS SNI/certificate check still use the original host name.
 * - The size cap applies twice: a Content-Length over it is refused before reading, and the body
 *   is counted while streaming (chunked bodies have no length); past the cap the download stops.
 * - Connect and idle timeouts; an AbortSignal cancels. On any failure the partial file is removed.
 * Errors are JobErrors: LINK_REFUSED, LINK_UNREACHABLE, FILE_TOO_BIG, TIMEOUT, CANCELLED, DISK_FULL.
 */

import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { JobError } from '../domain/jobError.js';
import { checkLink, parseLink, type CheckedTarget, type LinkGuardOptions } from './linkGuard.js';

export interface SafeFetchOptions extends LinkGuardOptions {
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

export async function safeFetch(options: SafeFetchOptions): Promise<SafeFetchResult> {
  const maxRedirects = options.maxRedirects ?? 5;
  let url = parseLink(options.url);
  let redirects = 0;
  try {
    for (;;) {
      throwIfCancelled(options.signal);
      const target = await checkLink(url, options);
      const { response, failure } = await openResponse(target, options);
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
      const bytes = await saveBody(response, failure, options);
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
  }
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new JobError('CANCELLED', 'The download was cancelled.');
}

/** A `lookup` that always answers with the already-checked address. */
function pinnedLookup(target: CheckedTarget): LookupFunction {
  return ((_hostname: string, opts: { all?: boolean } | undefined, callback: (...args: unknown[]) => void) => {
    if (opts?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as unknown as LookupFunction;
}

interface OpenResponse {
  response: IncomingMessage;
  /** Why the request was stopped (timeout, cancel), if it was; streaming errors then mean this. */
  failure: () => JobError | null;
}

function openResponse(target: CheckedTarget, options: SafeFetchOptions): Promise<OpenResponse> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const isHttps = target.url.protocol === 'https:';
  const isIpLiteral = target.hostname === target.address;
  return new Promise((resolve, reject) => {
    const request = (isHttps ? https : http).request({
      protocol: target.url.protocol,
      hostname: target.hostname,
      port: target.port,
      path: `${target.url.pathname}${target.url.search}`,
      method: 'GET',
      agent: false,
      lookup: pinnedLookup(target),
      ...(isHttps && !isIpLiteral ? { servername: target.hostname } : {}),
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

    const onAbort = () => fail(new JobError('CANCELLED', 'The download was cancelled.'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('close', () => {
      clearTimeout(connectTimer);
      options.signal?.removeEventListener('abort', onAbort);
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

async function saveBody(response: IncomingMessage, failure: () => JobError | null, options: SafeFetchOptions): Promise<number> {
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
      if (received > options.maxBytes) return callback(tooBig(`the body passed ${options.maxBytes} bytes while downloading`, options.maxBytes));
      options.onProgress?.(received, total);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(response, counter, createWriteStream(options.destination));
  } catch (error) {
    response.destroy();
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
