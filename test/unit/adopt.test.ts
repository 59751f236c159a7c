import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { before, test } from "node:test";
import { readStackFile, stackFilePath, type ShopSpec } from "../../components/config";
import { parseRecords, parseRulesets, planAdoption, urnOf, type ExistingRecord } from "../../scripts/lib/adoption";
import type { Plan } from "../../scripts/lib/offlinePlan";
import { runOfflinePlan } from "../../scripts/lib/offlinePlan";
import { scriptCli } from "../helpers/checklist";
import { TS_NODE_ARGS } from "../../scripts/lib/cli";
import { readJson, ROOT, STACKS_DIR } from "../helpers/stacks";
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

/**
 * --online against a local stand-in for Cloudflare's API v4 (loopback, this test's own server):
 * paged record listings and the rulesets of every zone, fetched with the token as a bearer.
 */
test("npm run adopt --online: reads every zone's records (all pages) and rulesets with the token", async (t) => {
  const dir = tempDir(t);
  const seen: string[] = [];
  const [de, at] = [spec.domains[0].zoneId, spec.domains[1].zoneId];
  const server = http.createServer((req, res) => {
    seen.push(`${req.headers.authorization} ${req.url}`);
    const url = new URL(req.url ?? "/", "http://x");
    const send = (body: object, status = 200): void => void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (url.pathname === `/client/v4/zones/${de}/dns_records`) {
      const page = Number(url.searchParams.get("page"));
      const result = page === 1 ? [{ id: id(1), name: "alpenhaus-shop.de", type: "A", content: "198.51.100.80" }] : [{ id: id(2), name: "www.alpenhaus-shop.de", type: "A", content: "198.51.100.80" }];
      return send({ success: true, errors: [], result, result_info: { page, total_pages: 2 } });
    }
    if (/^\/client\/v4\/zones\/[0-9a-f]{32}\/dns_records$/.test(url.pathname)) return send({ success: true, errors: [], result: [], result_info: { page: 1, total_pages: 1 } });
    if (url.pathname === `/client/v4/zones/${at}/rulesets`) return send({ success: true, errors: [], result: [{ id: id(9), name: "default", kind: "zone", phase: "http_request_firewall_custom" }] });
    if (/^\/client\/v4\/zones\/[0-9a-f]{32}\/rulesets$/.test(url.pathname)) return send({ success: true, errors: [], result: [] });
    send({ success: false, errors: [{ code: 7003, message: "No route" }] }, 404);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
  const out = path.join(dir, "import.json");
  const r = await runAsync(["--stack", "alpenhaus", "--online", "--api", api, "--out", out], { CLOUDFLARE_API_TOKEN: "test-token-1234" });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(seen.every((s) => s.startsWith("Bearer test-token-1234 ")), "every request carries the token");
  assert.ok(seen.some((s) => s.endsWith(`/zones/${de}/dns_records?per_page=1000&page=2`)), "the second page is read");
  const file = readJson<{ resources: { name: string; id?: string }[] }>(out);
  assert.deepEqual(
    file.resources.filter((e) => e.id).map((e) => [e.name, e.id]),
    [
      ["alpenhaus-shop.de-A", `${de}/${id(1)}`],
      ["www.alpenhaus-shop.de-A", `${de}/${id(2)}`],
      ["alpenhaus-shop.at-waf-custom", `zones/${at}/${id(9)}`],
    ],
  );
  const noToken = await runAsync(["--stack", "alpenhaus", "--online", "--api", api], { CLOUDFLARE_API_TOKEN: "" });
  assert.equal(noToken.status, 1);
  assert.match(noToken.stderr, /CLOUDFLARE_API_TOKEN is not set/);
  const denied = await runAsync(["--stack", "alpenhaus", "--online", "--api", `${api}/nowhere`, "--out", path.join(dir, "x.json")], { CLOUDFLARE_API_TOKEN: "t" });
  assert.equal(denied.status, 1);
  assert.match(denied.stderr, /^error: GET \/zones\/[0-9a-f]{32}\/dns_records\?per_page=1000&page=1: HTTP 404 \(7003 "No route"\)/);
  assert.ok(!fs.existsSync(path.join(dir, "x.json")));
});

/** The CLI in a child process without blocking this one (the stand-in server must answer). */
function runAsync(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...TS_NODE_ARGS, path.join(ROOT, "scripts", "adopt.ts"), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
