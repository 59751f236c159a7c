import assert from "node:assert/strict";
import { test } from "node:test";
import * as fs from "fs";
import * as path from "path";
import { OFFLINE_SECRET_MARKER } from "../../components/config";
import type { Plan } from "../../scripts/lib/offlinePlan";
import { allStacks, planCli, readJson, stackSpec } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Strings that would mean a secret escaped: placeholder markers and private key material. */
const leakPatterns = [OFFLINE_SECRET_MARKER, "PRIVATE KEY", "offline-demo-ciphertext"];

for (const stack of allStacks()) {
  test(`plan --stack ${stack}: exit 0, plan.json and host files written, no secret anywhere`, (t) => {
    const out = tempDir(t);
    const r = planCli(["--stack", stack], out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Resources:/);
    assert.match(r.stdout, /Hosts:/);
    assert.match(r.stdout, /Endpoints:/);

    const dir = path.join(out, stack);
    const plan = readJson<Plan>(path.join(dir, "plan.json"));
    assert.equal(plan.stack, stack);
    assert.equal(plan.project, "shop");
    assert.ok(plan.resources.length > 20);
    for (const res of plan.resources) {
      assert.deepEqual(Object.keys(res).filter((k) => k !== "options").sort(), ["inputs", "name", "parent", "type"]);
      assert.doesNotMatch(JSON.stringify(res.inputs), /"unknown"|undefined/);
    }
    const spec = stackSpec(stack);
    const servers = plan.resources.filter((x) => x.type === "hcloud:index/server:Server");
    assert.deepEqual(servers.map((s) => s.inputs.name).sort(), spec.nodes.map((n) => n.name).sort());
    for (const node of spec.nodes) {
      const hostDir = path.join(dir, "hosts", node.name);
      assert.match(fs.readFileSync(path.join(hostDir, "user-data.yaml"), "utf8"), /^#cloud-config\n/);
      const manifest = readJson<{ hash: string; files: { path: string }[] }>(path.join(hostDir, "bundle.json"));
      assert.match(manifest.hash, /^[0-9a-f]{64}$/);
      for (const f of manifest.files) assert.ok(fs.existsSync(path.join(hostDir, "bundle", f.path)), `${node.name}: ${f.path}`);
    }

    const files = walk(dir);
    for (const f of files) {
      const content = fs.readFileSync(f, "utf8");
      for (const p of leakPatterns) assert.ok(!content.includes(p), `${path.relative(out, f)} contains ${p}`);
    }
    assert.ok(!leakPatterns.some((p) => r.stdout.includes(p) || r.stderr.includes(p)), "nothing secret in the logs either");
    assert.ok(!fs.readdirSync(out).some((n) => n.startsWith(".")), "no temp dir left behind");
  });
}

test("migration stack: DNS points at the old host until cutover, proxied, A record only", (t) => {
  const out = tempDir(t);
  assert.equal(planCli(["--stack", "alpenhaus"], out).status, 0);
  const plan = readJson<Plan>(path.join(out, "alpenhaus", "plan.json"));
  const records = plan.resources.filter((x) => x.type === "cloudflare:index/dnsRecord:DnsRecord");
  assert.equal(records.length, stackSpec("alpenhaus").hostnames.length);
  assert.ok(records.every((r) => r.inputs.type === "A" && r.inputs.content === "198.51.100.80" && r.inputs.proxied === true));
  const zones = new Set(records.map((r) => r.inputs.zoneId));
  assert.equal(zones.size, 3, "three Cloudflare zones");
});

test("a stack file given by path plans into out/<stack name>", (t) => {
  const out = tempDir(t);
  const file = path.join(out, "Pulumi.copy-of-demo.yaml");
  fs.copyFileSync(path.join(__dirname, "..", "..", "stacks", "Pulumi.demo.yaml"), file);
  const r = planCli(["--file", file], out);
  assert.equal(r.status, 0, r.stderr);
  const plan = readJson<Plan>(path.join(out, "copy-of-demo", "plan.json"));
  assert.ok(plan.resources.some((x) => x.type === "hcloud:index/server:Server" && x.inputs.name === "copy-of-demo-app-1"));
});
