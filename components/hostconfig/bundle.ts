import type { NodeSpec, ShopSpec } from "../config";
import { bundleHash } from "./hash";
import { base } from "./base";
import { nginx } from "./nginx";
import { php } from "./php";
import { shopware } from "./shopware";
import { releaseTool } from "./release";
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
export const bundleRenderers: BundleRenderer[] = [hostFacts, sshdHardening, hostFirewall, originLockdown, usersAndRoles, fail2ban, securityUpdates, base, nginx, php, shopware, releaseTool, mariadb, redis, backups, health];

export function renderHostBundle(spec: ShopSpec, node: NodeSpec): HostBundle {
  const files = bundleRenderers.flatMap((render) => render(spec, node));
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new Error(`two renderers write ${f.path} on ${node.name}`);
    seen.add(f.path);
    // shop-apply fills every token it finds: one the renderer did not declare (from a value that
    // slipped through) would hand the host a secret the file was never meant to hold.
    const tokens = f.template ? [...f.content.matchAll(/\{\{secret:([A-Za-z0-9_]+)\}\}/g)].map((m) => m[1]) : [];
    const stray = tokens.filter((t) => !(f.secrets ?? []).includes(t));
    if (stray.length) throw new Error(`${f.path} on ${node.name} holds secret token(s) ${stray.join(", ")} that its renderer does not declare`);
  }
  const secrets = [...new Set(files.flatMap((f) => f.secrets ?? []))].sort();
  return { host: node.name, files, hash: bundleHash(files), secrets };
}

/** bundle.json with every file's content inline: the form shop-apply reads without a bundle/ tree. */
export function selfContainedBundle(bundle: HostBundle): string {
  return JSON.stringify({ host: bundle.host, hash: bundle.hash, files: bundle.files }) + "\n";
}
