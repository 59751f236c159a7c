import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as path from "path";
import { readStackFile } from "../../components/config";
import type { PlannedResource } from "../../scripts/lib/mocks";
import { OfflineRun, runOfflinePlan } from "../../scripts/lib/offlinePlan";
import { STACKS_DIR } from "../helpers/stacks";

/** The demo stack's whole program (index.ts) under Pulumi's runtime mocks, once for this file. */
let run: OfflineRun;
before(async () => {
  run = await runOfflinePlan(readStackFile(path.join(STACKS_DIR, "Pulumi.demo.yaml"), "demo"));
});

const ofType = (type: string): PlannedResource[] => run.plan.resources.filter((r) => r.type === `hcloud:index/${type}` || r.type === type);
const one = (type: string): PlannedResource => {
  const found = ofType(type);
  assert.equal(found.length, 1, `expected one ${type}, found ${found.length}`);
  return found[0];
};

test("every resource belongs to a component, and components nest under ShopHosting", () => {
  for (const r of run.plan.resources) {
    if (r.type === "shop:index:ShopHosting") assert.equal(r.parent, null);
    else assert.ok(r.parent, `${r.type} ${r.name} has no parent`);
  }
  const components = run.plan.resources.filter((r) => r.type.startsWith("shop:index:") && r.type !== "shop:index:ShopHosting");
  assert.ok(components.length >= 6);
  assert.ok(components.every((c) => c.parent === "demo"));
});

test("network: one private network and one cloud subnet in the location's zone", () => {
  assert.equal(one("network:Network").inputs.ipRange, "10.10.0.0/16");
  const subnet = one("networkSubnet:NetworkSubnet");
  assert.deepEqual([subnet.inputs.type, subnet.inputs.networkZone, subnet.inputs.ipRange], ["cloud", "eu-central", "10.10.1.0/24"]);
});

