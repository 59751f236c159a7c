import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { before, test } from "node:test";
import { readStackFile, stackFilePath, type ShopSpec } from "../../components/config";
import { parseRecords, parseRulesets, planAdoption, urnOf, type ExistingRecord } from "../../scripts/lib/adoption";
import type { Plan } from "../../scripts/lib/offlinePlan";
import { runOfflinePlan } from "../../scripts/lib/offlinePlan";
import { scriptCli } from "../helpers/checklist";
import { readJson, STACKS_DIR } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

/**
 * Adoption of what alpenhaus's zones already hold (it is mid-migration: every real migration
 * has records). The zone data below is what Cloudflare's API and dashboard export return.
 */

let plan: Plan;
let spec: ShopSpec;
before(async () => {
  const run = await runOfflinePlan(readStackFile(stackFilePath(STACKS_DIR, "alpenhaus"), "alpenhaus"));
  plan = run.plan;
  spec = run.spec;
});

/**
 * The URN by the SDK's own createUrn (what aliases use; it qualifies a type with every parent's,
 * as the engine does; the runtime mocks keep only the nearest parent, so they are no reference).
 */
function sdkUrn(name: string): Promise<string> {
  const r = plan.resources.find((x) => x.name === name && (x.type.startsWith("shop:") || x.type.startsWith("cloudflare:")))!;
  const urn = (parent?: string) => new Promise<string>((resolve) => pulumi.createUrn(r.name, r.type, parent, plan.project, plan.stack).apply(resolve));
  return r.parent ? sdkUrn(r.parent).then(urn) : urn();
}

const id = (n: number) => n.toString(16).padStart(32, "0");
const apiListing = (records: object[]) => JSON.stringify({ success: true, errors: [], result: records, result_info: { page: 1, total_pages: 1 } });

