import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { env } from '../../config/env';
import { AppError } from '../errors';

/**
 * Which addresses Gantry may open connections to on a tenant's behalf. A cluster's
 * server address is tenant input: without this check an admin could point Gantry at
 * its own database, a cloud metadata service (169.254.169.254) or anything else on
 * the control plane's network, and read the answers back through error messages.
 *
 * Checked three times: statically when a kubeconfig is sanitized (IP literals), when
 * a cluster is probed (the name resolved up front, for a clear report), and at every
 * connection by {@link GuardedHttpsAgent} (the addresses actually dialled, so DNS
 * answers that change after the probe — rebinding — and redirects are covered too).
 */

export type AddressCategory = 'loopback' | 'private' | 'link-local' | 'unspecified' | 'multicast' | 'reserved';

export interface AddressClass {
  category: AddressCategory;
  /** A well-known service at this address, for the error message. */
  note?: string;
}

/** True when the operator lets clusters live on loopback, private or link-local addresses. */
export function privateAddressesAllowed(): boolean {
  return env().CLUSTER_ALLOW_PRIVATE_ADDRESSES;
}

type V4Range = readonly [base: number, prefix: number, category: AddressCategory];

const v4 = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

const V4_RANGES: readonly V4Range[] = [
  [v4(0, 0, 0, 0), 8, 'unspecified'],
  [v4(10, 0, 0, 0), 8, 'private'],
  [v4(100, 64, 0, 0), 10, 'private'], // shared address space (carrier-grade NAT)
  [v4(127, 0, 0, 0), 8, 'loopback'],
  [v4(169, 254, 0, 0), 16, 'link-local'],
  [v4(172, 16, 0, 0), 12, 'private'],
  [v4(192, 0, 0, 0), 24, 'reserved'],
  [v4(192, 0, 2, 0), 24, 'reserved'],
  [v4(192, 88, 99, 0), 24, 'reserved'],
  [v4(192, 168, 0, 0), 16, 'private'],
  [v4(198, 18, 0, 0), 15, 'reserved'],
  [v4(198, 51, 100, 0), 24, 'reserved'],
  [v4(203, 0, 113, 0), 24, 'reserved'],
  [v4(224, 0, 0, 0), 4, 'multicast'],
  [v4(240, 0, 0, 0), 4, 'reserved'],
];

const METADATA_NOTE = 'cloud metadata service';

function parseV4(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

function classifyV4(n: number): AddressClass | null {
  for (const [base, prefix, category] of V4_RANGES) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if (((n & mask) >>> 0) === base) {
      return n === v4(169, 254, 169, 254) ? { category, note: METADATA_NOTE } : { category };
    }
  }
  return null;
}

