import assert from "node:assert/strict";
import { test } from "node:test";
import * as fs from "fs";
import * as path from "path";
import { SNAPSHOT_PLAN } from "../../components/cloud/backups";
import { HEALTH_CHECK_PATH } from "../../components/config";
import { CHECK_REGIONS } from "../../components/cloud/monitoring";
import { planCli, readJson, stackSpec } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Plan {
  resources: { type: string; name: string; inputs: Json; options?: Json }[];
}

/** The Pulumi side of OPS-1 and HW-3, read from the real offline plan (mocks run in the child). */
test("plan: protected Storage Box, one subaccount per host, Cloudflare checks and notification policy", (t) => {
  const out = tempDir(t);
  const r = planCli(["--stack", "alpenhaus"], out);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const plan = readJson<Plan>(path.join(out, "alpenhaus", "plan.json"));
  const spec = stackSpec("alpenhaus");
  const of = (type: string) => plan.resources.filter((x) => x.type === type);

  const [box, ...more] = of("hcloud:index/storageBox:StorageBox");
  assert.equal(more.length, 0);
  assert.deepEqual(box.options, { ignoreChanges: ["sshKeys"], protect: true });
  assert.equal(box.inputs.password, "[secret]");
  assert.equal(box.inputs.deleteProtection, true);
  assert.equal(box.inputs.storageBoxType, spec.backup.storageBoxType);
  assert.equal(box.inputs.location, spec.backup.location);
  assert.deepEqual(box.inputs.snapshotPlan, SNAPSHOT_PLAN, "a daily snapshot plan (no day of week)");
  assert.equal(box.inputs.sshKeys, undefined, "keys never go through the box (that would replace it)");

  const subs = of("hcloud:index/storageBoxSubaccount:StorageBoxSubaccount");
  assert.deepEqual(subs.map((s) => s.inputs.homeDirectory).sort(), spec.nodes.map((n) => n.name).sort());
  for (const s of subs) {
    assert.equal(s.inputs.password, "[secret]");
    assert.equal(s.inputs.accessSettings.sshEnabled, true);
    assert.equal(typeof s.inputs.storageBoxId, "number");
  }

  const checks = of("cloudflare:index/healthcheck:Healthcheck");
  assert.deepEqual(checks.map((c) => c.inputs.address).sort(), [...spec.hostnames].sort());
  for (const c of checks) {
    assert.equal(c.inputs.httpConfig.path, HEALTH_CHECK_PATH);
    assert.deepEqual(c.inputs.checkRegions, CHECK_REGIONS);
    assert.ok(c.inputs.checkRegions.length > 1, "multi-region");
    assert.equal(c.inputs.type, "HTTPS");
  }
  const destinations = of("cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks");
  assert.deepEqual(destinations.map((d) => d.inputs.name), spec.monitoring.webhooks.filter((w) => w.type !== "pagerduty").map((w) => `alpenhaus-${w.name}`));
  for (const d of destinations) assert.equal(d.inputs.url, "[secret]");
  const [policy] = of("cloudflare:index/notificationPolicy:NotificationPolicy");
  assert.equal(policy.inputs.alertType, "health_check_status_notification");
  assert.equal(policy.inputs.filters.healthCheckIds.length, checks.length);
  assert.equal(policy.inputs.mechanisms.webhooks.length, destinations.length);
  assert.match(policy.inputs.accountId, /^[0-9a-f]{32}$/);
});

test("plan: no Cloudflare health checks unless the stack opts in (paid plan)", (t) => {
  const out = tempDir(t);
  const r = planCli(["--stack", "demo"], out);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const plan = readJson<Plan>(path.join(out, "demo", "plan.json"));
  assert.equal(stackSpec("demo").monitoring.cloudflareHealthchecks, false);
  assert.equal(plan.resources.filter((x) => x.type.startsWith("cloudflare:index/healthcheck") || x.type.startsWith("cloudflare:index/notificationPolicy")).length, 0);
  assert.equal(plan.resources.filter((x) => x.type === "hcloud:index/storageBoxSubaccount:StorageBoxSubaccount").length, 4);
  // The bundles that went out carry no secret either.
  const hosts = path.join(out, "demo", "hosts");
  for (const host of fs.readdirSync(hosts)) {
    const env = fs.readFileSync(path.join(hosts, host, "bundle", "etc/shop/backup.env"), "utf8");
    assert.doesNotMatch(env, /PASSWORD|offline-placeholder/);
  }
});
