import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { HEALTH_CHECK_PATH, type ShopSpec } from "../config";

export interface ShopLoadBalancerArgs {
  spec: ShopSpec;
  subnet: hcloud.NetworkSubnet;
  /** Numeric id of the uploaded origin certificate. */
  certificateId: pulumi.Input<number>;
}

/**
 * HW-2: TLS terminates here with the Cloudflare Origin CA certificate; backends speak plain
 * HTTP on the private network only. Targets are selected by label, on private IPs.
 */
export class ShopLoadBalancer extends pulumi.ComponentResource {
  readonly loadBalancer: hcloud.LoadBalancer;
  readonly attachment: hcloud.LoadBalancerNetwork;
  readonly target: hcloud.LoadBalancerTarget;
  readonly https: hcloud.LoadBalancerService;
  readonly ipv4: pulumi.Output<string>;
  readonly ipv6: pulumi.Output<string>;

  constructor(name: string, args: ShopLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("shop:index:ShopLoadBalancer", name, {}, opts);
    const { spec } = args;
    const lb = spec.loadBalancer;

    this.loadBalancer = new hcloud.LoadBalancer(
      lb.name,
      {
        name: lb.name,
        loadBalancerType: lb.type,
        location: lb.location,
        algorithm: { type: lb.algorithm },
        labels: { ...spec.labels, role: "lb" },
        deleteProtection: spec.protection,
      },
      { parent: this },
    );
    const lbId = this.loadBalancer.id.apply(Number);

    this.attachment = new hcloud.LoadBalancerNetwork(
      `${lb.name}-private`,
      { loadBalancerId: lbId, subnetId: args.subnet.id, ip: spec.network.lbPrivateIp, enablePublicInterface: true },
      { parent: this },
    );

    // Private targets fail with load_balancer_not_attached_to_network unless the LB is attached first.
    this.target = new hcloud.LoadBalancerTarget(
      `${lb.name}-app-nodes`,
      {
        loadBalancerId: lbId,
        type: "label_selector",
        labelSelector: `customer=${spec.customer},stack=${spec.stack},role=app`,
        usePrivateIp: true,
      },
      { parent: this, dependsOn: [this.attachment] },
    );

    this.https = new hcloud.LoadBalancerService(
      `${lb.name}-https`,
      {
        loadBalancerId: this.loadBalancer.id,
        protocol: "https",
        listenPort: 443,
        destinationPort: 80,
        http: { certificates: [args.certificateId], redirectHttp: true, stickySessions: false },
        // Explicit HTTP check: without one the API adds a TCP check that passes on a hung PHP.
        healthCheck: {
          protocol: "http",
          port: 80,
          interval: lb.healthCheck.interval,
          timeout: lb.healthCheck.timeout,
          retries: lb.healthCheck.retries,
          http: { domain: spec.primaryHost, path: HEALTH_CHECK_PATH, statusCodes: ["200"], tls: false },
        },
      },
      { parent: this, dependsOn: [this.target] },
    );

    this.ipv4 = this.loadBalancer.ipv4;
    this.ipv6 = this.loadBalancer.ipv6;
    this.registerOutputs({ ipv4: this.ipv4, ipv6: this.ipv6 });
  }
}