/** The 16 bytes of an IPv6 address (brackets and zone ID ignored), or null when it is not one. */
function parseV6(ip: string): Uint8Array | null {
  let s = ip.replace(/^\[|\]$/g, '');
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!net.isIPv6(s)) return null;
  let tail: number[] = [];
  if (s.includes('.')) {
    // A trailing dotted IPv4 part (`::ffff:1.2.3.4`) stands for the last two groups.
    const i = s.lastIndexOf(':');
    const n = parseV4(s.slice(i + 1));
    if (n === null) return null;
    tail = [n >>> 16, n & 0xffff];
    s = s.slice(0, i + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const groups = (part: string | undefined) => (part ? part.split(':').filter((g) => g !== '').map((g) => parseInt(g, 16)) : []);
  const compressed = s.indexOf('::');
  const head = groups(compressed >= 0 ? s.slice(0, compressed) : s);
  const rest = compressed >= 0 ? groups(s.slice(compressed + 2)) : [];
  const missing = 8 - head.length - rest.length - tail.length;
  if (missing < 0 || (compressed < 0 && missing !== 0)) return null;
  const all = [...head, ...new Array<number>(missing).fill(0), ...rest, ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

const startsWith = (b: Uint8Array, prefix: number[], bits: number) => {
  for (let i = 0; i < bits; i++) {
    const byte = Math.floor(i / 8);
    const bit = 7 - (i % 8);
    if (((b[byte]! >> bit) & 1) !== (((prefix[byte] ?? 0) >> bit) & 1)) return false;
  }
  return true;
};

const embeddedV4 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

function classifyV6(b: Uint8Array): AddressClass | null {
  const zeros = (n: number) => b.slice(0, n).every((x) => x === 0);
  if (zeros(16)) return { category: 'unspecified' };
  if (zeros(15) && b[15] === 1) return { category: 'loopback' };
  // Addresses that carry an IPv4 address: judge the IPv4 address they reach.
  if (zeros(10) && b[10] === 0xff && b[11] === 0xff) return classifyV4(embeddedV4(b, 12)); // ::ffff:a.b.c.d
  if (zeros(12)) return classifyV4(embeddedV4(b, 12)) ?? { category: 'reserved' }; // ::a.b.c.d (deprecated)
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96)) return classifyV4(embeddedV4(b, 12)); // NAT64
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48)) return { category: 'private' }; // local-use NAT64
  if (startsWith(b, [0x20, 0x02], 16)) return classifyV4(embeddedV4(b, 2)); // 6to4
  if (startsWith(b, [0x01, 0x00, 0, 0, 0, 0, 0, 0], 64)) return { category: 'reserved' }; // discard
  if (startsWith(b, [0x20, 0x01, 0x0d, 0xb8], 32)) return { category: 'reserved' }; // documentation
  if (startsWith(b, [0x20, 0x01, 0x00, 0x00], 32)) return { category: 'reserved' }; // Teredo (hides an IPv4 peer)
  if (startsWith(b, [0xfc], 7)) {
    // fd00:ec2::254 is the AWS metadata service on IPv6.
    const awsMetadata = parseV6('fd00:ec2::254')!;
    return b.every((x, i) => x === awsMetadata[i]) ? { category: 'private', note: METADATA_NOTE } : { category: 'private' };
  }
  if (startsWith(b, [0xfe, 0x80], 10)) return { category: 'link-local' };
  if (startsWith(b, [0xfe, 0xc0], 10)) return { category: 'private' }; // site-local (deprecated)
  if (startsWith(b, [0xff], 8)) return { category: 'multicast' };
  return null;
}

/**
 * The class of a non-public IP address, or null for a public one. Throws for
 * something that is not an IP address. IPv6 forms that embed an IPv4 address
 * (mapped, NAT64, 6to4) are judged by the IPv4 address.
 */
export function classifyAddress(ip: string): AddressClass | null {
  const n = parseV4(ip);
  if (n !== null) return classifyV4(n);
  const b = parseV6(ip);
  if (b) return classifyV6(b);
  throw new Error(`Not an IP address: ${ip}`);
}

/** The host part of a URL's hostname as an IP address (brackets removed), or null for a name. */
export function ipLiteral(hostname: string): string | null {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return net.isIP(bare) ? bare : null;
}

function describe(c: AddressClass): string {
  const article = /^[aeiou]/.test(c.category) ? 'an' : 'a';
  return c.note ? `${article} ${c.category} address (${c.note})` : `${article} ${c.category} address`;
}

const ALLOW_HINT = 'Gantry connects only to public addresses unless the operator sets CLUSTER_ALLOW_PRIVATE_ADDRESSES=true.';

export type AddressRejectReason = 'server-address-blocked' | 'server-unresolvable';

/** The cluster's server address is refused by this policy, or does not resolve. */
export class BlockedAddressError extends AppError {
  readonly reason: AddressRejectReason;
  /** The address that was refused (null when the name did not resolve). */
  readonly address: string | null;

  constructor(reason: AddressRejectReason, message: string, address: string | null, path = 'server') {
    super('BAD_USER_INPUT', message, { fields: [{ path, message }] });
    this.reason = reason;
    this.address = address;
  }
}

