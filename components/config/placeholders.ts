import { parseIpv4Cidr, cidrContains } from "./net";
import { SecretString, UNSET_SECRET_PREFIX } from "./secret";
import type { ShopSpec } from "./types";

/**
 * Values that validate but cannot be a real customer's: what `new-customer` writes for the agency
 * to replace, documentation addresses (RFC 5737, RFC 3849), ids and phone numbers of one repeated
 * digit, reserved example domains (RFC 2606/6761), and secrets a feature needs that the stack
 * leaves unset (offline they are stand-ins). The plan warns once per finding; the audit fails
 * the checklist rows a finding touches, so an unedited stack never passes on made-up values.
 */
export type PlaceholderKind = "documentation-address" | "repeated-digit-id" | "placeholder-phone" | "example-domain" | "unset-secret";

export interface PlaceholderFinding {
  /** The stack-file key as `pulumi config set --path` writes it, such as shop:adminCidrs[0]. */
  key: string;
  /** The value found (never a secret's value). */
  value: string;
  kind: PlaceholderKind;
  /** Checklist IDs whose rows a placeholder here makes untrue. */
  checks: string[];
}

/** Documentation-only address blocks: TEST-NET-1/2/3 and IPv6's 2001:db8::/32. */
export const DOCUMENTATION_RANGES = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"] as const;

const documentationV4 = DOCUMENTATION_RANGES.slice(0, 3).map((c) => parseIpv4Cidr(c)!);

/** True for an address or CIDR inside a documentation range. */
export function isDocumentationAddress(value: string): boolean {
  const v4 = parseIpv4Cidr(value.includes("/") ? value : `${value}/32`);
  if (v4) return documentationV4.some((range) => cidrContains(range, v4));
  const [ip, prefix] = value.split("/");
  const groups = ip.toLowerCase().split(":");
  return groups[0] === "2001" && /^0*db8$/.test(groups[1] ?? "") && (prefix === undefined || Number(prefix) >= 32);
}

/** An id of one repeated character (000…0, fff…f): what new-customer writes until the real id is known. */
export function isRepeatedDigitId(id: string): boolean {
  return id.length > 1 && /^(.)\1*$/.test(id);
}

/** A phone whose number after the country code is all zeros, such as +49 000 0000000. */
export function isPlaceholderPhone(phone: string): boolean {
  const digits = phone.replace(/[^0-9]/g, "");
  return /^\+\s*\d{1,3}[\s()/-]*0[0\s()/-]*$/.test(phone) || /^0+$/.test(digits);
}

/** Reserved for examples and tests (RFC 2606, RFC 6761): such a mailbox or host reaches nobody. */
export function isExampleDomain(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return /(^|\.)(example|test|invalid|localhost)$/.test(h) || /(^|\.)example\.(com|net|org)$/.test(h);
}

/** A secret the offline plan filled in because the stack leaves it unset (not a `secure:` value). */
export function isUnsetSecret(value: SecretString | undefined): boolean {
  return value === undefined || value.reveal().startsWith(UNSET_SECRET_PREFIX);
}

function hostOf(url: string): string {
  return /^[a-z]+:\/\/([^/:?#]+)/i.exec(url)?.[1] ?? "";
}

/** Every placeholder in a spec, in stack-file order, each naming its key. */
export function placeholderFindings(spec: ShopSpec): PlaceholderFinding[] {
  const found: PlaceholderFinding[] = [];
  const add = (key: string, value: string, kind: PlaceholderKind, checks: string[]) => found.push({ key: `shop:${key}`, value, kind, checks });
  spec.domains.forEach((d, i) => {
    if (isRepeatedDigitId(d.zoneId)) add(`domains[${i}].zoneId`, d.zoneId, "repeated-digit-id", ["OPS-4"]);
    if (isExampleDomain(d.zone)) add(`domains[${i}].zone`, d.zone, "example-domain", ["OPS-4"]);
  });
  if (spec.dns.target !== "lb" && isDocumentationAddress(spec.dns.target)) add("dns.target", spec.dns.target, "documentation-address", ["OPS-4"]);
  const cidrLists: [string, string[], string][] = [
    ["adminCidrs", spec.adminCidrs, "SEC-1"],
    ["deployerCidrs", spec.deployerCidrs, "SEC-1"],
    ["monitoringCidrs", spec.monitoringCidrs, "SEC-1"],
    ["access.adminAllowlist", spec.access.adminAllowlist, "SEC-2"],
  ];
  for (const [key, list, check] of cidrLists)
    list.forEach((c, i) => {
      if (isDocumentationAddress(c)) add(`${key}[${i}]`, c, "documentation-address", [check]);
    });
  spec.firewall.extraRules.forEach((r, i) =>
    r.sourceIps.forEach((c, j) => {
      if (isDocumentationAddress(c)) add(`firewall.extraRules[${i}].sourceIps[${j}]`, c, "documentation-address", ["SEC-1"]);
    }),
  );
  for (const role of ["owner", "onCall", "agency", "hoster"] as const) {
    const c = spec.contacts[role];
    if (!c) continue;
    if (isPlaceholderPhone(c.phone)) add(`contacts.${role}.phone`, c.phone, "placeholder-phone", ["OPS-2"]);
    if (isExampleDomain(c.email.split("@")[1] ?? "")) add(`contacts.${role}.email`, c.email, "example-domain", ["OPS-2"]);
  }
  spec.monitoring.webhooks.forEach((h, i) => {
    if (isUnsetSecret(h.url)) add(`monitoring.webhooks[${i}].url`, "unset", "unset-secret", ["HW-3", "HW-4"]);
    if (h.type === "pagerduty" && isUnsetSecret(h.routingKey)) add(`monitoring.webhooks[${i}].routingKey`, "unset", "unset-secret", ["HW-3", "HW-4"]);
  });
  if (isUnsetSecret(spec.monitoring.heartbeatUrl)) add("monitoring.heartbeatUrl", "unset", "unset-secret", ["HW-3"]);
  for (const key of ["accessKey", "secretKey"] as const)
    if (isUnsetSecret(spec.media[key])) add(`media.${key}`, "unset", "unset-secret", ["OPS-1"]);
  if (isExampleDomain(hostOf(spec.media.endpoint))) add("media.endpoint", spec.media.endpoint, "example-domain", ["OPS-1"]);
  if (spec.media.publicUrl && isExampleDomain(hostOf(spec.media.publicUrl))) add("media.publicUrl", spec.media.publicUrl, "example-domain", ["OPS-1"]);
  return found;
}

/** The one warning line per finding that the plan and the audit print. */
export function placeholderWarning(f: PlaceholderFinding): string {
  const what: Record<PlaceholderKind, string> = {
    "documentation-address": "is a documentation address (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), not a real one",
    "repeated-digit-id": "is a placeholder id (one repeated character)",
    "placeholder-phone": "is a placeholder phone number",
    "example-domain": "uses a reserved example domain that reaches nobody",
    "unset-secret": "is not set (the offline plan uses a stand-in)",
  };
  const value = f.kind === "unset-secret" ? "" : ` ${JSON.stringify(f.value)}`;
  return `${f.key}${value} ${what[f.kind]}: ${f.checks.join(", ")} fail(s) until it is replaced`;
}