test("URNs are the ones Pulumi derives for the declared resources and their parents", async () => {
  const adoptable = plan.resources.filter((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord" || r.type === "cloudflare:index/ruleset:Ruleset");
  assert.ok(adoptable.length > 5);
  for (const r of adoptable) assert.equal(urnOf(plan, r), await sdkUrn(r.name));
  assert.equal(urnOf(plan, adoptable.find((r) => r.name === "alpenhaus-shop.de-A")!), "urn:pulumi:alpenhaus::shop::shop:index:ShopHosting$shop:index:ShopDns$cloudflare:index/dnsRecord:DnsRecord::alpenhaus-shop.de-A");
});

test("identical and differing records are imported; a CNAME, round robin and the other address family are named", () => {
  const existing: ExistingRecord[] = parseRecords(
    apiListing([
      { id: id(1), name: "alpenhaus-shop.de", type: "A", content: "198.51.100.80", proxied: true, ttl: 1 },
      { id: id(2), name: "www.alpenhaus-shop.de", type: "CNAME", content: "alpenhaus-shop.de" },
      { id: id(3), name: "alpenhaus-shop.de", type: "AAAA", content: "2001:db8::80" },
      { id: id(4), name: "alpenhaus-shop.de", type: "MX", content: "mx.example.net" },
      { id: id(5), name: "b2b.alpenhaus-shop.de", type: "A", content: "198.51.100.81" },
      { id: id(6), name: "b2b.alpenhaus-shop.de", type: "A", content: "198.51.100.80" },
      { id: id(7), name: "static.alpenhaus-shop.de", type: "A", content: "198.51.100.99" },
    ]),
    "de.json",
  );
  const zoneId = spec.domains[0].zoneId;
  const ruleset = parseRulesets(
    JSON.stringify({ result: [{ id: id(9), name: "default", kind: "zone", phase: "http_request_firewall_custom" }, { id: id(10), name: "managed", kind: "managed", phase: "http_request_firewall_managed" }] }),
    "rs.json",
  );
  const a = planAdoption(plan, spec, existing, new Map([["alpenhaus-shop.de", ruleset]]));
  // Provider import ids: <zone_id>/<dns_record_id>, and zones/<zone_id>/<ruleset_id>.
  assert.deepEqual(
    a.imports.map((i) => [i.resource.name, i.id]),
    [
      ["alpenhaus-shop.de-A", `${zoneId}/${id(1)}`],
      ["b2b.alpenhaus-shop.de-A", `${zoneId}/${id(6)}`],
      ["static.alpenhaus-shop.de-A", `${zoneId}/${id(7)}`],
      ["alpenhaus-shop.de-waf-custom", `zones/${zoneId}/${id(9)}`],
    ],
  );
  const manual = a.manual.join("\n");
  assert.match(manual, /www\.alpenhaus-shop\.de: a CNAME .*81053/);
  assert.match(manual, /b2b\.alpenhaus-shop\.de: a second A record \("198\.51\.100\.81"\)/);
  assert.match(manual, /alpenhaus-shop\.at: no ruleset listing/);
  assert.deepEqual(a.later, [`alpenhaus-shop.de: AAAA "2001:db8::80" collides once dns.target is lb: run npm run adopt again with that change, before its pulumi up`]);
  // The import file creates the parents (empty components) and names them, as the program does.
  assert.deepEqual(
    a.file.resources.filter((r) => r.component).map((r) => [r.type, r.name, r.parent]),
    [
      ["shop:index:ShopHosting", "alpenhaus", undefined],
      ["shop:index:ShopDns", "alpenhaus-dns", "alpenhaus"],
      ["shop:index:ShopAccess", "alpenhaus-access", "alpenhaus"],
    ],
  );
  for (const entry of a.file.resources.filter((r) => !r.component)) {
    const declared = plan.resources.find((r) => r.name === entry.name && r.type === entry.type)!;
    assert.equal(entry.parent, declared.parent);
  }
});

test("a dashboard zone-file export lists the conflicts, and says that it has no ids", () => {
  const zoneFile = [
    ";; Domain:     alpenhaus-shop.at.",
    "$ORIGIN alpenhaus-shop.at.",
    "@\t3600\tIN\tSOA\tns1.cloudflare.com. dns.cloudflare.com. 2050000000 10000 2400 604800 3600",
    "alpenhaus-shop.at.\t1\tIN\tA\t198.51.100.80 ; cf_tags=cf-proxied:true",
    "www\t1\tIN\tA\t198.51.100.80 ; cf_tags=cf-proxied:true",
    "mail\t300\tIN\tA\t198.51.100.25",
  ].join("\n");
  const records = parseRecords(zoneFile, "at.zone");
  assert.deepEqual(
    records.filter((r) => r.type === "A").map((r) => [r.name, r.content, r.id]),
    [
      ["alpenhaus-shop.at", "198.51.100.80", undefined],
      ["www.alpenhaus-shop.at", "198.51.100.80", undefined],
      ["mail.alpenhaus-shop.at", "198.51.100.25", undefined],
    ],
  );
  const a = planAdoption(plan, spec, records, new Map());
  assert.deepEqual(a.imports, []);
  assert.equal(a.manual.filter((m) => /zone-file export has no record ids/.test(m)).length, 2);
});

test("npm run adopt: prints the import command and writes the import file; bad input is one line, nothing written", (t) => {
  const dir = tempDir(t);
  const records = path.join(dir, "de.json");
  fs.writeFileSync(records, apiListing([{ id: id(1), name: "www.alpenhaus-shop.de", type: "A", content: "198.51.100.80" }]));
  const out = path.join(dir, "import.json");
  const r = scriptCli("adopt", ["--stack", "alpenhaus", "--records", records, "--out", out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ {2}urn:pulumi:alpenhaus::shop::shop:index:ShopHosting\$shop:index:ShopDns\$cloudflare:index\/dnsRecord:DnsRecord::www\.alpenhaus-shop\.de-A$/m);
  assert.match(r.stdout, new RegExp(`^  pulumi import --stack 'alpenhaus' --file '[^']*import\\.json' --protect=false --generate-code=false --yes$`, "m"));
  assert.match(r.stdout, new RegExp(`'cloudflare:index/dnsRecord:DnsRecord' 'www\\.alpenhaus-shop\\.de-A' '${spec.domains[0].zoneId}/${id(1)}' --parent 'parent=urn:pulumi:alpenhaus::shop::shop:index:ShopHosting\\$shop:index:ShopDns::alpenhaus-dns'`));
  const file = readJson<{ resources: { type: string; name: string; id?: string }[] }>(out);
  assert.deepEqual(file.resources.map((e) => e.name), ["alpenhaus", "alpenhaus-dns", "www.alpenhaus-shop.de-A"]);

  const hostile = path.join(dir, "hostile.json");
  fs.writeFileSync(hostile, apiListing([{ id: "x'; rm -rf ~; '", name: "www.alpenhaus-shop.de", type: "A", content: "198.51.100.80" }]));
  const bad = scriptCli("adopt", ["--stack", "alpenhaus", "--records", hostile, "--out", path.join(dir, "bad.json")]);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
  assert.match(bad.stderr, /hostile\.json: record 0: id found .*; allowed: 32 hex digits/);
  assert.ok(!fs.existsSync(path.join(dir, "bad.json")));
  const missing = scriptCli("adopt", ["--stack", "alpenhaus", "--records", path.join(dir, "nope.json")]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.json: no such file/);
});
