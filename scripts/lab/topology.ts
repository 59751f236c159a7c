import * as fs from "fs";
import * as path from "path";
import type { NodeSpec, ShopSpec } from "../../components/config";
import { cloudflareFallbackRanges } from "../../components/config/cloudflareRanges";
import { formatIpv4, nthAddress, parseIpv4, parseIpv4Cidr } from "../../components/config/net";

/** An Internet client in no allow-list (TEST-NET-1). */
const OUTSIDE_ADDRESS = "192.0.2.77";

/** What the lab reads from the offline plan's plan.json (docs/design.md §5). */
interface PlanResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
interface PlanHost {
  name: string;
  roles: string[];
  publicIpv4: string;
  privateIp: string;
}
interface Plan {
  resources: PlanResource[];
  outputs: { hosts: PlanHost[]; loadBalancer: { ipv4: string; privateIp: string } };
}

export interface LabHost {
  name: string;
  /** 0-based position in the plan: names the host's veths. */
  index: number;
  node: NodeSpec;
  publicIp: string;
  privateIp: string;
  /** The plan's rendered files for this host: user-data.yaml, bundle.json, bundle/. */
  planDir: string;
}

/** The Hetzner LB as the plan declares it: what the HAProxy stand-in is generated from. */
export interface LabLoadBalancer {
  publicIp: string;
  privateIp: string;
  algorithm: string;
  /** The Hetzner service listens on 443 with TLS; the stand-in serves plain HTTP on this port. */
  destinationPort: number;
  healthCheck: { path: string; domain: string; interval: number; timeout: number; retries: number; port: number; statusCodes: string[] };
  /** Private IPs of the servers the label selector matches (usePrivateIp). */
  targets: { name: string; ip: string }[];
}

/** Addresses on the public bridge's host side (TEST-NET, RFC 5737). */
export interface PublicSide {
  prefix: number;
  gateway: string;
  /** Not in any allow-list: an Internet client. */
  outside: string;
  /** The first IPv4 admin CIDR's address: SSH must be allowed from here. */
  admin: string;
  /** Where the lab converges from: inside deployerCidrs, as D2 requires. */
  deployer: string;
  storageBox: string;
  webhookSink: string;
  /** The previous hoster's server a cutover moves the shop away from (lab scenario 33). */
  oldHost: string;
  /**
   * Where shop traffic comes from: a Cloudflare edge address when the origin admits only
   * Cloudflare (dns.cloudflareOnly), else the outside address. Added to this machine's bridge
   * only while the lab runs, so this machine cannot reach that one real edge address meanwhile.
   */
  client: string;
}

export interface LabTopology {
  stack: string;
  planDir: string;
  hosts: LabHost[];
  loadBalancer: LabLoadBalancer;
  publicSide: PublicSide;
  privatePrefix: number;
}

function firstIpv4(cidrs: string[], what: string): string {
  const cidr = cidrs.find((c) => parseIpv4Cidr(c));
  if (!cidr) throw new Error(`the stack has no IPv4 ${what}; the lab needs one to probe from`);
  return cidr.split("/")[0];
}

function resourceOf(plan: Plan, type: string): PlanResource {
  const found = plan.resources.find((r) => r.type === type);
  if (!found) throw new Error(`plan.json has no ${type}`);
  return found;
}

function labelsMatch(selector: string, labels: Record<string, string>): boolean {
  return selector.split(",").every((term) => {
    const [k, v] = term.split("=");
    return labels[k.trim()] === v?.trim();
  });
}

/** Reads the plan the lab rendered for this stack into what the lab builds. */
export function readTopology(spec: ShopSpec, planRoot: string): LabTopology {
  const planDir = path.join(planRoot, spec.stack);
  const plan = JSON.parse(fs.readFileSync(path.join(planDir, "plan.json"), "utf8")) as Plan;
  const hosts = plan.outputs.hosts.map((h, index): LabHost => {
    const node = spec.nodes.find((n) => n.name === h.name);
    if (!node) throw new Error(`plan host ${h.name} is not in the spec`);
    return { name: h.name, index, node, publicIp: h.publicIpv4, privateIp: h.privateIp, planDir: path.join(planDir, "hosts", h.name) };
  });

  const lb = resourceOf(plan, "hcloud:index/loadBalancer:LoadBalancer").inputs as { algorithm: { type: string } };
  const service = resourceOf(plan, "hcloud:index/loadBalancerService:LoadBalancerService").inputs as {
    destinationPort: number;
    healthCheck: LabLoadBalancer["healthCheck"] & { http: { domain: string; path: string; statusCodes: string[] } };
  };
  const target = resourceOf(plan, "hcloud:index/loadBalancerTarget:LoadBalancerTarget").inputs as { labelSelector: string; usePrivateIp: boolean };
  if (!target.usePrivateIp) throw new Error("the LB target does not use private IPs; the lab's LB reaches hosts only on the private bridge");
  const servers = plan.resources.filter((r) => r.type === "hcloud:index/server:Server");
  const targets = servers
    .filter((s) => labelsMatch(target.labelSelector, s.inputs.labels as Record<string, string>))
    .map((s) => {
      const host = hosts.find((h) => h.name === s.inputs.name);
      if (!host) throw new Error(`LB target ${String(s.inputs.name)} is not a plan host`);
      return { name: host.name, ip: host.privateIp };
    });
  const hc = service.healthCheck;

  const subnet = parseIpv4Cidr(spec.network.subnet);
  if (!subnet) throw new Error(`network.subnet ${spec.network.subnet} is not an IPv4 CIDR`);
  const publicNet = (parseIpv4(hosts[0].publicIp)! & 0xffffff00) >>> 0;
  const onPublic = (n: number) => formatIpv4((publicNet + n) >>> 0);
  for (const h of hosts) {
    if (((parseIpv4(h.publicIp)! & 0xffffff00) >>> 0) !== publicNet) throw new Error(`${h.name}'s public IP ${h.publicIp} is outside ${onPublic(0)}/24`);
  }

  return {
    stack: spec.stack,
    planDir,
    hosts,
    privatePrefix: subnet.prefix,
    loadBalancer: {
      publicIp: plan.outputs.loadBalancer.ipv4,
      privateIp: plan.outputs.loadBalancer.privateIp,
      algorithm: lb.algorithm.type,
      destinationPort: service.destinationPort,
      healthCheck: { path: hc.http.path, domain: hc.http.domain, statusCodes: hc.http.statusCodes, interval: hc.interval, timeout: hc.timeout, retries: hc.retries, port: hc.port },
      targets,
    },
    publicSide: {
      prefix: 24,
      gateway: onPublic(1),
      outside: OUTSIDE_ADDRESS,
      admin: firstIpv4(spec.adminCidrs, "admin CIDR"),
      deployer: firstIpv4(spec.deployerCidrs.length ? spec.deployerCidrs : spec.adminCidrs, "deployer CIDR"),
      storageBox: onPublic(231),
      webhookSink: onPublic(232),
      oldHost: onPublic(233),
      client: spec.dns.cloudflareOnly ? nthAddress(parseIpv4Cidr(cloudflareFallbackRanges.ipv4[0])!, 10) : OUTSIDE_ADDRESS,
    },
  };
}
