import { BlockList, isIP } from 'node:net';

/**
 * Addresses a server-side fetch must never reach: anything that is not the public internet.
 * A fetch on a client's behalf that could reach these would let any API caller probe our own
 * network, the cloud metadata service (169.254.169.254) or services bound to loopback (SSRF).
 */
const V4_RANGES: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 itself reaches loopback on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT: private to the provider, often to the cloud host
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, includes the metadata service
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation ranges: never routed, so refusing them costs nothing
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes broadcast 255.255.255.255
];

const V6_RANGES: ReadonlyArray<readonly [string, number]> = [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form (::127.0.0.1)
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['2001::', 32], // Teredo: tunnels to an address we cannot check
  ['64:ff9b:1::', 48], // local-use NAT64
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local, still routed inside some networks
  ['ff00::', 8], // multicast
];

/**
 * Prefixes that carry an IPv4 address inside an IPv6 one, with the bit offset of that address.
 * Each private IPv4 range is refused inside them too, so 64:ff9b::a00:1 cannot reach 10.0.0.1.
 * IPv4-mapped (::ffff:0:0/96) needs no entry: BlockList already checks it against the IPv4 rules.
 */
const V4_IN_V6: ReadonlyArray<{ prefix: number[]; offset: number }> = [
  { prefix: [0x64, 0xff9b, 0, 0, 0, 0], offset: 96 }, // NAT64 well-known prefix
  { prefix: [0x2002], offset: 16 }, // 6to4
];

function buildBlockList(): BlockList {
  const list = new BlockList();
  for (const [address, bits] of V4_RANGES) list.addSubnet(address, bits, 'ipv4');
  for (const [address, bits] of V6_RANGES) list.addSubnet(address, bits, 'ipv6');
  for (const { prefix, offset } of V4_IN_V6) {
    for (const [address, bits] of V4_RANGES) {
      list.addSubnet(embedV4(prefix, offset, address), offset + bits, 'ipv6');
    }
  }
  return list;
}

/** Writes the IPv4 address as two hex groups after the given leading groups. */
function embedV4(prefix: number[], offset: number, v4: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = v4.split('.').map(Number);
  const groups = [...prefix.slice(0, offset / 16), (a << 8) | b, (c << 8) | d];
  while (groups.length < 8) groups.push(0);
  return groups.map((g) => g.toString(16)).join(':');
}

const BLOCKED = buildBlockList();

/** True when `ip` must not be connected to; anything that is not a valid IP address is refused too. */
export function isForbiddenAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return true;
  return BLOCKED.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * True when a URL's host is an IP address that must not be connected to: what can be refused before
 * any lookup (a webhook address when subscribing). Host names are checked when they are resolved.
 */
export function hasForbiddenLiteralHost(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return true;
  }
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return isIP(bare) !== 0 && isForbiddenAddress(bare);
}
