import assert from "node:assert/strict";
import { test } from "node:test";
import * as path from "path";
import { backupJobs, backups, dbDumpHost } from "../../components/hostconfig/backup";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { healthConfig } from "../../components/hostconfig/health";
import { buildSpec, ConfigError, readStackFile, SecretString, ShopSpec } from "../../components/config";
import { allStacks, STACKS_DIR, stackSpec } from "../helpers/stacks";

const TODAY = new Date("2026-11-22");

function demoRaw(): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return readStackFile(path.join(STACKS_DIR, "Pulumi.demo.yaml"), "demo").raw;
}

function content(spec: ShopSpec, host: string, file: string): string {
  const node = spec.nodes.find((n) => n.name === host)!;
  const f = renderHostBundle(spec, node).files.find((x) => x.path === file);
  assert.ok(f, `${file} on ${host}`);
  return f.content;
}

test("backup jobs: the dump on the replica, the media mirror on the scheduler node, files and check everywhere", () => {
  for (const stack of allStacks()) {
    const spec = stackSpec(stack);
    const kinds = Object.fromEntries(spec.nodes.map((n) => [n.name, backupJobs(spec, n).map((j) => j.kind)]));
    const dumpers = Object.entries(kinds).filter(([, k]) => k.includes("db")).map(([h]) => h);
    assert.deepEqual(dumpers, [dbDumpHost(spec).name], stack);
    assert.ok(spec.nodes.find((n) => n.name === dumpers[0])!.roles.includes("db-replica"), `${stack}: dump on the replica`);
    const mirrors = Object.entries(kinds).filter(([, k]) => k.includes("media")).map(([h]) => h);
    assert.deepEqual(mirrors, spec.backup.mediaMirror ? spec.nodes.filter((n) => n.scheduler).map((n) => n.name) : [], stack);
    for (const k of Object.values(kinds)) assert.ok(k.includes("files") && k.includes("check"));
  }
});

test("timers carry OnCalendar, RandomizedDelaySec and Persistent from backup.*; freshness is 1.5 × the interval", () => {
  const raw = demoRaw();
  raw.backup = { dbSchedule: "*:0/30", randomizedDelaySec: 120, retention: { hourly: 48, daily: 14, weekly: 8, monthly: 12 } };
  const spec = buildSpec(raw, { stack: "demo", today: TODAY }).spec;
  const timer = content(spec, "demo-db-2", "/etc/systemd/system/shop-backup-db.timer");
  assert.match(timer, /^OnCalendar=\*:0\/30$/m);
  assert.match(timer, /^RandomizedDelaySec=120$/m);
  assert.match(timer, /^Persistent=true$/m);
  assert.match(timer, /^Unit=shop-backup@db\.service$/m);
  assert.equal(backupJobs(spec, spec.nodes.find((n) => n.name === "demo-db-2")!).find((j) => j.kind === "db")!.maxAgeSeconds, 2700);
  const env = content(spec, "demo-db-2", "/etc/shop/backup.env");
  for (const line of ["RETENTION_HOURLY='48'", "RETENTION_DAILY='14'", "RETENTION_WEEKLY='8'", "RETENTION_MONTHLY='12'", "BACKUP_KINDS='db files check'", "SHOP_HOST='demo-db-2'"])
    assert.ok(env.split("\n").includes(line), `${line} in backup.env`);
  const health = JSON.parse(content(spec, "demo-db-2", "/etc/shop/health.json"));
  assert.deepEqual(health.backups[0], { kind: "db", maxAgeSeconds: 2700 });
});

test("a node without a kind gets that timer disabled (day-2 removal), never a stale one enabled", () => {
  const raw = demoRaw();
  raw.backup = { mediaMirror: false };
  const spec = buildSpec(raw, { stack: "demo", today: TODAY }).spec;
  for (const node of spec.nodes) {
    const list = backups(spec, node).find((f) => f.path === "/etc/shop/units/backup.list")!.content.split("\n");
    assert.ok(list.includes("disable shop-backup-media.timer"), node.name);
    assert.equal(list.includes("enable shop-backup-db.timer"), node.name === "demo-db-2", node.name);
    assert.equal(list.includes("disable shop-backup-db.timer"), node.name !== "demo-db-2", node.name);
  }
});

