/**
 * Decides whether Courier may connect to a user's link: the SSRF guard. Links reach only the
 * public web.
 *
 * A user-supplied URL must not make Courier reach its own machine, the operator's network or a
 * cloud metadata service. Rules, in the order they are applied:
 * - only http: and https:;
 * - only ports 80 and 443, plus the operator's `allowedPorts` (links.allowedPorts): a link to
 *   :2375 (Docker API), :6379 (Redis) or :9200 (Elasticsearch) is refused before any lookup;
 * - the host is resolved (every address, not just the first; the lookup is bounded by
 *   `lookupTimeoutMs` and stops on `signal`) and EVERY address must pass the address rules; if
 *   any fails, the link is refused (a mixed answer is how rebinding attacks start):
 *   - not in the operator's deny-list `denyCidrs` (links.denyCidrs);
 *   - public unicast (IPv6 forms that embed an IPv4 address, IPv4-mapped ::ffff:a.b.c.d,
 *     IPv4-translated, NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4 2002::/16, are judged by the
 *     embedded address; Teredo and deprecated IPv4-compatible ::a.b.c.d are refused outright);
 *   - not an address of this machine's own network interfaces: on a VPS the public address sits
 *     on the network card, and services bound to it are as private as those on loopback;
 * - odd IPv4 spellings (127.1, 0x7f.1, 017700000001, 2130706433, 0) need no code here: the WHATWG
 *   URL parser behind `new URL` normalises them to dotted quads (tests pin this).
 * The caller connects to the address returned (see safeFetch.ts), never re-resolving the name,
 * and runs this check again on every redirect hop.
 *
 * `allowLoopback` (tests only) admits 127.0.0.0/8 and ::1 and nothing else; the port rule and
 * the deny-list still apply, so a test serves its links on a port it lists in `allowedPorts`.
 */

import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';
import { JobError } from '../domain/jobError.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses; the default uses dns.lookup (the system resolver). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The ports every link may use; others only when listed in links.allowedPorts. */
export const STANDARD_PORTS: readonly number[] = [80, 443];

