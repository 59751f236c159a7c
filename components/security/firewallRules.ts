import { cidrContains, parseIpv4Cidr } from "../config/net";
import type { ShopSpec } from "../config";

/** Hetzner's firewall roles: the `role` label every server carries (D4). */
export type FirewallRole = "app" | "db";
export const firewallRoles: readonly FirewallRole[] = ["app", "db"];

/** One inbound rule as data: what a Hetzner Cloud Firewall and host nftables both render from. */
export interface InboundRule {
  description: string;
  protocol: "tcp" | "udp" | "icmp";
  /** "22", "8000-8100" or "any"; absent for ICMP. */
  port?: string;
  sourceIps: string[];
}

export const SSH_PORT = 22;
export const NODE_EXPORTER_PORT = 9100;

/**
 * Rules with the same protocol and port become one rule over the union of their sources,
 * in first-seen order, so extra rules never duplicate a built-in one.
 */
export function mergeRules(rules: InboundRule[]): InboundRule[] {
  const merged = new Map<string, InboundRule>();
  for (const rule of rules) {
    const key = `${rule.protocol}/${rule.port ?? ""}`;
    const existing = merged.get(key);
    if (existing) existing.sourceIps = [...new Set([...existing.sourceIps, ...rule.sourceIps])];
    else merged.set(key, { ...rule, sourceIps: [...new Set(rule.sourceIps)] });
  }
  return [...merged.values()].filter((r) => r.sourceIps.length > 0);
}

/** Sources outside the private network: only those pass through a Cloud Firewall at all. */
function publicSources(spec: ShopSpec, cidrs: string[]): string[] {
  const range = parseIpv4Cidr(spec.network.ipRange)!;
  return cidrs.filter((c) => {
    const v4 = parseIpv4Cidr(c);
    return !v4 || !cidrContains(range, v4);
  });
}

/** A rule with the stack-file keys that declare it, so the audit can name where each source came from. */
export interface DeclaredRule extends InboundRule {
  keys: string[];
}

/**
 * The public-interface rules of a role's Hetzner Cloud Firewall (SEC-1), before merging. App nodes
 * take SSH and ICMP from the admin and deployer CIDRs only and get no public HTTP, because the LB
 * reaches them over the private network; DB nodes take SSH from those CIDRs only. Public monitoring
 * scrapers may reach node_exporter. Each `firewall.extraRules` entry opens only on the roles it
 * names (app by default); validation already rejected world-open sensitive ports without a waiver.
 */
export function declaredCloudRules(spec: ShopSpec, role: FirewallRole): DeclaredRule[] {
  const ssh = ["shop:adminCidrs", ...(spec.deployerCidrs.length ? ["shop:deployerCidrs"] : [])];
  return [
    { description: "SSH from admin and deployer CIDRs", protocol: "tcp", port: String(SSH_PORT), sourceIps: spec.sshCidrs, keys: ssh },
    ...(role === "app" ? [{ description: "ICMP from admin and deployer CIDRs", protocol: "icmp" as const, sourceIps: spec.sshCidrs, keys: ssh }] : []),
    {
      description: "node_exporter from monitoring CIDRs",
      protocol: "tcp",
      port: String(NODE_EXPORTER_PORT),
      sourceIps: publicSources(spec, spec.monitoringCidrs),
      keys: ["shop:monitoringCidrs"],
    },
    ...extraRules(spec, role),
  ];
}

export function cloudFirewallRules(spec: ShopSpec, role: FirewallRole): InboundRule[] {
  return mergeRules(declaredCloudRules(spec, role).map(({ keys: _keys, ...rule }) => rule));
}

/** The `firewall.extraRules` that name this role, as inbound rules with their keys; ICMP carries no port. */
export function extraRules(spec: ShopSpec, role: FirewallRole): DeclaredRule[] {
  return spec.firewall.extraRules.flatMap((r, i) =>
    r.roles.includes(role)
      ? [
          {
            description: r.description,
            protocol: r.protocol,
            ...(r.protocol === "icmp" ? {} : { port: r.port ?? "any" }),
            sourceIps: r.sourceIps,
            keys: [`shop:firewall.extraRules[${i}]`],
          },
        ]
      : [],
  );
}
