import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type Ip = ipaddr.IPv4 | ipaddr.IPv6;

/** How a refused range is named in errors (ipaddr.js's range names, made readable). */
const LABELS: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
  reserved: 'reserved',
  uniqueLocal: 'unique-local',
  deprecatedSiteLocal: 'site-local',
  rfc6052: 'NAT64 local-use',
  rfc6145: 'IPv4-translated',
  ipv4Compatible: 'IPv4-compatible',
};

const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * An IP literal in the strict forms a URL host (after WHATWG normalization, which turns
 * `2130706433` or `0x7f.1` into `127.0.0.1`) or a DNS answer has; IPv6 with or without
 * brackets. Undefined for anything else, i.e. a host name.
 */
export function parseIp(host: string): Ip | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  // net.isIP, not ipaddr.isValid: the latter also reads `010.1` as octal, which a URL host never is.
  return isIP(bare) === 0 ? undefined : ipaddr.parse(bare);
}

/**
 * The IPv4 address an IPv6 address stands for, where a socket to it reaches that IPv4 host:
 * IPv4-mapped (`::ffff:a9fe:a9fe`), IPv4-translated, IPv4-compatible (`::7f00:1`) and the
 * well-known NAT64 prefix (`64:ff9b::/96`).
 */
export function embeddedIpv4(ip: Ip): ipaddr.IPv4 | undefined {
  if (ip.kind() === 'ipv4') return undefined;
  const v6 = ip as ipaddr.IPv6;
  const range = v6.range();
  const embeds =
    range === 'ipv4Mapped' || range === 'rfc6145' || v6.match(NAT64_WELL_KNOWN) || (range === 'unicast' && v6.match(IPV4_COMPATIBLE));
  if (!embeds) return undefined;
  const bytes = v6.toByteArray().slice(12);
  return new ipaddr.IPv4(bytes);
}

/**
 * Why an address is not a public unicast address (the only kind tekton connects to unless the
 * operator allows more): `loopback`, `private`, `link-local`, `unique-local`, `multicast`,
 * `unspecified`, `broadcast`, `carrier-grade NAT`, `reserved`…; undefined for public unicast.
 * IPv6 forms that carry an IPv4 address are judged by that address.
 */
export function refusedRange(ip: Ip): string | undefined {
  const v4 = embeddedIpv4(ip);
  if (v4) {
    const inner = refusedRange(v4);
    if (inner) return inner;
    // A public IPv4 in the deprecated compatible form: no legitimate receiver is written so.
    return (ip as ipaddr.IPv6).range() === 'unicast' && !ip.match(NAT64_WELL_KNOWN) ? LABELS.ipv4Compatible : undefined;
  }
  const range = ip.range();
  if (range === 'unicast') return undefined;
  return LABELS[range] ?? `special-purpose (${range})`;
}