export interface LinkGuardOptions {
  allowLoopback?: boolean;
  /** Ports besides 80 and 443 a link may use (links.allowedPorts). */
  allowedPorts?: readonly number[];
  /** Address ranges the operator refuses on top of the built-in rules (links.denyCidrs), e.g. "203.0.113.0/24". */
  denyCidrs?: readonly string[];
  /** This machine's own addresses; default: every address of os.networkInterfaces(), read at each check. */
  localAddresses?: () => readonly string[];
  resolve?: Resolver;
  /** Longest wait for a name lookup, ms (default 30 s; links.timeoutMs). */
  lookupTimeoutMs?: number;
  /** Stops a lookup in progress; an abort reason that is a JobError is thrown as it is. */
  signal?: AbortSignal;
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

/** Every address on this machine's network interfaces (loopback included). */
export function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

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

/** The port a link connects to: its explicit port or the scheme's default. */
export function portOf(url: URL): number {
  return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
}

/** Why a port may not be used, or null if it may. */
export function portRefusal(port: number, options: LinkGuardOptions = {}): string | null {
  if (STANDARD_PORTS.includes(port) || options.allowedPorts?.includes(port)) return null;
  return `port ${port} is not allowed (links.allowedPorts)`;
}

/** Why an address may not be contacted, or null if it may. Ports are judged apart (portRefusal). */
export function addressRefusal(address: string, options: LinkGuardOptions = {}): string | null {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  const parsed = ipaddr.parse(address);
  const denied = deniedBy(parsed, options.denyCidrs ?? []);
  if (denied !== null) return `${address} is in the deny-list entry ${denied} (links.denyCidrs)`;
  if (options.allowLoopback && isPlainLoopback(parsed)) return null;
  const byRange = refusalOf(parsed);
  if (byRange !== null) return byRange;
  const own = new Set((options.localAddresses ?? interfaceAddresses)().filter((a) => ipaddr.isValid(a)).flatMap((a) => identities(ipaddr.parse(a))));
  if (identities(parsed).some((id) => own.has(id))) return `${address} is an address of this machine's own network interfaces`;
  return null;
}

/** An address and the IPv4 address it embeds (if any), as comparable strings. */
function identities(ip: ipaddr.IPv4 | ipaddr.IPv6): string[] {
  if (ip.kind() === 'ipv4') return [ip.toString()];
  const v6 = ip as ipaddr.IPv6;
  const embedded = embeddedIPv4(v6);
  return embedded ? [v6.toNormalizedString(), embedded.ipv4.toString()] : [v6.toNormalizedString()];
}

/** The deny-list entry `ip` (or the IPv4 address it embeds) falls in, or null. */
function deniedBy(ip: ipaddr.IPv4 | ipaddr.IPv6, denyCidrs: readonly string[]): string | null {
  const candidates: Array<ipaddr.IPv4 | ipaddr.IPv6> = [ip];
  if (ip.kind() === 'ipv6') {
    const embedded = embeddedIPv4(ip as ipaddr.IPv6);
    if (embedded) candidates.push(embedded.ipv4);
  }
  for (const cidr of denyCidrs) {
    let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
    try {
      range = ipaddr.parseCIDR(cidr);
    } catch {
      // The config schema validates the list; reaching this means a task was built by hand.
      throw new JobError('INTERNAL', `links.denyCidrs has an entry that is not a CIDR range: ${JSON.stringify(cidr)}.`, { retryable: false });
    }
    if (candidates.some((c) => c.kind() === range[0].kind() && c.match(range))) return cidr;
  }
  return null;
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
 * Checks the port, resolves the link's host and checks every address. Returns the address to
 * connect to. Throws JobError LINK_REFUSED (a rule), LINK_UNREACHABLE (the name does not
 * resolve), TIMEOUT (the lookup took too long) or the signal's reason (CANCELLED by default).
 */
export async function checkLink(url: URL, options: LinkGuardOptions = {}): Promise<CheckedTarget> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused('only http and https links are allowed', `scheme ${url.protocol}`);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = portOf(url);
  const badPort = portRefusal(port, options);
  if (badPort !== null) throw refused(badPort, `host ${hostname}`);
  let addresses: ResolvedAddress[];
  if (ipaddr.isValid(hostname)) {
    addresses = [{ address: hostname, family: hostname.includes(':') ? 6 : 4 }];
  } else {
    addresses = await resolveBounded(hostname, options);
    if (addresses.length === 0) throw new JobError('LINK_UNREACHABLE', `The host ${hostname} has no addresses.`);
  }
  for (const candidate of addresses) {
    const why = addressRefusal(candidate.address, options);
    if (why !== null) throw refused(why, hostname === candidate.address ? `host ${hostname}` : `host ${hostname} resolves to ${candidate.address}`);
  }
  const first = addresses[0] as ResolvedAddress;
  return { url, address: first.address, family: first.family, hostname, port };
}

/** What an aborted signal means: its reason when that is a JobError, else a plain cancel. */
export function abortReason(signal: AbortSignal): JobError {
  return signal.reason instanceof JobError ? signal.reason : new JobError('CANCELLED', 'The download was cancelled.');
}

/**
 * The resolver's answer, or TIMEOUT after `lookupTimeoutMs`, or the abort reason. dns.lookup
 * itself cannot be stopped (getaddrinfo runs on libuv's thread pool), so a late answer is
 * dropped; what matters is that the download stops waiting for it.
 */
function resolveBounded(hostname: string, options: LinkGuardOptions): Promise<ResolvedAddress[]> {
  const timeoutMs = options.lookupTimeoutMs ?? 30_000;
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const settle = (finish: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      finish();
    };
    const timer = setTimeout(
      () => settle(() => reject(new JobError('TIMEOUT', `Looking up ${hostname} took longer than ${timeoutMs} ms (links.timeoutMs).`))),
      timeoutMs,
    );
    const onAbort = () => settle(() => reject(abortReason(signal as AbortSignal)));
    signal?.addEventListener('abort', onAbort, { once: true });
    (options.resolve ?? defaultResolver)(hostname).then(
      (addresses) => settle(() => resolve(addresses)),
      (error: unknown) =>
        settle(() => reject(new JobError('LINK_UNREACHABLE', `The host ${hostname} could not be resolved (${(error as Error).message}).`, { cause: error }))),
    );
  });
}

/** What kind of rule a refused link broke, as the user is told it (src/texts linkRules). */
export type LinkRefusalKind = 'invalid' | 'scheme' | 'port' | 'address' | 'redirects';

/**
 * A LINK_REFUSED message read back as the kind of rule and what was refused (an address, a port,
 * a scheme; null when there is nothing to show), so the user is told in their own language; the
 * English message stays for the operator's log. It reads the messages `refused()` above and
 * safeFetch.ts's redirect limit write (job failures are stored as text), so it lives beside the
 * writer; anything else is null.
 */
export function linkRefusalOf(message: string): { kind: LinkRefusalKind; subject: string | null } | null {
  const redirects = /^The link was refused: more than \d+ redirects\.$/.test(message);
  if (redirects) return { kind: 'redirects', subject: null };
  // The raw text of an invalid link is quoted in the detail and may hold anything, brackets too.
  if (message.startsWith('The link was refused: not a valid URL (')) return { kind: 'invalid', subject: null };
  const m = /^The link was refused: (.*) \(([^()]*)\)\. Only public http\(s\) addresses can be downloaded\.$/s.exec(message);
  if (!m) return null;
  const [, rule = '', detail = ''] = m;
  if (rule === 'not a valid URL' || rule === 'the link has no host') return { kind: 'invalid', subject: null };
  if (rule === 'only http and https links are allowed') return { kind: 'scheme', subject: detail.replace(/^scheme /, '') || null };
  const port = /^port (\d+) is not allowed/.exec(rule);
  if (port) return { kind: 'port', subject: port[1]! };
  // Address rules: the refused address, which a link's host name may have resolved to.
  const address = /^host .+ resolves to (\S+)$/.exec(detail)?.[1] ?? /^host (\S+)$/.exec(detail)?.[1] ?? null;
  return { kind: 'address', subject: address };
}