/** The error for `host` (a name or an IP literal) reaching the non-public `address`. */
export function blockedAddress(host: string, address: string, c: AddressClass, path?: string): BlockedAddressError {
  const bare = host.replace(/^\[|\]$/g, '');
  const what = bare === address ? `The cluster server address ${address} is ${describe(c)}.` : `The cluster server ${bare} resolves to ${address}, ${describe(c)}.`;
  return new BlockedAddressError('server-address-blocked', `${what} ${ALLOW_HINT}`, address, path);
}

/** Throws when `ip` (an IP literal) is not public and the operator has not allowed that. */
export function assertAddressAllowed(host: string, ip: string, path?: string): void {
  if (privateAddressesAllowed()) return;
  const c = classifyAddress(ip);
  if (c) throw blockedAddress(host, ip, c, path);
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * Resolves the server URL's host and checks every address it resolves to: any
 * non-public one refuses the server (a client may pick any of them). Returns the
 * addresses. `resolve` replaces the system resolver (tests of multi-address answers).
 */
export async function assertServerAddressAllowed(server: string, resolve: Resolver = systemResolver): Promise<string[]> {
  const host = new URL(server).hostname;
  const literal = ipLiteral(host);
  if (literal) {
    assertAddressAllowed(host, literal);
    return [literal];
  }
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch (e) {
    const message = `The cluster server name ${host} does not resolve (${(e as NodeJS.ErrnoException).code ?? 'lookup failed'}).`;
    throw new BlockedAddressError('server-unresolvable', message, null);
  }
  if (addresses.length === 0) throw new BlockedAddressError('server-unresolvable', `The cluster server name ${host} does not resolve.`, null);
  for (const a of addresses) assertAddressAllowed(host, a.address);
  return addresses.map((a) => a.address);
}

/** The `code` of socket errors raised by {@link GuardedHttpsAgent} for a refused address. */
export const BLOCKED_CONNECTION_CODE = 'EGANTRYBLOCKED';

type LookupCallback = Parameters<net.LookupFunction>[2];

/**
 * An HTTPS agent that dials only addresses this policy allows: names are resolved
 * through a checking `lookup`, IP literals (which skip `lookup`, e.g. after a redirect)
 * are checked before the socket opens. Certificates are always verified.
 */
export class GuardedHttpsAgent extends https.Agent {
  /** The last refusal, so a caller can surface the policy's own message rather than a socket error. */
  lastBlocked: BlockedAddressError | null = null;
  private readonly allowPrivate: boolean;

  constructor(options: https.AgentOptions) {
    super({ ...options, rejectUnauthorized: true });
    this.allowPrivate = privateAddressesAllowed();
    // Set after super() (it needs `this`): the base class merges `options` into every connection's options.
    const lookup: net.LookupFunction = (hostname, opts, callback) => this.lookup(hostname, opts, callback);
    this.options.lookup = lookup;
  }

  private refuse(host: string, address: string, c: AddressClass): NodeJS.ErrnoException {
    this.lastBlocked = blockedAddress(host, address, c);
    const err: NodeJS.ErrnoException = new Error(this.lastBlocked.message);
    err.code = BLOCKED_CONNECTION_CODE;
    return err;
  }

  private lookup(hostname: string, opts: LookupOptions, callback: LookupCallback): void {
    dns.lookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      if (!this.allowPrivate) {
        for (const a of addresses) {
          const c = classifyAddress(a.address);
          if (c) return callback(this.refuse(hostname, a.address, c), []);
        }
      }
      if (opts.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} did not resolve`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const host = String(options.host ?? options.hostname ?? '');
    const literal = ipLiteral(host);
    if (literal && !this.allowPrivate) {
      const c = classifyAddress(literal);
      if (c) {
        const err = this.refuse(host, literal, c);
        if (!callback) throw err;
        process.nextTick(() => callback(err, undefined as unknown as Duplex));
        return undefined;
      }
    }
    return super.createConnection(options, callback);
  }
}
