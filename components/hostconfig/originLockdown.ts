import { cloudflareFallbackRanges } from "../config/cloudflareRanges";
import type { NodeSpec, ShopSpec } from "../config";
import type { BundleRenderer } from "./types";

export const ORIGIN_LOCKDOWN_PATH = "/etc/nginx/shop.d/10-origin-lockdown.conf";

/**
 * Origin lock-down (D5, SEC-2), included in the app's server block. The app's real_ip settings
 * trust X-Forwarded-For from the LB's private IP only, so `$remote_addr` here is the address that
 * reached the LB: a Cloudflare edge when proxied. The LB's own health checks carry no
 * X-Forwarded-For and keep the LB's address; loopback and the node's own address are for local
 * checks (the deploy's health probe of a drained node).
 * Bundles render from the pinned list, so a plan is reproducible offline.
 */
export function renderOriginLockdown(spec: ShopSpec, node: NodeSpec, ranges = cloudflareFallbackRanges): string {
  const head = "# Managed by the shop blueprint (D5): who may reach this origin.";
  if (!spec.dns.cloudflareOnly) return `${head}\n# dns.cloudflareOnly is off: every client the LB forwards is served.\n`;
  return [
    head,
    "# Cloudflare's edge ranges (pinned list, components/config/cloudflareRanges.ts).",
    ...[...ranges.ipv4, ...ranges.ipv6].map((r) => `allow ${r};`),
    "# The load balancer's health checks and local checks (the deploy probes the node from itself).",
    `allow ${spec.network.lbPrivateIp};`,
    `allow ${node.privateIp};`,
    "allow 127.0.0.1;",
    "allow ::1;",
    "deny all;",
    "",
  ].join("\n");
}

export const originLockdown: BundleRenderer = (spec, node) =>
  node.roles.includes("app")
    ? [{ path: ORIGIN_LOCKDOWN_PATH, mode: "0644", owner: "root:root", content: renderOriginLockdown(spec, node), restarts: ["nginx.service"] }]
    : [];
