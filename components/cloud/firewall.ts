import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { cloudFirewallRules, FirewallRole, firewallRoles } from "../security/firewallRules";
import type { ShopSpec } from "../config";

export interface ShopFirewallsArgs {
  spec: ShopSpec;
}

/** The label selector of a role's servers: the same labels nodes.ts puts on each server (D4). */
export function roleSelector(spec: ShopSpec, role: FirewallRole): string {
  return `customer=${spec.customer},stack=${spec.stack},role=${role}`;
}

/**
 * One Hetzner Cloud Firewall per role (SEC-1). It attaches by label selector, never through
 * `Server.firewallIds`, so adding a rule or a server touches no Server input (D2).
 * Host nftables repeat these rules and are the only filter on private traffic.
 */
export class ShopFirewalls extends pulumi.ComponentResource {
  readonly firewalls: hcloud.Firewall[];

  constructor(name: string, args: ShopFirewallsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("shop:index:ShopFirewalls", name, {}, opts);
    const { spec } = args;
    // Profile small has app-labelled nodes only: no empty db firewall.
    const roles = firewallRoles.filter((role) => spec.nodes.some((n) => n.labels.role === role));
    this.firewalls = roles.map(
      (role) =>
        new hcloud.Firewall(
          `${spec.stack}-${role}-fw`,
          {
            name: `${spec.stack}-${role}`,
            labels: { ...spec.labels, role },
            rules: cloudFirewallRules(spec, role).map((r) => ({ direction: "in", ...r })),
            applyTos: [{ labelSelector: roleSelector(spec, role) }],
          },
          { parent: this },
        ),
    );
    this.registerOutputs({ firewalls: this.firewalls.map((f) => f.name) });
  }
}
