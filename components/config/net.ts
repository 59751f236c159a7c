/** Small, dependency-free IPv4/IPv6 helpers for CIDR validation and the private IP plan. */

export function parseIpv4(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

function isIpv6(ip: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(ip) || ip.split("::").length > 2) return false;
  const groups = ip.split(":").filter((g) => g !== "");
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return ip.includes("::") ? groups.length < 8 : groups.length === 8;
}

export interface Ipv4Cidr {
  base: number;
  prefix: number;
}

export function parseIpv4Cidr(cidr: string): Ipv4Cidr | undefined {
  const [ip, prefixText, ...rest] = cidr.split("/");
  if (rest.length || prefixText === undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const base = parseIpv4(ip);
  const prefix = Number(prefixText);
  if (base === undefined || prefix > 32) return undefined;
  return { base, prefix };
}

/** An IPv4 or IPv6 address with a prefix length, as Hetzner firewalls and nftables take it. */
export function isCidr(cidr: string): boolean {
  if (parseIpv4Cidr(cidr)) return true;
  const [ip, prefixText, ...rest] = cidr.split("/");
  return !rest.length && prefixText !== undefined && /^\d{1,3}$/.test(prefixText) && Number(prefixText) <= 128 && isIpv6(ip);
}

export function isIp(ip: string): boolean {
  return parseIpv4(ip) !== undefined || isIpv6(ip);
}

export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  if (inner.prefix < outer.prefix) return false;
  const mask = outer.prefix === 0 ? 0 : (~0 << (32 - outer.prefix)) >>> 0;
  return ((outer.base & mask) >>> 0) === ((inner.base & mask) >>> 0);
}

/** The n-th address of a CIDR block (0 = network address). */
export function nthAddress(cidr: Ipv4Cidr, n: number): string {
  return formatIpv4((cidr.base + n) >>> 0);
}

export function isWorldOpen(cidr: string): boolean {
  return cidr === "0.0.0.0/0" || cidr === "::/0";
}
