import type { NodeSpec, ShopSpec } from "../config";
import { bundleHash } from "./hash";
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
import { hostFacts } from "./hostFacts";
import type { BundleRenderer, HostBundle } from "./types";

/** Concern renderers, composed per role: the one list of them, which no renderer imports back. */
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
