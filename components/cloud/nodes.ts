import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { renderUserData } from "../hostconfig/cloudInit";
import type { NodeSpec, ShopSpec } from "../config";

export interface ShopNodesArgs {
  spec: ShopSpec;
  subnet: hcloud.NetworkSubnet;
  /** The automation user's public key, baked into the stable bootstrap. */
  automationPublicKey: pulumi.Input<string>;
}

export interface ShopNode {
  spec: NodeSpec;
  server: hcloud.Server;
  attachment: hcloud.ServerNetwork;
}

/**
 * Servers by role (D9), spread over placement groups of at most 10.
 * Day-2 settings never reach Server inputs: userData is a stable bootstrap (ignored after
 * creation), SSH keys go through converge, and firewalls attach by label selector (D2).
 */
export class ShopNodes extends pulumi.ComponentResource {
  readonly placementGroups: hcloud.PlacementGroup[];
  readonly nodes: ShopNode[];

  constructor(name: string, args: ShopNodesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("shop:index:ShopNodes", name, {}, opts);
    const { spec } = args;

    const groupIds = new Map<string, pulumi.Output<number>>();
    this.placementGroups = spec.placementGroups.map((g) => {
      const group = new hcloud.PlacementGroup(
        g.name,
        { name: g.name, type: "spread", labels: { ...spec.labels, role: g.name.includes("-db-") ? "db" : "app" } },
        { parent: this },
      );
      groupIds.set(g.name, group.id.apply(Number));
      return group;
    });

    this.nodes = spec.nodes.map((node) => {
      const server = new hcloud.Server(
        node.name,
        {
          name: node.name,
          serverType: node.serverType,
          image: node.image,
          location: node.location,
          placementGroupId: groupIds.get(node.placementGroup)!,
          backups: spec.serverBackups,
          deleteProtection: spec.protection,
          rebuildProtection: spec.protection,
          shutdownBeforeDeletion: true,
          labels: node.labels,
          publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
          userData: pulumi.output(args.automationPublicKey).apply((key) => renderUserData(node, key)),
        },
        // Names are unique per project, so an intended replace must delete first.
        { parent: this, ignoreChanges: ["userData"], deleteBeforeReplace: true },
      );
      const attachment = new hcloud.ServerNetwork(
        `${node.name}-private`,
        { serverId: server.id.apply(Number), subnetId: args.subnet.id, ip: node.privateIp },
        { parent: this },
      );
      return { spec: node, server, attachment };
    });

    this.registerOutputs({ servers: this.nodes.map((n) => n.server.name) });
  }
}
