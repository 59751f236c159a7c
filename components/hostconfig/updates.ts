import type { NodeSpec, ShopSpec } from "../config";
import type { BundleFile, BundleRenderer } from "./types";
import { readShopFile as file } from "./shopFiles";
import { unitListFile } from "./units";
import { commentText } from "./escape";

/**
 * unattended-upgrades for security origins only (SW-1). `#clear` drops Debian's default list
 * first, because apt merges lists across files. The reboot time is the node's own hour
 * (derive.ts: replicas before the primary, never two nodes in one hour).
 */
export function renderUnattendedUpgrades(spec: ShopSpec, node: NodeSpec): string {
  return [
    `// Managed by the shop blueprint (SW-1): security upgrades for ${commentText(node.name)}.`,
    "#clear Unattended-Upgrade::Origins-Pattern;",
    "Unattended-Upgrade::Origins-Pattern {",
    '  "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";',
    '  "origin=Debian,codename=${distro_codename},label=Debian-Security";',
    "};",
    'Unattended-Upgrade::Remove-Unused-Kernel-Packages "true";',
    'Unattended-Upgrade::Remove-Unused-Dependencies "true";',
    `Unattended-Upgrade::Automatic-Reboot "${spec.updates.automaticReboot ? "true" : "false"}";`,
    'Unattended-Upgrade::Automatic-Reboot-WithUsers "true";',
    `Unattended-Upgrade::Automatic-Reboot-Time "${node.rebootTime}";`,
    'Unattended-Upgrade::SyslogEnable "true";',
    "",
  ].join("\n");
}

const PERIODIC = [
  "// Managed by the shop blueprint (SW-1): refresh lists and run unattended-upgrades daily.",
  'APT::Periodic::Update-Package-Lists "1";',
  'APT::Periodic::Unattended-Upgrade "1";',
  'APT::Periodic::AutocleanInterval "7";',
  "",
].join("\n");

/** Every dpkg run can change the pending count, so refresh the status right after it. */
const POST_INVOKE = [
  "// Managed by the shop blueprint (SW-1): refresh the update status after dpkg runs.",
  'DPkg::Post-Invoke { "if [ -d /run/systemd/system ]; then systemctl start --no-block shop-updates-status.service || true; fi"; };',
  "",
].join("\n");

/**
 * needrestart restarts services on outdated libraries without asking (`a` = automatic), except the
 * data services: MariaDB and Redis wait for the node's staggered reboot slot.
 */
const NEEDRESTART = [
  "# Managed by the shop blueprint (SW-1): restart services automatically, except the data services",
  "# (MariaDB, Redis), which restart in the node's staggered reboot slot.",
  "$nrconf{restart} = 'a';",
  "$nrconf{override_rc}->{qr(^mariadb\\.service$)} = 0;",
  "$nrconf{override_rc}->{qr(^redis-server(@.*)?\\.service$)} = 0;",
  "",
].join("\n");

export const securityUpdates: BundleRenderer = (spec, node) => {
  const root = (p: string, content: string, extra: Partial<BundleFile> = {}): BundleFile => ({ path: p, mode: "0644", owner: "root:root", content, ...extra });
  return [
    root("/etc/apt/apt.conf.d/20shop-periodic", PERIODIC),
    root("/etc/apt/apt.conf.d/52shop-unattended-upgrades", renderUnattendedUpgrades(spec, node)),
    root("/etc/apt/apt.conf.d/99shop-updates-status", POST_INVOKE),
    root("/etc/needrestart/conf.d/50-shop.conf", NEEDRESTART),
    root("/usr/local/lib/shop/shop-updates-status", file("shop-updates-status.sh"), { mode: "0755" }),
    root("/etc/systemd/system/shop-updates-status.service", file("systemd/shop-updates-status.service")),
    root("/etc/systemd/system/shop-updates-status.timer", file("systemd/shop-updates-status.timer"), { restarts: ["shop-updates-status.timer"] }),
    // Debian installs nftables disabled: without this the host firewall would not survive a reboot.
    unitListFile("security", ["nftables.service", "fail2ban.service", "shop-updates-status.timer"]),
  ];
};
