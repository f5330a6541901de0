/**
 * telegram.proxy (COURIER_PROXY_URL): every connection Courier makes to Telegram goes through it —
 * the service's client, the login dialogue's, and the extra media connections (files/mediaSender.ts
 * hands the client's proxy to each), since all of them are built from buildTelegramClient.
 *
 * Two kinds, as GramJS supports them (its `proxy` client option):
 * - SOCKS: socks5://[user:pass@]host:port or socks4://host:port. GramJS's PromisedNetSockets
 *   opens the SOCKS tunnel (the `socks` package) to whatever address the Connection class asks
 *   for, so it composes with the sandbox's Connection class: the tunnel simply leads to the
 *   emulator's host:port instead of a Telegram DC;
 * - MTProxy: mtproxy://SECRET@host:port, SECRET the proxy's 32 hex digits (or "dd" and 32 hex
 *   digits, random padding). GramJS then replaces the Connection class with its own MTProxy one,
 *   which asks the proxy for a Telegram DC by number: it cannot reach an emulator, so MTProxy with
 *   the sandbox is refused. Fake-TLS secrets ("ee…") are not supported by GramJS.
 *
 * The password and the secret are secrets: main.ts registers them with the log redaction, the
 * config error messages mask the whole value, and describeProxy() names a proxy without them.
 */
import type { ProxyInterface } from 'telegram/network/connection/TCPMTProxy.js';

export class ProxyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProxyConfigError';
  }
}

/** Seconds GramJS gives the SOCKS handshake (its default is 5, short for a proxy far away). */
const SOCKS_TIMEOUT_SECONDS = 10;

function parsed(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new ProxyConfigError('telegram.proxy is not a URL; write it like socks5://user:pass@host:1080 or mtproxy://SECRET@host:443.');
  }
}

function portOf(u: URL): number {
  const port = Number(u.port);
  if (!Number.isInteger(port) || port < 1) throw new ProxyConfigError(`telegram.proxy needs a port (${u.protocol}//host:PORT).`);
  return port;
}

/** GramJS's proxy option for a telegram.proxy URL. Throws ProxyConfigError with what to fix. */
export function parseProxyUrl(url: string): ProxyInterface {
  const u = parsed(url);
  const ip = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!ip) throw new ProxyConfigError('telegram.proxy needs a host.');
  const scheme = u.protocol.replace(/:$/, '').toLowerCase();
  if (scheme === 'socks5' || scheme === 'socks4') {
    const username = decodeURIComponent(u.username);
    const password = decodeURIComponent(u.password);
    return {
      ip,
      port: portOf(u),
      socksType: scheme === 'socks5' ? 5 : 4,
      timeout: SOCKS_TIMEOUT_SECONDS,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
    };
  }
  if (scheme === 'mtproxy') {
    const secret = decodeURIComponent(u.username || u.searchParams.get('secret') || '').toLowerCase();
    if (/^ee/.test(secret)) throw new ProxyConfigError('telegram.proxy: fake-TLS MTProxy secrets (starting with "ee") are not supported by GramJS; ask for the plain or "dd" secret.');
    if (!/^(dd)?[0-9a-f]{32}$/.test(secret)) throw new ProxyConfigError('telegram.proxy: an MTProxy secret is 32 hexadecimal digits, optionally prefixed with "dd" (mtproxy://SECRET@host:port).');
    return { ip, port: portOf(u), secret, MTProxy: true };
  }
  throw new ProxyConfigError(`telegram.proxy: "${scheme}" proxies are not supported; use socks5://, socks4:// or mtproxy://.`);
}

/** The parts of a proxy URL that must never reach a log: the SOCKS password, the MTProxy secret. */
export function proxySecrets(url: string | null | undefined): string[] {
  if (!url) return [];
  try {
    const u = new URL(url);
    const scheme = u.protocol.replace(/:$/, '').toLowerCase();
    const parts = scheme === 'mtproxy' ? [u.username, u.searchParams.get('secret') ?? ''] : [u.password];
    return parts.filter((p) => p !== '').flatMap((p) => [p, decodeURIComponent(p)]);
  } catch {
    return [];
  }
}

/** "socks5 proxy 10.0.0.5:1080": how logs and errors name the proxy. */
export function describeProxy(proxy: ProxyInterface): string {
  return 'MTProxy' in proxy ? `MTProxy ${proxy.ip}:${proxy.port}` : `socks${proxy.socksType} proxy ${proxy.ip}:${proxy.port}`;
}
