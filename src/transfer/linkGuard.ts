/**
 * Decides whether Courier may connect to a user's link: the SSRF guard.
 *
 * A user-supplied URL must not make Courier reach its own machine, the operator's network or a
 * cloud metadata service. Rules:
 * - only http: and https:;
 * - the host is resolved (every address, not just the first) and EVERY address must be public
 *   unicast; if any is not, the link is refused (a mixed answer is how rebinding attacks start);
 * - IPv6 forms that embed an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, IPv4-translated,
 *   NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4 2002::/16) are judged by the embedded address;
 *   Teredo and deprecated IPv4-compatible (::a.b.c.d) addresses are refused outright;
 * - odd IPv4 spellings (127.1, 0x7f.1, 017700000001, 2130706433, 0) need no code here: the WHATWG
 *   URL parser behind `new URL` normalises them to dotted quads (tests pin this).
 * The caller connects to the address returned (see safeFetch.ts), never re-resolving the name.
 *
 * `allowLoopback` (tests only) admits 127.0.0.0/8 and ::1 and nothing else; `loopbackPorts`
 * narrows that to given ports, so a test can run an "allowed" server on 127.0.0.1 and still
 * check that a redirect to another loopback port is refused.
 */

import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { JobError } from '../domain/jobError.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses; the default uses dns.lookup (the system resolver). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface LinkGuardOptions {
  allowLoopback?: boolean;
  /** With allowLoopback: loopback is admitted only on these ports. */
  loopbackPorts?: readonly number[];
  resolve?: Resolver;
}

export interface CheckedTarget {
  url: URL;
  /** The address to connect to (already checked). */
  address: string;
  family: 4 | 6;
  /** Host name for the Host header and TLS SNI (without IPv6 brackets). */
  hostname: string;
  port: number;
}

export const defaultResolver: Resolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

function refused(rule: string, detail: string): JobError {
  return new JobError('LINK_REFUSED', `The link was refused: ${rule} (${detail}). Only public http(s) addresses can be downloaded.`, { retryable: false });
}

/** Parses a link and checks its scheme. Throws JobError LINK_REFUSED. */
export function parseLink(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw refused('not a valid URL', JSON.stringify(raw.slice(0, 100)));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused('only http and https links are allowed', `scheme ${url.protocol}`);
  if (url.hostname === '') throw refused('the link has no host', url.protocol);
  return url;
}

/**
 * Why an address may not be contacted, or null if it may. `port` only matters for loopback
 * when `loopbackPorts` is set.
 */
export function addressRefusal(address: string, options: LinkGuardOptions = {}, port?: number): string | null {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  const parsed = ipaddr.parse(address);
  if (options.allowLoopback && isPlainLoopback(parsed)) {
    if (!options.loopbackPorts || (port !== undefined && options.loopbackPorts.includes(port))) return null;
    return `loopback address ${address} on port ${String(port)} is not an allowed test port`;
  }
  return refusalOf(parsed);
}

function isPlainLoopback(ip: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (ip.kind() === 'ipv4') return ip.range() === 'loopback';
  return (ip as ipaddr.IPv6).toNormalizedString() === '0:0:0:0:0:0:0:1';
}

const RANGE_TEXT: Record<string, string> = {
  loopback: 'loopback addresses are not allowed',
  private: 'private network addresses (10/8, 172.16/12, 192.168/16) are not allowed',
  carrierGradeNat: 'carrier-grade NAT addresses (100.64/10) are not allowed',
  linkLocal: 'link-local addresses (169.254/16, fe80::/10) are not allowed',
  multicast: 'multicast addresses are not allowed',
  unspecified: 'the unspecified address (0.0.0.0, ::) is not allowed',
  broadcast: 'the broadcast address is not allowed',
  reserved: 'reserved addresses are not allowed',
  benchmarking: 'benchmarking addresses (198.18/15) are not allowed',
  uniqueLocal: 'unique-local IPv6 addresses (fc00::/7) are not allowed',
  teredo: 'Teredo tunnel addresses are not allowed',
  as112: 'AS112 addresses are not allowed',
  as112v6: 'AS112 addresses are not allowed',
  amt: 'AMT addresses are not allowed',
  orchid2: 'ORCHIDv2 addresses are not allowed',
  droneRemoteIdProtocolEntityTags: 'drone remote ID addresses are not allowed',
};

