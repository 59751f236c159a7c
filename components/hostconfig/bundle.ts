import { createHash } from "crypto";
import type { NodeSpec, ShopSpec } from "../spec";
import { base } from "./base";
import { nginx } from "./nginx";
import { php } from "./php";
import { shopware } from "./shopware";
import { mariadb } from "./mariadb";
import { redis } from "./redis";
import { fail2ban } from "./fail2ban";
import { hostFirewall } from "./nftables";
import { originLockdown } from "./originLockdown";
import { sshdHardening } from "./sshd";
import { securityUpdates } from "./updates";
import { usersAndRoles } from "./users";
import { backups } from "./backup";
import { health } from "./health";

/** One file a host receives: where it goes, who owns it, and what to restart when it changes. */
export interface BundleFile {
  /** Absolute path on the host. */
  path: string;
  /** Octal mode such as "0644". */
  mode: string;
  /** "user:group". */
  owner: string;
  content: string;
  /** systemd units to restart when this file changes (or is removed); "reload:UNIT" reloads instead. */
  restarts?: string[];
  /**
   * The content holds `{{secret:NAME}}` tokens that the apply script fills from
   * /etc/shop/secrets.env on the host; the rendered bundle itself never holds a secret (D3).
   */
  template?: boolean;
}

/** D1: the one artifact per host. Rendered purely; validated by tests; delivered by cloud-init and converge. */
export interface HostBundle {
  host: string;
  files: BundleFile[];
  /** sha256 over every file's path, mode, owner and content: the converge trigger. */
  hash: string;
}

/** A renderer for one concern; it returns nothing for roles it does not serve. */
export type BundleRenderer = (spec: ShopSpec, node: NodeSpec) => BundleFile[];

export function bundleHash(files: BundleFile[]): string {
  const h = createHash("sha256");
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path)))
    h.update(`${f.path}\0${f.mode}\0${f.owner}\0${(f.restarts ?? []).join(",")}\0${f.template ? 1 : 0}\0${f.content}\0`);
  return h.digest("hex");
}

/** Host facts that scripts, monitoring and the runbook read on the host. */
export const hostFacts: BundleRenderer = (spec, node) => [
  {
    path: "/etc/shop/host.json",
    mode: "0644",
    owner: "root:root",
    content:
      JSON.stringify(
        {
          customer: spec.customer,
          stack: spec.stack,
          host: node.name,
          roles: node.roles,
          privateIp: node.privateIp,
          serverType: node.serverType,
          cores: node.facts.cores,
          memoryGb: node.facts.memoryGb,
          location: node.location,
          lbPrivateIp: spec.network.lbPrivateIp,
          appUrl: spec.appUrl,
          shopware: spec.shopware.version,
        },
        null,
        2,
      ) + "\n",
  },
];

/** Concern renderers, composed per role; each concern's module adds itself here. */
export const bundleRenderers: BundleRenderer[] = [hostFacts, sshdHardening, hostFirewall, originLockdown, usersAndRoles, fail2ban, securityUpdates, base, nginx, php, shopware, mariadb, redis, backups, health];

export function renderHostBundle(spec: ShopSpec, node: NodeSpec): HostBundle {
  const files = bundleRenderers.flatMap((render) => render(spec, node));
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new Error(`two renderers write ${f.path} on ${node.name}`);
    seen.add(f.path);
  }
  return { host: node.name, files, hash: bundleHash(files) };
}