test("health.json: services per role, replication role, webhooks by secret name only", () => {
  const raw = demoRaw();
  const secretUrl = "https://hooks.slack.com/services/T000/B000/SUPERSECRET";
  raw.monitoring = {
    webhooks: [
      { name: "ops-slack", type: "slack", url: new SecretString(secretUrl) },
      { name: "on-call", type: "pagerduty", url: new SecretString("https://events.pagerduty.com/v2/enqueue"), routingKey: new SecretString("PDROUTINGSECRET") },
    ],
  };
  const spec = buildSpec(raw, { stack: "demo", today: TODAY }).spec;
  const byHost = Object.fromEntries(spec.nodes.map((n) => [n.name, healthConfig(spec, n)]));
  const app = byHost["demo-app-1"];
  assert.deepEqual(app.services.slice(0, 2), [{ unit: "nginx.service" }, { unit: "php8.4-fpm.service" }]);
  assert.ok(app.services.some((s) => s.unit === "shop-consumer@1.service" && s.ifPathExists === "/var/www/shop/current/bin/console"));
  assert.equal(app.replication, null);
  assert.equal(byHost["demo-db-1"].replication, "primary");
  assert.equal(byHost["demo-db-2"].replication, "replica");
  assert.ok(byHost["demo-db-2"].services.some((s) => s.unit === "mariadb.service"));
  assert.deepEqual(app.webhooks, [
    { name: "ops-slack", type: "slack", urlEnv: "WEBHOOK_OPS_SLACK_URL" },
    { name: "on-call", type: "pagerduty", urlEnv: "WEBHOOK_ON_CALL_URL", routingKeyEnv: "WEBHOOK_ON_CALL_ROUTING_KEY" },
  ]);
  assert.equal(app.cores, spec.nodes[0].facts.cores);
  for (const node of spec.nodes)
    for (const f of renderHostBundle(spec, node).files) {
      assert.ok(!f.content.includes("SUPERSECRET") && !f.content.includes("PDROUTINGSECRET"), `${node.name}:${f.path} holds a secret`);
    }
});

test("thresholds reach the hosts only through health.json (D2: no script changes)", () => {
  const raw = demoRaw();
  raw.monitoring = { ...raw.monitoring, thresholds: { load15PerCore: 1.25, alertRepeatMinutes: 30 } };
  const changed = buildSpec(raw, { stack: "demo", today: TODAY }).spec;
  const base = stackSpec("demo");
  for (const node of base.nodes) {
    const a = renderHostBundle(base, node).files;
    const b = renderHostBundle(changed, changed.nodes.find((n) => n.name === node.name)!).files;
    const differing = a.filter((f, i) => f.content !== b[i].content).map((f) => f.path);
    assert.deepEqual(differing, ["/etc/shop/health.json"], node.name);
    assert.equal(JSON.parse(b.find((f) => f.path === "/etc/shop/health.json")!.content).thresholds.load15PerCore, 1.25);
  }
});

test("production without webhooks is rejected; a waiver with a reason is accepted and recorded for the audit", () => {
  const raw = demoRaw();
  raw.monitoring = { webhooks: [] };
  assert.throws(
    () => buildSpec(raw, { stack: "demo", today: TODAY }),
    (e: unknown) => e instanceof ConfigError && /monitoring\.webhooks/.test(e.message) && /webhooksWaiver/.test(e.message),
  );
  raw.monitoring = { webhooks: [], webhooksWaiver: "short" };
  assert.throws(() => buildSpec(raw, { stack: "demo", today: TODAY }), /webhooksWaiver/);
  raw.monitoring = { webhooks: [], webhooksWaiver: "Alerts go to the agency NOC by e-mail until the Slack workspace exists" };
  const spec = buildSpec(raw, { stack: "demo", today: TODAY }).spec;
  assert.deepEqual(spec.waivers.filter((w) => w.checkId === "HW-3"), [
    { checkId: "HW-3", key: "shop:monitoring.webhooksWaiver", reason: "Alerts go to the agency NOC by e-mail until the Slack workspace exists" },
  ]);
  raw.monitoring = { webhooks: [] };
  raw.environment = "staging";
  assert.equal(buildSpec(raw, { stack: "demo", today: TODAY }).spec.production, false, "staging may run without webhooks");
});
