import type { NodeSpec } from "../config";
import type { BundleFile, BundleRenderer } from "./types";
import { hasDbRole } from "./sizing";
import { readShopFile } from "./shopFiles";
import { unitsHookFile } from "./units";

export const SWAP_ENV_PATH = "/etc/shop/swap.env";

/** Hetzner's own NTP servers answer from inside the data centre; Debian's pool stays as fallback. */
const NTP_SERVERS = ["ntp1.hetzner.de", "ntp2.hetzner.com", "ntp3.hetzner.net"];

/**
 * Web/DB host kernel settings: deep accept queues for bursts behind the LB, enough local ports
 * and file handles for PHP-FPM/MariaDB/Redis, and little swapping (see swap policy).
 */
function sysctl(node: NodeSpec): string {
  const lines = [
    "# Managed by the shop blueprint (host config, base.ts).",
    "net.core.somaxconn = 4096",
    "net.core.netdev_max_backlog = 16384",
    "net.ipv4.tcp_max_syn_backlog = 8192",
    "net.ipv4.ip_local_port_range = 10240 65000",
    "net.ipv4.tcp_fin_timeout = 15",
    "net.ipv4.tcp_tw_reuse = 1",
    "net.ipv4.tcp_slow_start_after_idle = 0",
    "fs.file-max = 2097152",
    // nginx, MariaDB and Redis bind the private IP, which Hetzner's network may add after they start.
    "net.ipv4.ip_nonlocal_bind = 1",
    `vm.swappiness = ${hasDbRole(node) ? 1 : 10}`,
  ];
  // Redis forks for AOF rewrites; without overcommit a busy host refuses the fork.
  if (hasDbRole(node)) lines.push("vm.overcommit_memory = 1");
  return lines.join("\n") + "\n";
}

/**
 * Swap policy: a small swap file as a safety net against the OOM killer during spikes, never
 * as working memory (swappiness 10 on app nodes, 1 on DB nodes, where paging out the buffer
 * pool would hurt more than it helps). Size: RAM/8, between 1 and 4 GiB.
 */
export function swapMb(node: NodeSpec): number {
  return Math.min(4096, Math.max(1024, Math.floor((node.facts.memoryGb * 1024) / 8)));
}

export const SHOP_APPLY_PATH = "/usr/local/sbin/shop-apply";

export const shopApplyFile = (): BundleFile => ({ path: SHOP_APPLY_PATH, mode: "0755", owner: "root:root", content: readShopFile("shop-apply.sh") });

export const base: BundleRenderer = (_spec, node) => [
  shopApplyFile(),
  {
    path: "/etc/chrony/sources.d/hetzner.sources",
    mode: "0644",
    owner: "root:root",
    content: ["# Managed by the shop blueprint: time from Hetzner's NTP servers.", ...NTP_SERVERS.map((s) => `server ${s} iburst`), ""].join("\n"),
    restarts: ["chrony.service"],
  },
  {
    path: "/etc/systemd/journald.conf.d/50-shop.conf",
    mode: "0644",
    owner: "root:root",
    content: [
      "# Managed by the shop blueprint: persistent, bounded journal.",
      "[Journal]",
      "Storage=persistent",
      "Compress=yes",
      "SystemMaxUse=1G",
      "SystemKeepFree=2G",
      "SystemMaxFileSize=128M",
      "MaxRetentionSec=1month",
      "RateLimitIntervalSec=30s",
      "RateLimitBurst=10000",
      "",
    ].join("\n"),
    restarts: ["systemd-journald.service"],
  },
  { path: "/etc/sysctl.d/60-shop.conf", mode: "0644", owner: "root:root", content: sysctl(node), restarts: ["systemd-sysctl.service"] },
  { path: SWAP_ENV_PATH, mode: "0644", owner: "root:root", content: `SWAP_FILE=/swapfile\nSWAP_MB=${swapMb(node)}\n` },
  { path: "/usr/local/lib/shop/apply.d/10-swap", mode: "0755", owner: "root:root", content: readShopFile("apply.d/10-swap") },
  unitsHookFile(),
];
