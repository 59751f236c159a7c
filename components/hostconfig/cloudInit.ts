import { parse } from "yaml";
import { yamlDocument } from "./escape";
import { AUTOMATION_USER } from "../config";
import type { NodeSpec } from "../config";
import { SHOP_APPLY_PATH } from "./base";
import { bundleHash } from "./hash";
import { readShopFile } from "./shopFiles";
import { fail2banBackendFile } from "./fail2ban";
import { sshdHardeningFile } from "./sshd";

/** Packages every node needs before the first converge; roles add theirs. */
export function bootstrapPackages(node: NodeSpec): string[] {
  const php = node.os.php;
  const base = ["nftables", "fail2ban", "python3-systemd", "unattended-upgrades", "needrestart", "prometheus-node-exporter", "restic", "rclone", "chrony", "curl", "jq"];
  const app = ["nginx", `php${php}-fpm`, `php${php}-cli`, `php${php}-curl`, `php${php}-gd`, `php${php}-intl`, `php${php}-mbstring`, `php${php}-mysql`, `php${php}-xml`, `php${php}-zip`, `php${php}-redis`, `php${php}-opcache`, "mariadb-client", "redis-tools"];
  const db = ["mariadb-server", "mariadb-backup", "redis-server"];
  return [...base, ...(node.roles.includes("app") ? app : []), ...(node.roles.some((r) => r.startsWith("db-")) ? db : [])];
}

/** Where cloud-init leaves the first bundle; shop-apply reads it like any other. */
export const BOOTSTRAP_BUNDLE_PATH = "/var/lib/shop/bootstrap-bundle.json";
/** Hetzner accepts 32 KiB; staying at half keeps room and forces the bootstrap to stay small. */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

/**
 * Top-level keys the bootstrap may use. cloud-init 22.4 accepts unknown keys silently
 * (docs/design.md §8 "cloud-init"), so a typo would pass its schema check; this list catches it.
 */
export const ALLOWED_USER_DATA_KEYS: readonly string[] = [
  "hostname",
  "preserve_hostname",
  "package_update",
  "package_upgrade",
  "packages",
  "ssh_pwauth",
  "disable_root",
  "users",
  "write_files",
  "runcmd",
];

/** Top-level keys of a `#cloud-config` document that the allow-list does not name. */
export function disallowedUserDataKeys(userData: string): string[] {
  const doc: unknown = parse(userData);
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return ["<not a mapping>"];
  return Object.keys(doc).filter((k) => !ALLOWED_USER_DATA_KEYS.includes(k));
}

/**
 * The first bundle: only files that never change with day-2 settings (D2). The apply script
 * itself is written by write_files; this manifest carries the sshd hardening so the host is
 * locked down before the first converge, and fail2ban's backend, without which it fails on
 * Debian 12 until converge arrives.
 */
function bootstrapBundle(node: NodeSpec): string {
  const files = [sshdHardeningFile(), fail2banBackendFile()];
  return JSON.stringify({ host: node.name, hash: bundleHash(files), files }) + "\n";
}

/**
 * The stable bootstrap (D2): packages, the automation user with its Pulumi-generated key, the
 * apply script and a first bundle it applies. Nothing here depends on users, thresholds, PHP
 * settings or any other day-2 value, and it carries no secret; converge delivers the rest.
 */
export function renderUserData(node: NodeSpec, automationPublicKey: string): string {
  const config = {
    hostname: node.name,
    preserve_hostname: false,
    package_update: true,
    package_upgrade: true,
    packages: bootstrapPackages(node),
    ssh_pwauth: false,
    disable_root: true,
    users: [
      {
        name: AUTOMATION_USER,
        gecos: "Shop blueprint automation (converge)",
        shell: "/bin/bash",
        lock_passwd: true,
        sudo: "ALL=(ALL) NOPASSWD:ALL",
        ssh_authorized_keys: [automationPublicKey],
      },
    ],
    write_files: [
      { path: SHOP_APPLY_PATH, permissions: "0755", owner: "root:root", content: readShopFile("shop-apply.sh") },
      { path: BOOTSTRAP_BUNDLE_PATH, permissions: "0600", owner: "root:root", content: bootstrapBundle(node) },
    ],
    // runcmd runs after the packages are installed (jq is one of them).
    runcmd: [[SHOP_APPLY_PATH, BOOTSTRAP_BUNDLE_PATH]],
  };
  return `#cloud-config\n${yamlDocument(config)}`;
}
