import { renderHostBundle } from "../hostconfig/bundle";
import type { ShopSpec } from "../config";
import type { CheckContext, DeclaredResource, StackRecords } from "./types";

/** Pulumi type tokens the rules look for (docs/design.md §8 "Pulumi type tokens": the same under mocks and the real engine). */
export const T = {
  server: "hcloud:index/server:Server",
  placementGroup: "hcloud:index/placementGroup:PlacementGroup",
  serverNetwork: "hcloud:index/serverNetwork:ServerNetwork",
  loadBalancer: "hcloud:index/loadBalancer:LoadBalancer",
  lbService: "hcloud:index/loadBalancerService:LoadBalancerService",
  lbTarget: "hcloud:index/loadBalancerTarget:LoadBalancerTarget",
  lbNetwork: "hcloud:index/loadBalancerNetwork:LoadBalancerNetwork",
  firewall: "hcloud:index/firewall:Firewall",
  storageBox: "hcloud:index/storageBox:StorageBox",
  storageBoxSubaccount: "hcloud:index/storageBoxSubaccount:StorageBoxSubaccount",
  dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
  zoneSetting: "cloudflare:index/zoneSetting:ZoneSetting",
  ruleset: "cloudflare:index/ruleset:Ruleset",
  healthcheck: "cloudflare:index/healthcheck:Healthcheck",
  notificationPolicy: "cloudflare:index/notificationPolicy:NotificationPolicy",
  checklyCheck: "checkly:index/check:Check",
  checklyAlertChannel: "checkly:index/alertChannel:AlertChannel",
  command: "command:remote:Command",
  copyToRemote: "command:remote:CopyToRemote",
} as const;

export function ofType(ctx: CheckContext, type: string): DeclaredResource[] {
  return ctx.resources.filter((r) => r.type === type);
}

export function labelsOf(r: DeclaredResource): Record<string, string> {
  const labels = r.inputs.labels;
  return labels && typeof labels === "object" ? (labels as Record<string, string>) : {};
}

export function str(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The server resource of a host, matched by its Hetzner name. */
export function serverOf(ctx: CheckContext, host: string): DeclaredResource | undefined {
  return ofType(ctx, T.server).find((r) => r.inputs.name === host);
}

/** Does anything in the plan reach this host by SSH (converge or file copy)? */
export function convergeOf(ctx: CheckContext, host: string, privateIp: string): DeclaredResource[] {
  return ctx.resources.filter((r) => {
    if (r.type !== T.command && r.type !== T.copyToRemote) return false;
    const conn = r.inputs.connection as Record<string, unknown> | undefined;
    // `<host>-…` names, never a prefix match: demo-app-1 must not claim demo-app-10's converge.
    return r.name.startsWith(`${host}-`) || (conn !== undefined && [host, privateIp].includes(String(conn.host)));
  });
}

/** Files of a host's bundle whose path matches. */
export function bundleFiles(ctx: CheckContext, host: string, pathPattern: RegExp) {
  return (ctx.bundles.get(host) ?? []).filter((f) => pathPattern.test(f.path));
}

/** The rule context for a plan and its spec; bundles are rendered purely, as the plan renders them. */
export function checkContext(resources: DeclaredResource[], spec: ShopSpec, today: Date, records: StackRecords = {}): CheckContext {
  return { resources, spec, bundles: new Map(spec.nodes.map((n) => [n.name, renderHostBundle(spec, n).files])), today, ...records };
}
