import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { buildSpec, newestShopware, readStackFile } from "../../components/config";
import type { Plan } from "../../scripts/lib/offlinePlan";
import { scriptCli } from "../helpers/checklist";
import { planCli, readJson, STACKS_DIR } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

function seedStacks(dir: string): void {
  fs.copyFileSync(path.join(STACKS_DIR, "Pulumi.demo.yaml"), path.join(dir, "Pulumi.demo.yaml"));
  fs.copyFileSync(path.join(STACKS_DIR, "Pulumi.alpenhaus.yaml"), path.join(dir, "Pulumi.alpenhaus.yaml"));
}

test("new-customer writes a validated, commented stack that plans offline at once", (t) => {
  const dir = tempDir(t);
  const r = scriptCli("new-customer", ["acme-shop", "--domain", "acme-shop.de", "--profile", "small", "--stacks-dir", dir]);
  assert.equal(r.status, 0, r.stderr);
  const file = path.join(dir, "Pulumi.acme-shop.yaml");
  const text = fs.readFileSync(file, "utf8");
  assert.ok(text.split("\n").filter((l) => l.trim().startsWith("#")).length >= 10, "keys are explained");
  assert.match(r.stdout, /^ {2}pulumi stack init acme-shop$/m);
  for (const key of ["media.accessKey", "media.secretKey", "monitoring.webhooks[0].url"])
    assert.ok(r.stdout.includes(`pulumi config set --secret --path 'shop:${key}'`), `no step for ${key}`);
  const spec = buildSpec(readStackFile(file, "acme-shop").raw, { stack: "acme-shop" }).spec;
  assert.equal(spec.profile, "small");
  // A new stack starts current: Debian 13 and the newest Shopware 6.7 patch of the lifecycle table.
  assert.equal(spec.image, "debian-13");
  assert.equal(spec.shopware.version, newestShopware());
  assert.match(spec.shopware.version, /^6\.7\./);
  const out = path.join(dir, "out");
  const plan = planCli(["--file", file], out);
  assert.equal(plan.status, 0, plan.stderr);
  const servers = readJson<Plan>(path.join(out, "acme-shop", "plan.json")).resources.filter((x) => x.type === "hcloud:index/server:Server");
  assert.deepEqual(servers.map((s) => s.inputs.name), ["acme-shop-app-1", "acme-shop-app-2"]);
  assert.ok(fs.existsSync(path.join(out, "acme-shop", "runbook.md")));
});

test("new-customer --from copies an agency's stack without its secrets or customer facts, and plans", (t) => {
  const dir = tempDir(t);
  seedStacks(dir);
  const r = scriptCli("new-customer", ["bergblick", "--domain", "bergblick.at", "--from", "alpenhaus", "--stacks-dir", dir]);
  assert.equal(r.status, 0, r.stderr);
  const file = path.join(dir, "Pulumi.bergblick.yaml");
  const text = fs.readFileSync(file, "utf8");
  assert.doesNotMatch(text, /secure:|alpenhaus-shop\.(de|at|ch)|198\.51\.100\.80/);
  const spec = buildSpec(readStackFile(file, "bergblick").raw, { stack: "bergblick" }).spec;
  assert.equal(spec.customer, "bergblick");
  assert.deepEqual(spec.hostnames, ["bergblick.at", "www.bergblick.at"]);
  assert.equal(spec.contacts.agency?.name, "Bergwerk Digital");
  assert.equal(spec.nodes.filter((n) => n.kind === "app").length, 4, "shape of the source kept");
  const plan = planCli(["--file", file], path.join(dir, "out"));
  assert.equal(plan.status, 0, plan.stderr);
});

test("new-customer refuses to overwrite, and rejects bad input without writing", (t) => {
  const dir = tempDir(t);
  seedStacks(dir);
  const before = fs.readFileSync(path.join(dir, "Pulumi.demo.yaml"), "utf8");
  const again = scriptCli("new-customer", ["demo", "--domain", "demo.de", "--stacks-dir", dir]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /never overwrites/);
  assert.equal(fs.readFileSync(path.join(dir, "Pulumi.demo.yaml"), "utf8"), before);
  const bad = scriptCli("new-customer", ["good-name", "--domain", "Not A Domain", "--stacks-dir", dir]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /shop:domains\[0\]\.zone/);
  assert.equal(fs.existsSync(path.join(dir, "Pulumi.good-name.yaml")), false);
});
