/** Small, dependency-free IPv4/IPv6 helpers for CIDR validation and the private IP plan. */

/**
 * A canonical dotted quad only: four decimal octets 0–255 without leading zeros. inet_aton()
 * reads `010` as octal and `1.2.3` as three parts, so anything else could mean another host.
 */
export function parseIpv4(ip: string): number | undefined {
  const m = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/.exec(ip);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

/** An IPv6 address as a 128-bit number: eight groups, at most one `::`, an optional dotted-quad tail. */
export function parseIpv6(ip: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(ip)) return undefined;
  const halves = ip.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    const items = part.split(":");
    for (let i = 0; i < items.length; i++) {
      const g = items[i];
      if (i === items.length - 1 && g.includes(".")) {
        const v4 = parseIpv4(g);
        if (v4 === undefined) return undefined;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else return undefined;
    }
    return out;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) return undefined;
  // A dotted-quad tail is only valid at the very end.
  if (halves.length === 2 && halves[0].includes(".")) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

export interface Ipv4Cidr {
  base: number;
  prefix: number;
}

function splitCidr(cidr: string): { ip: string; prefix: number } | undefined {
  const [ip, prefixText, ...rest] = cidr.split("/");
  if (rest.length || prefixText === undefined || !/^(0|[1-9]\d{0,2})$/.test(prefixText)) return undefined;
  return { ip, prefix: Number(prefixText) };
}

export function parseIpv4Cidr(cidr: string): Ipv4Cidr | undefined {
  const parts = splitCidr(cidr);
  if (!parts) return undefined;
  const base = parseIpv4(parts.ip);
  if (base === undefined || parts.prefix > 32) return undefined;
  return { base, prefix: parts.prefix };
}

export interface Ipv6Cidr {
  base: bigint;
  prefix: number;
}

export function parseIpv6Cidr(cidr: string): Ipv6Cidr | undefined {
  const parts = splitCidr(cidr);
  if (!parts || parts.prefix > 128) return undefined;
  const base = parseIpv6(parts.ip);
  return base === undefined ? undefined : { base, prefix: parts.prefix };
}

/** An IPv4 or IPv6 address with a prefix length, as Hetzner firewalls and nftables take it. */
export function isCidr(cidr: string): boolean {
  return parseIpv4Cidr(cidr) !== undefined || parseIpv6Cidr(cidr) !== undefined;
}

function ipv4Mask(prefix: number): number {
  return prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
}

/** The address is the network's first one (no host bits set), as a network or firewall source must be. */
export function isAlignedCidr(cidr: string): boolean {
  const v4 = parseIpv4Cidr(cidr);
  if (v4) return ((v4.base & ~ipv4Mask(v4.prefix)) >>> 0) === 0;
  const v6 = parseIpv6Cidr(cidr);
  if (!v6) return false;
  const hostBits = (1n << BigInt(128 - v6.prefix)) - 1n;
  return (v6.base & hostBits) === 0n;
}

export function isIp(ip: string): boolean {
  return parseIpv4(ip) !== undefined || parseIpv6(ip) !== undefined;
}

export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  if (inner.prefix < outer.prefix) return false;
  const mask = ipv4Mask(outer.prefix);
  return ((outer.base & mask) >>> 0) === ((inner.base & mask) >>> 0);
}

/** The n-th address of a CIDR block (0 = network address). */
export function nthAddress(cidr: Ipv4Cidr, n: number): string {
  return formatIpv4((cidr.base + n) >>> 0);
}

/** World-open: the prefix covers more than a /8 of IPv4 or a /16 of IPv6 (0.0.0.0/1, 1.2.3.4/0, ::/0 …). */
export const WORLD_OPEN_IPV4_PREFIX = 8;
export const WORLD_OPEN_IPV6_PREFIX = 16;

export function isWorldOpen(cidr: string): boolean {
  const v4 = parseIpv4Cidr(cidr);
  if (v4) return v4.prefix < WORLD_OPEN_IPV4_PREFIX;
  const v6 = parseIpv6Cidr(cidr);
  return v6 !== undefined && v6.prefix < WORLD_OPEN_IPV6_PREFIX;
}

/** RFC 1918: the only ranges a Hetzner private network may use. */
const RFC1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((c) => parseIpv4Cidr(c)!);

export function isPrivateIpv4Cidr(cidr: string): boolean {
  const c = parseIpv4Cidr(cidr);
  return c !== undefined && RFC1918.some((r) => cidrContains(r, c));
}

const notPublicV4 = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4"].map((c) => parseIpv4Cidr(c)!);
const notPublicV6 = ["::/127", "::ffff:0:0/96", "fc00::/7", "fe80::/10", "ff00::/8"].map((c) => parseIpv6Cidr(c)!);

/**
 * An address a public DNS record can point at: not unspecified, loopback, private, shared
 * (CGNAT), link-local, multicast or reserved. Documentation ranges (TEST-NET, 2001:db8::/32)
 * pass, so example stacks stay valid.
 */
export function isPublicIp(ip: string): boolean {
  const v4 = parseIpv4(ip);
  if (v4 !== undefined) return !notPublicV4.some((r) => cidrContains(r, { base: v4, prefix: 32 }));
  const v6 = parseIpv6(ip);
  if (v6 === undefined) return false;
  return !notPublicV6.some((r) => {
    const mask = ((1n << BigInt(r.prefix)) - 1n) << BigInt(128 - r.prefix);
    return (v6 & mask) === (r.base & mask);
  });
}