function refusalOf(ip: ipaddr.IPv4 | ipaddr.IPv6): string | null {
  if (ip.kind() === 'ipv4') {
    const range = (ip as ipaddr.IPv4).range();
    return range === 'unicast' ? null : `${RANGE_TEXT[range] ?? `${range} addresses are not allowed`}: ${ip.toString()}`;
  }
  const v6 = ip as ipaddr.IPv6;
  const embedded = embeddedIPv4(v6);
  if (embedded) {
    const inner = refusalOf(embedded.ipv4);
    return inner === null ? null : `${inner} (embedded in ${embedded.form} ${v6.toString()})`;
  }
  const parts = v6.parts;
  if (parts.slice(0, 6).every((p) => p === 0) && v6.range() === 'unicast') {
    return `deprecated IPv4-compatible IPv6 addresses are not allowed: ${v6.toString()}`;
  }
  const range = v6.range();
  return range === 'unicast' ? null : `${RANGE_TEXT[range] ?? `${range} addresses are not allowed`}: ${v6.toString()}`;
}

/** The IPv4 address inside mapped, translated, NAT64 and 6to4 forms. */
function embeddedIPv4(v6: ipaddr.IPv6): { ipv4: ipaddr.IPv4; form: string } | null {
  const p = v6.parts;
  const fromWords = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const range = v6.range();
  if (range === 'ipv4Mapped') return { ipv4: v6.toIPv4Address(), form: 'IPv4-mapped' };
  if (range === 'rfc6145' || range === 'rfc6052') return { ipv4: fromWords(p[6] ?? 0, p[7] ?? 0), form: range === 'rfc6145' ? 'IPv4-translated' : 'NAT64' };
  // 64:ff9b:1::/48, local-use NAT64 (RFC 8215); older ipaddr.js versions call it unicast.
  if (p[0] === 0x64 && p[1] === 0xff9b && p[2] === 1) return { ipv4: fromWords(p[6] ?? 0, p[7] ?? 0), form: 'NAT64' };
  if (range === '6to4') return { ipv4: fromWords(p[1] ?? 0, p[2] ?? 0), form: '6to4' };
  return null;
}

/**
 * Resolves the link's host and checks every address. Returns the address to connect to.
 * Throws JobError LINK_REFUSED (a rule) or LINK_UNREACHABLE (the name does not resolve).
 */
export async function checkLink(url: URL, options: LinkGuardOptions = {}): Promise<CheckedTarget> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused('only http and https links are allowed', `scheme ${url.protocol}`);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  let addresses: ResolvedAddress[];
  if (ipaddr.isValid(hostname)) {
    addresses = [{ address: hostname, family: hostname.includes(':') ? 6 : 4 }];
  } else {
    try {
      addresses = await (options.resolve ?? defaultResolver)(hostname);
    } catch (error) {
      throw new JobError('LINK_UNREACHABLE', `The host ${hostname} could not be resolved (${(error as Error).message}).`, { cause: error });
    }
    if (addresses.length === 0) throw new JobError('LINK_UNREACHABLE', `The host ${hostname} has no addresses.`);
  }
  for (const candidate of addresses) {
    const why = addressRefusal(candidate.address, options, port);
    if (why !== null) throw refused(why, hostname === candidate.address ? `host ${hostname}` : `host ${hostname} resolves to ${candidate.address}`);
  }
  const first = addresses[0] as ResolvedAddress;
  return { url, address: first.address, family: first.family, hostname, port };
}
