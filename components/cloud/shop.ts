import * as pulumi from "@pulumi/pulumi";
import { ShopAccess } from "./access";
import { AutomationKey } from "./automation";
import { ShopBackups } from "./backups";
import { convergeHosts, HostConverge } from "./converge";
import { ShopDns } from "./dns";
import { ShopFirewalls } from "./firewall";
import { ShopLoadBalancer } from "./loadBalancer";
import { ShopMonitoring } from "./monitoring";
import { ShopChecklyChecks } from "./checkly";
import { ShopNetwork } from "./network";
import { ShopNodes } from "./nodes";
import { OriginCertificate } from "./originCertificate";
import { SecretMap, ShopSecrets } from "./secrets";
import type { ShopSpec } from "../config";

export interface ShopHostingArgs {
  spec: ShopSpec;
}

export interface HostOutput {
  name: string;
  roles: string[];
  serverType: string;
  location: string;
  publicIpv4: pulumi.Output<string>;
  publicIpv6: pulumi.Output<string>;
  privateIp: string;
}

/** One customer's whole hosting: composes one component per concern. */
export class ShopHosting extends pulumi.ComponentResource {
  readonly network: ShopNetwork;
  readonly automation: AutomationKey;
  readonly nodes: ShopNodes;
  readonly certificate: OriginCertificate;
  readonly loadBalancer: ShopLoadBalancer;
  readonly dns: ShopDns;
  readonly firewalls: ShopFirewalls;
  readonly access: ShopAccess;
  readonly secrets: ShopSecrets;
  readonly backups: ShopBackups;
  readonly monitoring: ShopMonitoring;
  readonly checkly: ShopChecklyChecks;
  readonly converge: HostConverge[];
  readonly hosts: HostOutput[];
  readonly urls: string[];

  constructor(name: string, args: ShopHostingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("shop:index:ShopHosting", name, {}, opts);
    const { spec } = args;
    const child = { parent: this };

    this.network = new ShopNetwork(`${name}-network`, { spec }, child);
    this.automation = new AutomationKey(`${name}-automation`, child);
    this.nodes = new ShopNodes(`${name}-nodes`, { spec, subnet: this.network.subnet, automationPublicKey: this.automation.publicKey }, child);
    this.certificate = new OriginCertificate(`${name}-origin-cert`, { spec }, child);
    this.loadBalancer = new ShopLoadBalancer(
      `${name}-lb`,
      { spec, subnet: this.network.subnet, certificateId: this.certificate.certificateId },
      child,
    );
    this.dns = new ShopDns(`${name}-dns`, { spec, lbIpv4: this.loadBalancer.ipv4, lbIpv6: this.loadBalancer.ipv6 }, child);
    this.firewalls = new ShopFirewalls(`${name}-firewalls`, { spec }, child);
    this.access = new ShopAccess(`${name}-access`, { spec }, child);
    this.secrets = new ShopSecrets(`${name}-secrets`, { spec }, child);
    this.backups = new ShopBackups(`${name}-backups`, { spec }, child);
    this.monitoring = new ShopMonitoring(`${name}-monitoring`, { spec }, child);
    this.checkly = new ShopChecklyChecks(`${name}-checkly`, { spec }, child);
    // Per-host secrets from other concerns, by host name (backups: each host's Storage Box subaccount).
    const hostSecrets: Record<string, SecretMap> = Object.fromEntries(spec.nodes.map((n) => [n.name, this.backups.hostSecrets(n.name)]));
    this.converge = convergeHosts(
      { spec, nodes: this.nodes.nodes, privateKey: this.automation.privateKey, secrets: this.secrets.values, hostSecrets, dependsOn: [this.firewalls] },
      this,
    );

    this.hosts = this.nodes.nodes.map((n) => ({
      name: n.spec.name,
      roles: n.spec.roles,
      serverType: n.spec.serverType,
      location: n.spec.location,
      publicIpv4: n.server.ipv4Address,
      publicIpv6: n.server.ipv6Address,
      privateIp: n.spec.privateIp,
    }));
    this.urls = spec.hostnames.map((h) => `https://${h}`);
    this.registerOutputs({ hosts: this.hosts, urls: this.urls, lbIpv4: this.loadBalancer.ipv4 });
  }
}