test("nodes: four dedicated servers in spread groups, backups, protection, labels, stable user data", () => {
  const servers = ofType("server:Server");
  assert.deepEqual(servers.map((s) => s.inputs.name), ["demo-app-1", "demo-app-2", "demo-db-1", "demo-db-2"]);
  const groups = ofType("placementGroup:PlacementGroup");
  assert.equal(groups.length, 2);
  assert.ok(groups.every((g) => g.inputs.type === "spread"));
  for (const s of servers) {
    assert.match(String(s.inputs.serverType), /^ccx/);
    assert.equal(s.inputs.backups, true);
    assert.equal(s.inputs.deleteProtection, true);
    assert.equal(s.inputs.rebuildProtection, s.inputs.deleteProtection);
    assert.equal(s.inputs.image, "debian-13");
    const labels = s.inputs.labels as Record<string, string>;
    assert.deepEqual(Object.keys(labels).filter((k) => ["customer", "stack", "role", "managed-by"].includes(k)).sort(), ["customer", "managed-by", "role", "stack"]);
    assert.ok(s.options?.ignoreChanges?.includes("userData"), `${String(s.inputs.name)} must ignore userData changes`);
    assert.equal(s.inputs.sshKeys, undefined, "SSH keys never go through the server (D2)");
    assert.match(String(s.inputs.userData), /^#cloud-config\n/);
  }
  const groupIds = new Set(servers.map((s) => s.inputs.placementGroupId));
  assert.equal(groupIds.size, 2, "app and db nodes sit in separate spread groups");
});

test("nodes: each server attaches to the subnet at its fixed private IP", () => {
  const attachments = ofType("serverNetwork:ServerNetwork");
  assert.deepEqual(attachments.map((a) => a.inputs.ip).sort(), ["10.10.1.11", "10.10.1.12", "10.10.1.51", "10.10.1.52"]);
  assert.ok(attachments.every((a) => String(a.inputs.subnetId).endsWith("-10.10.1.0/24")));
});

test("load balancer: private label-selector target that depends on the LB network", () => {
  const lbNet = one("loadBalancerNetwork:LoadBalancerNetwork");
  assert.equal(lbNet.inputs.ip, "10.10.1.2");
  const target = one("loadBalancerTarget:LoadBalancerTarget");
  assert.equal(target.inputs.type, "label_selector");
  assert.equal(target.inputs.usePrivateIp, true);
  assert.equal(target.inputs.labelSelector, "customer=demo-moebel,stack=demo,role=app");
  assert.deepEqual(target.options?.dependsOn, [lbNet.name]);
  assert.equal((one("loadBalancer:LoadBalancer").inputs.algorithm as { type: string }).type, "least_connections");
});

test("load balancer: HTTPS with the origin certificate, redirect, explicit HTTP health check ≤ 15 s", () => {
  const svc = one("loadBalancerService:LoadBalancerService");
  assert.equal(svc.inputs.protocol, "https");
  assert.equal(svc.inputs.listenPort, 443);
  assert.equal(svc.inputs.destinationPort, 80);
  const http = svc.inputs.http as { certificates: number[]; redirectHttp: boolean };
  assert.equal(http.redirectHttp, true);
  const cert = one("uploadedCertificate:UploadedCertificate");
  assert.equal(cert.inputs.privateKey, "[secret]");
  assert.equal(typeof http.certificates[0], "number");
  const hc = svc.inputs.healthCheck as { protocol: string; interval: number; timeout: number; retries: number; http: { path: string; statusCodes: string[] } };
  assert.equal(hc.protocol, "http");
  assert.equal(hc.http.path, "/api/_info/health-check");
  assert.deepEqual(hc.http.statusCodes, ["200"]);
  assert.ok(hc.timeout <= hc.interval);
  assert.ok(hc.interval * hc.retries + hc.timeout <= 15);
});

test("certificate chain: tls key → CSR → Cloudflare Origin CA → Hetzner upload", () => {
  const originCa = one("cloudflare:index/originCaCertificate:OriginCaCertificate");
  assert.deepEqual(originCa.inputs.hostnames, ["b2b.demo-moebel.de", "demo-moebel.de", "www.demo-moebel.de"], "sorted: the API returns its own order");
  assert.match(String(originCa.inputs.csr), /BEGIN CERTIFICATE REQUEST/);
  assert.match(String(one("uploadedCertificate:UploadedCertificate").inputs.certificate), /BEGIN CERTIFICATE/);
});

test("DNS: proxied A and AAAA with ttl 1 to the LB for every hostname; strict TLS settings", () => {
  const records = ofType("cloudflare:index/dnsRecord:DnsRecord");
  assert.equal(records.length, 6);
  const lb = run.plan.outputs.loadBalancer as { ipv4: string; ipv6: string };
  for (const r of records) {
    assert.equal(r.inputs.proxied, true);
    assert.equal(r.inputs.ttl, 1);
    assert.equal(r.inputs.content, r.inputs.type === "A" ? lb.ipv4 : lb.ipv6);
  }
  const settings = Object.fromEntries(ofType("cloudflare:index/zoneSetting:ZoneSetting").map((s) => [s.inputs.settingId, s.inputs.value]));
  assert.deepEqual(settings, { ssl: "strict", always_use_https: "on", min_tls_version: "1.2" });
});

test("outputs: LB IPs, hosts with roles and IPs, URLs; computed values are realistic", () => {
  const hosts = run.plan.outputs.hosts as { name: string; roles: string[]; publicIpv4: string; privateIp: string }[];
  assert.equal(hosts.length, 4);
  for (const h of hosts) {
    assert.match(h.publicIpv4, /^203\.0\.113\.\d+$/);
    assert.match(h.privateIp, /^10\.10\.1\.\d+$/);
  }
  assert.deepEqual(run.plan.outputs.urls, ["https://demo-moebel.de", "https://www.demo-moebel.de", "https://b2b.demo-moebel.de"]);
  const lb = run.plan.outputs.loadBalancer as { ipv4: string; privateIp: string };
  assert.match(lb.ipv4, /^203\.0\.113\./);
  assert.equal(lb.privateIp, "10.10.1.2");
});
