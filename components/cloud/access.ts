import * as cloudflare from "@pulumi/cloudflare";
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { adminBlockExpression, rescueKeys } from "../security/accessRules";
import type { ShopSpec } from "../config";

export interface ShopAccessArgs {
  spec: ShopSpec;
}

/**
 * Access outside the hosts (SEC-2): Hetzner project keys for admins (rescue access) and, when
 * `access.adminAllowlist` is set, a Cloudflare WAF custom rule per zone that blocks /admin for
 * everyone else. Users on the hosts are the users hook's concern (hostconfig/users.ts).
 */
export class ShopAccess extends pulumi.ComponentResource {
  readonly sshKeys: hcloud.SshKey[];
  readonly adminRulesets: cloudflare.Ruleset[];

  constructor(name: string, args: ShopAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("shop:index:ShopAccess", name, {}, opts);
    const { spec } = args;

    this.sshKeys = rescueKeys(spec).map(
      (k) => new hcloud.SshKey(k.name, { name: k.name, publicKey: k.publicKey, labels: { ...spec.labels, user: k.user, role: "admin" } }, { parent: this }),
    );

    const expression = adminBlockExpression(spec.access.adminAllowlist);
    // A zone has one entrypoint ruleset per phase: this one owns http_request_firewall_custom.
    // A zone that has one already adopts it with `pulumi import` (npm run adopt); its name then
    // stays as it was (a new name would force a replace), and a replace, which cannot run
    // create-first (20217), deletes the old entry point first.
    this.adminRulesets = expression
      ? spec.domains.map(
          (d) =>
            new cloudflare.Ruleset(
              `${d.zone}-waf-custom`,
              {
                zoneId: d.zoneId,
                kind: "zone",
                phase: "http_request_firewall_custom",
                name: `${spec.stack}: shop access rules`,
                description: "Managed by the shop blueprint (SEC-2)",
                rules: [{ action: "block", expression, description: "Shopware /admin only from access.adminAllowlist", enabled: true }],
              },
              { parent: this, ignoreChanges: ["name"], deleteBeforeReplace: true },
            ),
        )
      : [];

    this.registerOutputs({ sshKeys: this.sshKeys.map((k) => k.name) });
  }
}
