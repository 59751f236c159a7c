import { parseIpv4Cidr } from "../config/net";
import { appNodes, isDbNode, isOutOfService, type NodeSpec, type ShopSpec } from "../config";
import { extraRules, InboundRule, mergeRules, NODE_EXPORTER_PORT, SSH_PORT } from "../security/firewallRules";
import type { BundleRenderer } from "./types";
import { commentText } from "./escape";
import { REDIS_CACHE_PORT, REDIS_PORT } from "./redis";

export const NFTABLES_PATH = "/etc/nftables.conf";
export const HTTP_PORT = 80;
export const MARIADB_PORT = 3306;

/** ICMP is answered for diagnostics, but never faster than this (SEC-1). */
export const ICMP_RATE = "10/second burst 20 packets";

const host = (ip: string) => `${ip}/32`;

/**
 * Everything a node accepts besides loopback, established traffic and rate-limited ICMP (SEC-1).
 * This is the only filter on private traffic: HTTP only from the LB, MariaDB and Redis only from
 * app nodes and the other database nodes (replication both ways, so a promoted replica works).
 */
export function hostInboundRules(spec: ShopSpec, node: NodeSpec): InboundRule[] {
  const rules: InboundRule[] = [
    { description: "SSH from admin and deployer CIDRs", protocol: "tcp", port: String(SSH_PORT), sourceIps: spec.sshCidrs },
    { description: "node_exporter from monitoring CIDRs", protocol: "tcp", port: String(NODE_EXPORTER_PORT), sourceIps: spec.monitoringCidrs },
  ];
  if (node.roles.includes("app"))
    rules.push({ description: "HTTP from the load balancer's private IP only", protocol: "tcp", port: String(HTTP_PORT), sourceIps: [host(spec.network.lbPrivateIp)] });
  if (isDbNode(node)) {
    // A node out of service (a fenced former primary) is closed to the app nodes: nothing writes to it by mistake.
    const apps = isOutOfService(spec, node) ? [] : appNodes(spec).map((n) => host(n.privateIp));
    const peers = spec.nodes.filter((n) => isDbNode(n) && n.name !== node.name).map((n) => host(n.privateIp));
    for (const [port, what] of [
      [MARIADB_PORT, "MariaDB"],
      [REDIS_PORT, "Redis (sessions, locks)"],
      [REDIS_CACHE_PORT, "Redis (cache)"],
    ] as const)
      rules.push({ description: `${what} from ${apps.length ? "app nodes and " : ""}the other database nodes`, protocol: "tcp", port: String(port), sourceIps: [...apps, ...peers] });
  }
  const extra = extraRules(spec, node.roles.includes("app") ? "app" : "db").map(({ keys: _keys, ...rule }) => rule);
  return mergeRules([...rules, ...extra]);
}

function nftRule(rule: InboundRule): string[] {
  const v4 = rule.sourceIps.filter((c) => parseIpv4Cidr(c));
  const v6 = rule.sourceIps.filter((c) => !parseIpv4Cidr(c));
  const match =
    rule.protocol === "icmp"
      ? "meta l4proto { icmp, ipv6-icmp }"
      : rule.port === undefined || rule.port === "any"
        ? `meta l4proto ${rule.protocol}`
        : `${rule.protocol} dport ${rule.port}`;
  const lines = [`    # ${commentText(rule.description)}`];
  if (v4.length) lines.push(`    ${match} ip saddr { ${v4.join(", ")} } accept`);
  if (v6.length) lines.push(`    ${match} ip6 saddr { ${v6.join(", ")} } accept`);
  return lines;
}

/**
 * The host's whole ruleset. It replaces only its own table (`inet shop`), so fail2ban's table
 * survives a reload; nftables.service loads it at boot (apply.d/30-security-enable enables it).
 */
export function renderNftables(spec: ShopSpec, node: NodeSpec): string {
  return [
    "#!/usr/sbin/nft -f",
    `# Managed by the shop blueprint (SEC-1): host firewall of ${commentText(node.name)} (${node.roles.join(", ")}).`,
    "table inet shop",
    "delete table inet shop",
    "",
    "table inet shop {",
    "  chain input {",
    "    type filter hook input priority filter; policy drop;",
    '    iif "lo" accept',
    "    # Echo requests are limited before conntrack: it counts repeats of one ping as established",
    `    icmp type echo-request limit rate over ${ICMP_RATE} drop`,
    `    icmpv6 type echo-request limit rate over ${ICMP_RATE} drop`,
    "    ct state established,related accept",
    "    ct state invalid drop",
    "    # IPv6 neighbour discovery only from the link itself",
    "    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } ip6 hoplimit 255 accept",
    "    # DHCP replies (public and private interfaces are configured by DHCP)",
    "    udp sport 67 udp dport 68 accept",
    "    # ICMP for diagnostics, rate-limited",
    `    icmp type { echo-request, destination-unreachable, time-exceeded, parameter-problem } limit rate ${ICMP_RATE} accept`,
    `    icmpv6 type { echo-request, destination-unreachable, packet-too-big, time-exceeded, parameter-problem } limit rate ${ICMP_RATE} accept`,
    ...hostInboundRules(spec, node).flatMap(nftRule),
    "  }",
    "  chain forward {",
    "    type filter hook forward priority filter; policy drop;",
    "  }",
    "  chain output {",
    "    type filter hook output priority filter; policy accept;",
    "  }",
    "}",
    "",
  ].join("\n");
}

export const hostFirewall: BundleRenderer = (spec, node) => [
  {
    path: NFTABLES_PATH,
    mode: "0755",
    owner: "root:root",
    content: renderNftables(spec, node),
    // nftables' stop (a restart) flushes every table, fail2ban's included: reload instead, which
    // runs `nft -f` on this file (its `delete table` replaces only inet shop, atomically); then
    // fail2ban re-adds its table and bans in case anything removed them.
    restarts: ["reload:nftables.service", "fail2ban.service"],
  },
];
