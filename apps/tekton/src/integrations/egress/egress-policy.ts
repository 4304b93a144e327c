import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { embeddedIpv4, parseIp, refusedRange, type Ip } from './address-ranges.js';

/** What the operator allows beyond public unicast addresses (`INTEGRATIONS_ALLOWED_NETWORKS`). */
export interface AllowedNetworks {
  readonly networks: readonly (readonly [Ip, number])[];
  /** Lower-case, without a trailing dot; every address such a host resolves to is allowed. */
  readonly hosts: ReadonlySet<string>;
}

export const NOTHING_ALLOWED: AllowedNetworks = { networks: [], hosts: new Set() };

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Host name to addresses; the DNS resolver in production, a stand-in in unit specs. */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

export const resolveAll: Resolve = (hostname) => lookup(hostname, { all: true });

/** A request tekton will not send because of where it would go; the message is the reason shown. */
export class EgressRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EgressRefused';
  }
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/i;
/** How long a store-time check waits for DNS; an unresolved name is checked again at delivery. */
const STORE_LOOKUP_TIMEOUT_MS = 3000;
const LOOPBACK: ResolvedAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

/**
 * Parses the comma-separated setting: CIDRs (`10.0.0.0/8`, `fd00::/8`), single addresses
 * (`192.168.1.20`) and host names (`ci.internal`). Throws naming every entry it cannot read.
 */
export function parseAllowedNetworks(value: string): AllowedNetworks {
  const networks: (readonly [Ip, number])[] = [];
  const hosts = new Set<string>();
  const bad: string[] = [];
  for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [address, prefix, ...rest] = entry.split('/');
    if (prefix !== undefined) {
      // Strict literals only (no `0x7f.1/8`): what an operator writes is what is matched.
      if (rest.length === 0 && isIP(address) !== 0 && /^\d{1,3}$/.test(prefix) && ipaddr.isValidCIDR(entry)) networks.push(ipaddr.parseCIDR(entry));
      else bad.push(entry);
      continue;
    }
    const ip = parseIp(entry);
    if (ip) networks.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
    else if (HOST_NAME.test(entry.replace(/\.$/, ''))) hosts.add(normalizeHost(entry));
    else bad.push(entry);
  }
  if (bad.length > 0) throw new Error(`not a CIDR, IP address or host name: ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  return { networks, hosts };
}

function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

function inNetwork(ip: Ip, [network, bits]: readonly [Ip, number]): boolean {
  return ip.kind() === network.kind() && ip.match(network, bits);
}

/**
 * Where integrations may send requests: public unicast addresses, plus what the operator
 * allows. Checked when a provider is stored (on the URL, resolving its host) and again on every
 * connection (on the addresses actually connected to, see egress-agent.ts).
 */
export class EgressPolicy {
  constructor(
    private readonly allowed: AllowedNetworks,
    readonly resolve: Resolve = resolveAll,
  ) {}

  /** Whether the operator allows this host name, whatever it resolves to. */
  hostAllowed(host: string): boolean {
    return this.allowed.hosts.has(normalizeHost(host));
  }

  /** The refused range of an address, or undefined when tekton may connect to it. */
  rangeRefusal(address: string | Ip): string | undefined {
    const ip = typeof address === 'string' ? parseIp(address) : address;
    if (!ip) return 'not an IP address';
    const v4 = embeddedIpv4(ip);
    if (this.allowed.networks.some((n) => inNetwork(ip, n) || (v4 !== undefined && inNetwork(v4, n)))) return undefined;
    return refusedRange(ip);
  }

  /** The reason an IP literal may not be connected to, or undefined. */
  addressRefusal(address: string): string | undefined {
    const range = this.rangeRefusal(address);
    return range && `address ${address} is not allowed (${range})`;
  }

  /**
   * The addresses of `host` tekton may connect to; refused (with the reason) when there is none.
   * A host name's resolved addresses are not named in the reason: they may be internal.
   */
  allowedAddresses<T extends ResolvedAddress>(host: string, addresses: readonly T[]): T[] {
    if (this.hostAllowed(host)) return [...addresses];
    const allowed = addresses.filter((a) => this.rangeRefusal(a.address) === undefined);
    if (allowed.length > 0) return allowed;
    const range = addresses.map((a) => this.rangeRefusal(a.address)).find((r) => r !== undefined);
    throw new EgressRefused(range ? `host ${host} resolves to a ${range} address, which is not allowed` : `host ${host} has no address`);
  }

  /** What is wrong with a URL before any lookup: scheme, credentials, a refused literal address. */
  urlShapeRefusal(address: string): string | undefined {
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      return 'must be an http(s) URL';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL';
    if (url.username || url.password) return 'must not carry a user name or password';
    const host = url.hostname;
    if (this.hostAllowed(host)) return undefined;
    return parseIp(host) ? this.addressRefusal(host.replace(/^\[|\]$/g, '')) : undefined;
  }

  /**
   * The store-time check: the URL's shape, then its host's current addresses. A name that does
   * not resolve now is accepted: every delivery checks the addresses it connects to anyway.
   */
  async urlRefusal(address: string): Promise<string | undefined> {
    const shape = this.urlShapeRefusal(address);
    if (shape) return shape;
    const host = new URL(address).hostname;
    if (parseIp(host) || this.hostAllowed(host)) return undefined;
    const name = normalizeHost(host);
    // RFC 6761: loopback whether or not this machine's resolver answers for it.
    const addresses = name === 'localhost' || name.endsWith('.localhost') ? LOOPBACK : await this.resolveBriefly(host);
    if (!addresses) return undefined;
    try {
      this.allowedAddresses(host, addresses);
      return undefined;
    } catch (error) {
      return (error as EgressRefused).message;
    }
  }

  /** The host's addresses, or undefined when DNS does not answer (soon enough). */
  private async resolveBriefly(host: string): Promise<ResolvedAddress[] | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), STORE_LOOKUP_TIMEOUT_MS)));
    return Promise.race([this.resolve(host).catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
  }
}
