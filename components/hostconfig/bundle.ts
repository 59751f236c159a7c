import { createHash } from "crypto";
import type { NodeSpec, ShopSpec } from "../spec";

/** One file a host receives: where it goes, who owns it, and what to restart when it changes. */
export interface BundleFile {
  /** Absolute path on the host. */
  path: string;
  /** Octal mode such as "0644". */
  mode: string;
  /** "user:group". */
  owner: string;
  content: string;
  /** systemd units to reload/restart when this file changes. */
  restarts?: string[];
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
    h.update(`${f.path}\0${f.mode}\0${f.owner}\0${(f.restarts ?? []).join(",")}\0${f.content}\0`);
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
export const bundleRenderers: BundleRenderer[] = [hostFacts];

export function renderHostBundle(spec: ShopSpec, node: NodeSpec): HostBundle {
  const files = bundleRenderers.flatMap((render) => render(spec, node));
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new Error(`two renderers write ${f.path} on ${node.name}`);
    seen.add(f.path);
  }
  return { host: node.name, files, hash: bundleHash(files) };
}
