import type { Role } from "../config/schema";
import { phpBinary } from "../config";
import type { NodeSpec, ShopSpec } from "../config";
import type { BundleFile, BundleRenderer } from "./types";
import { readShopFile } from "./shopFiles";
import { SHOP_DIR } from "./shopware";
import { RELEASE_TOOL } from "./release";
import { AUTHORIZED_KEYS_DIR, SSH_GROUP } from "./sshd";
import { HEALTH_TOOL } from "./health";

/** Every account the users hook ever created carries this group, so offboarding finds them. */
export const MANAGED_GROUP = "shop-managed";
export const USERS_CONFIG_PATH = "/etc/shop/users.json";
/** Shopware's release layout (host-config concern): deploy users may write here, nowhere else. */

interface RolePolicy {
  /** The role's own group; its sudoers drop-in names it. */
  group: string;
  /** Extra supplementary groups. */
  groups: string[];
  /** sudoers lines for the role group; empty means no sudo at all. */
  sudo: (node: NodeSpec) => string[];
}

/**
 * Least privilege per role (SEC-2). sudo's regular expressions (sudo ≥ 1.9.10, Debian 12 has
 * 1.9.13) keep the deploy role to exact commands: a `*` wildcard would also match
 * "shop-consumer@1 ssh.service". readonly reads logs through adm/systemd-journal and needs no
 * sudo for `uname -a`, `php -v`, `top` or `df -h` (OPS-3); it may list the firewall and read the
 * host's health report (npm run status, npm run verify-hosts).
 */
export const rolePolicies: Record<Role, RolePolicy> = {
  admin: {
    group: "shop-admin",
    groups: ["adm", "systemd-journal"],
    sudo: () => ["%shop-admin ALL=(ALL:ALL) NOPASSWD: ALL"],
  },
  deploy: {
    group: "shop-deploy",
    groups: [],
    // Exactly the units this node runs: the consumers everywhere, the scheduler only where it
    // runs (D8: a second scheduler would run every task twice). bin/console runs as www-data,
    // so the cache it builds and the files it writes belong to the web server, not the deployer.
    sudo: (node) => {
      const workers = node.scheduler ? "(consumer@[A-Za-z0-9_-]+|scheduler)" : "consumer@[A-Za-z0-9_-]+";
      const release = `${SHOP_DIR.replace(/\./g, "\\.")}/(current|releases/[A-Za-z0-9_-][A-Za-z0-9._-]+)`;
      const id = "[A-Za-z0-9_-][A-Za-z0-9._-]+";
      return [
        `Cmnd_Alias SHOP_DEPLOY_CMDS = /usr/bin/systemctl ^reload php${node.os.php.replace(".", "\\.")}-fpm(\\.service)?$, \\`,
        `    /usr/bin/systemctl ^restart shop-${workers}(\\.service)?$, \\`,
        `    ${RELEASE_TOOL} ^(prepare|activate) ${id}$, \\`,
        `    ${RELEASE_TOOL} ^(rollback|drain|undrain|status)$, \\`,
        `    ${RELEASE_TOOL} ^prune [1-9][0-9]?$, \\`,
        `    ${RELEASE_TOOL} ^maintenance (on|off)$`,
        // The deployment helper (migrations, theme compile, assets) runs once per deploy, as the web server.
        `Cmnd_Alias SHOP_CONSOLE_CMDS = ${phpBinary(node)} ^${release}/bin/console( .+)?$, \\`,
        `    ${phpBinary(node)} ^${release}/vendor/bin/shopware-deployment-helper run( .+)?$`,
        "%shop-deploy ALL=(root) NOPASSWD: SHOP_DEPLOY_CMDS",
        "%shop-deploy ALL=(www-data) NOPASSWD: SHOP_CONSOLE_CMDS",
      ];
    },
  },
  readonly: {
    group: "shop-readonly",
    groups: ["adm", "systemd-journal"],
    sudo: () => [
      // shop-health --report runs the checks and prints them; it sends nothing and writes nothing.
      `Cmnd_Alias SHOP_READONLY_CMDS = /usr/sbin/nft list ruleset, /usr/bin/fail2ban-client status, /usr/bin/fail2ban-client status sshd, ${HEALTH_TOOL} --report`,
      "%shop-readonly ALL=(root) NOPASSWD: SHOP_READONLY_CMDS",
    ],
  },
};

/** The hook's input: declared users and what each role means on this host. */
export function usersConfig(spec: ShopSpec, node: NodeSpec) {
  return {
    sshGroup: SSH_GROUP,
    managedGroup: MANAGED_GROUP,
    authorizedKeysDir: AUTHORIZED_KEYS_DIR,
    releaseDir: node.roles.includes("app") ? SHOP_DIR : null,
    roles: Object.fromEntries(Object.entries(rolePolicies).map(([role, p]) => [role, { group: p.group, groups: p.groups }])),
    users: [...spec.users]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((u) => ({ name: u.name, role: u.role, expires: u.expires ?? null, sshKeys: [...new Set(u.sshKeys)] })),
  };
}

/** sudoers drop-ins: names without '.', or sudo skips them (sudoers(5), "#includedir"; docs/design.md §8). */
export function sudoersFiles(node: NodeSpec): BundleFile[] {
  return Object.entries(rolePolicies).map(([role, p]) => ({
    path: `/etc/sudoers.d/shop-${role}`,
    mode: "0440",
    owner: "root:root",
    content: [`# Managed by the shop blueprint (SEC-2): sudo rights of role ${role}.`, ...p.sudo(node), ""].join("\n"),
  }));
}

export const usersAndRoles: BundleRenderer = (spec, node) => [
  {
    path: USERS_CONFIG_PATH,
    mode: "0644",
    owner: "root:root",
    content: JSON.stringify(usersConfig(spec, node), null, 2) + "\n",
  },
  ...sudoersFiles(node),
  {
    path: "/usr/local/lib/shop/apply.d/20-users",
    mode: "0755",
    owner: "root:root",
    content: readShopFile("apply.d/20-users"),
  },
];
