import { stringify } from "yaml";
import { AUTOMATION_USER } from "../automation";
import type { NodeSpec, ShopSpec } from "../spec";

/** Packages every node needs before the first converge; roles add theirs. */
export function bootstrapPackages(spec: ShopSpec, node: NodeSpec): string[] {
  const php = spec.os.php;
  const base = ["nftables", "fail2ban", "python3-systemd", "unattended-upgrades", "needrestart", "prometheus-node-exporter", "restic", "chrony", "curl", "jq"];
  const app = ["nginx", `php${php}-fpm`, `php${php}-cli`, `php${php}-curl`, `php${php}-gd`, `php${php}-intl`, `php${php}-mbstring`, `php${php}-mysql`, `php${php}-xml`, `php${php}-zip`, `php${php}-redis`, `php${php}-opcache`, "mariadb-client", "redis-tools"];
  const db = ["mariadb-server", "mariadb-backup", "redis-server"];
  return [...base, ...(node.roles.includes("app") ? app : []), ...(node.roles.some((r) => r.startsWith("db-")) ? db : [])];
}

/**
 * The stable bootstrap (D2): packages and the automation user, nothing a day-2 change touches.
 * It carries no secret; converge delivers everything else.
 */
export function renderUserData(spec: ShopSpec, node: NodeSpec, automationPublicKey: string): string {
  const config = {
    hostname: node.name,
    preserve_hostname: false,
    package_update: true,
    package_upgrade: true,
    packages: bootstrapPackages(spec, node),
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
  };
  return `#cloud-config\n${stringify(config, { lineWidth: 0 })}`;
}
