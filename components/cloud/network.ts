import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import type { ShopSpec } from "../config";

export interface ShopNetworkArgs {
  spec: ShopSpec;
}

/** The private network every node and the LB attach to; private traffic is IPv4 only. */
export class ShopNetwork extends pulumi.ComponentResource {
  readonly network: hcloud.Network;
  readonly subnet: hcloud.NetworkSubnet;
  /** Numeric network id, as most hcloud inputs take it. */
  readonly networkId: pulumi.Output<number>;

  constructor(name: string, args: ShopNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("shop:index:ShopNetwork", name, {}, opts);
    const { spec } = args;
    this.network = new hcloud.Network(
      `${name}-net`,
      { name: `${spec.stack}-net`, ipRange: spec.network.ipRange, labels: spec.labels, deleteProtection: spec.protection },
      { parent: this },
    );
    this.networkId = this.network.id.apply(Number);
    this.subnet = new hcloud.NetworkSubnet(
      `${name}-subnet`,
      { networkId: this.networkId, type: "cloud", networkZone: spec.networkZone, ipRange: spec.network.subnet },
      { parent: this },
    );
    this.registerOutputs({ networkId: this.networkId, subnetId: this.subnet.id });
  }
}
