import * as fs from "fs";
import * as path from "path";
import type { ShopSpec } from "../../../components/config";
import type { LabNames } from "../paths";
import { run, waitFor } from "../proc";
import { spawnInCgroup } from "../spawn";
import type { LabTopology } from "../topology";
import type { LabEdge } from "./edge";
import { EdgeOrigin, setEdgeOrigin } from "./haproxy";

/**
 * Stand-ins for Cloudflare's DNS and for the public resolvers a cutover is watched through: real
 * dnsmasq on loopback addresses of this machine. One answers for the zone as Cloudflare's
 * nameservers would (a proxied record answers the edge's address, an unproxied one its own
 * content, with Cloudflare's TTLs), three cache and forward to it as public resolvers do.
 */
export const ZONE_ADDRESS = "127.0.53.10";
export const RESOLVER_ADDRESSES = ["127.0.53.1", "127.0.53.2", "127.0.53.3"];
/** Cloudflare answers proxied records with TTL 300; the stack gives unproxied ones 60 (cloud/dns.ts). */
const PROXIED_TTL = 300;
const UNPROXIED_TTL = 60;

/** A DNS record as plan.json declares it. */
export interface PlanDnsRecord {
  name: string;
  type: string;
  content: string;
  proxied: boolean;
}

/** The shop's A records in a rendered plan (plan.json): what Cloudflare would serve after `pulumi up`. */
export function planDnsRecords(planDir: string, spec: ShopSpec): PlanDnsRecord[] {
  const plan = JSON.parse(fs.readFileSync(path.join(planDir, spec.stack, "plan.json"), "utf8")) as { resources: { type: string; inputs: Record<string, unknown> }[] };
  return plan.resources
    .filter((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord" && r.inputs.type === "A" && spec.hostnames.includes(String(r.inputs.name)))
    .map((r) => ({ name: String(r.inputs.name), type: "A", content: String(r.inputs.content), proxied: r.inputs.proxied === true }));
}

/** The zone as Cloudflare's nameservers answer it, in dnsmasq's hosts-file syntax. */
export function renderZoneHosts(records: PlanDnsRecord[], edge: LabEdge): string {
  return records.map((r) => `${r.proxied ? edge.address : r.content} ${r.name}\n`).join("");
}

/** Where Cloudflare's edge sends a hostname's traffic: the LB stand-in for the LB's address, else that host on port 80 (the old host stand-in). */
export function edgeOriginOf(records: PlanDnsRecord[], spec: ShopSpec, topo: LabTopology): EdgeOrigin {
  const primary = records.find((r) => r.name === spec.primaryHost);
  if (!primary) throw new Error(`the plan has no A record for ${spec.primaryHost}`);
  return primary.content === topo.loadBalancer.publicIp ? { ip: topo.loadBalancer.publicIp, port: topo.loadBalancer.destinationPort } : { ip: primary.content, port: 80 };
}

const dnsDir = (names: LabNames) => path.join(names.runDir, "dns");
const zoneFile = (names: LabNames) => path.join(dnsDir(names), "zone.hosts");
const zonePid = (names: LabNames) => path.join(dnsDir(names), "zone.pid");

function dnsmasq(names: LabNames, label: string, address: string, args: string[]): void {
  const pid = path.join(dnsDir(names), `${label}.pid`);
  const base = ["--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces", `--listen-address=${address}`, "--port=53", "--user=root", `--pid-file=${pid}`, "--log-facility=-"];
  spawnInCgroup(`${names.cgroupName}/standin-dns-${label}`, "dnsmasq", [...base, ...args], path.join(dnsDir(names), `${label}.log`));
}

/** Starts the zone's nameserver and the resolvers on the records of the lab's first plan. */
export async function startDnsStandins(names: LabNames, spec: ShopSpec, records: PlanDnsRecord[], edge: LabEdge): Promise<void> {
  fs.mkdirSync(dnsDir(names), { recursive: true });
  fs.writeFileSync(zoneFile(names), renderZoneHosts(records, edge));
  const ttl = records.every((r) => r.proxied) ? PROXIED_TTL : UNPROXIED_TTL;
  dnsmasq(names, "zone", ZONE_ADDRESS, [`--addn-hosts=${zoneFile(names)}`, `--local-ttl=${ttl}`, ...spec.domains.map((d) => `--local=/${d.zone}/`)]);
  RESOLVER_ADDRESSES.forEach((address, i) => dnsmasq(names, `resolver-${i + 1}`, address, [`--server=${ZONE_ADDRESS}`, "--cache-size=1000"]));
  await waitFor("the DNS stand-ins", 20_000, () => [zonePid(names), ...RESOLVER_ADDRESSES.map((_, i) => path.join(dnsDir(names), `resolver-${i + 1}.pid`))].every((f) => fs.existsSync(f)));
}

/**
 * What `pulumi up` does to Cloudflare, for the lab: the edge sends traffic to the origin the
 * plan's records name, and the zone answers the plan's records (dnsmasq re-reads them on HUP).
 */
export async function applyLabDns(names: LabNames, spec: ShopSpec, topo: LabTopology, edge: LabEdge, planDir: string): Promise<EdgeOrigin> {
  const records = planDnsRecords(planDir, spec);
  const origin = edgeOriginOf(records, spec, topo);
  await setEdgeOrigin(names, origin);
  fs.writeFileSync(`${zoneFile(names)}.tmp`, renderZoneHosts(records, edge));
  fs.renameSync(`${zoneFile(names)}.tmp`, zoneFile(names));
  run("kill", ["-HUP", fs.readFileSync(zonePid(names), "utf8").trim()]);
  return origin;
}
