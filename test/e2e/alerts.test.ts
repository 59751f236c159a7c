import assert from "node:assert/strict";
import { test } from "node:test";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { renderSecretsEnv } from "../../components/hostconfig/secretsEnv";
import { SecretString, ShopSpec } from "../../components/config";
import { stackSpec } from "../helpers/stacks";
import { requireTool, runAsync, tempDir } from "../helpers/tools";
import { SinkRequest, startWebhookSink } from "../helpers/webhookSink";

/**
 * HW-3/4/5, SW-1, OPS-1 alerting end to end: the rendered shop-health runs against a local
 * webhook sink with one webhook of each format. Thresholds forced low → exactly one firing
 * alert per item and webhook; normal thresholds → exactly one resolved each. Disk, inode and
 * memory figures are the machine's real ones; load, services, updates and backup stamps come
 * from files the test controls (env overrides), so every item has a known state.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HOOKS = [
  { name: "ops-slack", type: "slack" as const },
  { name: "ops-teams", type: "teams" as const },
  { name: "ops-pager", type: "pagerduty" as const },
  { name: "ops-json", type: "generic" as const },
];
const ROUTING_KEY = "R0UTINGKEY0123456789abcdef012345";

function withMonitoring(spec: ShopSpec, thresholds: Partial<ShopSpec["monitoring"]["thresholds"]>): ShopSpec {
  return {
    ...spec,
    monitoring: {
      ...spec.monitoring,
      webhooks: HOOKS.map((h) => ({ ...h, url: new SecretString("unused"), ...(h.type === "pagerduty" ? { routingKey: new SecretString("unused") } : {}) })),
      thresholds: { ...spec.monitoring.thresholds, ...thresholds },
    },
  };
}

const LOW = { load1PerCore: 0.01, load5PerCore: 0.01, load15PerCore: 0.01, diskWarnPercent: 1, diskCritPercent: 2, inodePercent: 1, memoryPercent: 1, certExpiryDays: 90 };

/** The item a request is about, whatever the format. */
function itemOf(q: SinkRequest): string {
  const body = q.json as Json;
  if (q.path === "/slack") return /`([^`]+)`/.exec(body.blocks[0].text.text)![1];
  if (q.path === "/teams") return body.attachments[0].content.body[1].facts.find((f: Json) => f.title === "Item").value;
  if (q.path === "/pagerduty") return String(body.dedup_key).split("/").slice(2).join("/");
  return body.item;
}

function isResolved(q: SinkRequest): boolean {
  const body = q.json as Json;
  if (q.path === "/slack") return String(body.text).startsWith("[RESOLVED]");
  if (q.path === "/teams") return String(body.attachments[0].content.body[0].text).startsWith("[RESOLVED]");
  if (q.path === "/pagerduty") return body.event_action === "resolve";
  return body.status === "resolved";
}

/** format → item → count */
function tally(requests: SinkRequest[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const q of requests) {
    out[q.path] ??= {};
    out[q.path][itemOf(q)] = (out[q.path][itemOf(q)] ?? 0) + 1;
  }
  return out;
}

test("shop-health: one firing and one resolved alert per item and webhook format", { timeout: 300_000 }, async (t) => {
  for (const tool of ["/usr/bin/python3", "openssl", "promtool"]) if (!requireTool(t, tool)) return;
  const dir = tempDir(t, "shop-health-");
  const base = stackSpec("demo");
  const node = base.nodes.find((n) => n.roles.includes("app") && n.scheduler)!;
  const sink = await startWebhookSink(t);
  const beats = await startWebhookSink(t); // monitoring.heartbeatUrl: /start, then success or /fail, per run
  let runs = 0;

  const etc = path.join(dir, "etc");
  const stateDir = path.join(dir, "state");
  const backupState = path.join(dir, "backup-state");
  const textfileDir = path.join(dir, "textfile");
  const servicesDown = path.join(dir, "down");
  fs.mkdirSync(etc);
  fs.mkdirSync(backupState);
  fs.mkdirSync(servicesDown);
  const script = path.join(dir, "shop-health");
  const render = (thresholds: Partial<ShopSpec["monitoring"]["thresholds"]>, certFile: string) => {
    const files = renderHostBundle(withMonitoring(base, thresholds), node).files;
    fs.writeFileSync(script, files.find((f) => f.path === "/usr/local/sbin/shop-health")!.content);
    const cfg = JSON.parse(files.find((f) => f.path === "/etc/shop/health.json")!.content) as Json;
    cfg.certFiles = [certFile];
    cfg.retryDelaySeconds = 0.2;
    cfg.outsideIn = null; // test/e2e/outside-in.test.ts covers the public-path probes
    cfg.phpFpm = null; // test/e2e/web.test.ts reads a real pool's status page

    fs.writeFileSync(path.join(etc, "health.json"), JSON.stringify(cfg));
    return cfg;
  };
  fs.writeFileSync(
    path.join(etc, "secrets.env"),
    renderSecretsEnv({
      WEBHOOK_OPS_SLACK_URL: `${sink.url}/slack`,
      WEBHOOK_OPS_TEAMS_URL: `${sink.url}/teams`,
      WEBHOOK_OPS_PAGER_URL: `${sink.url}/pagerduty`,
      WEBHOOK_OPS_PAGER_ROUTING_KEY: ROUTING_KEY,
      WEBHOOK_OPS_JSON_URL: `${sink.url}/generic`,
      MONITORING_HEARTBEAT_URL: `${beats.url}/heartbeat`,
    }),
  );
  // A real certificate that expires in 30 days: inside a 90-day limit, outside a 1-day one.
  const cert = path.join(dir, "origin.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30", "-subj", "/CN=shop.test", "-keyout", path.join(dir, "origin.key"), "-out", cert], { stdio: "ignore" });
  const systemctl = path.join(dir, "systemctl");
  fs.writeFileSync(systemctl, `#!/bin/sh\n# is-active UNIT: "failed" when the test marked it down\nif [ -e '${servicesDown}'/"$2" ]; then echo failed; exit 3; fi\necho active\n`, { mode: 0o755 });
  const loadavg = path.join(dir, "loadavg");
  const updates = path.join(dir, "updates.json");
  const env = {
    SHOP_ETC: etc,
    SHOP_STATE_DIR: stateDir,
    SHOP_TEXTFILE_DIR: textfileDir,
    SHOP_BACKUP_STATE_DIR: backupState,
    SHOP_HEALTH_LOADAVG_FILE: loadavg,
    SHOP_HEALTH_MOUNTS: dir,
    SHOP_HEALTH_SYSTEMCTL: systemctl,
    SHOP_UPDATES_FILE: updates,
    SHOP_REBOOT_REQUIRED_FILE: path.join(dir, "reboot-required"),
  };
  const health = async () => {
    const r = await runAsync("/usr/bin/python3", [script], { env, timeoutMs: 60_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    runs++;
    assert.equal(beats.requests.length, 2 * runs, "every run pings the monitoring heartbeat twice");
    assert.equal(beats.requests.at(-2)!.path, "/heartbeat/start");
    assert.match(beats.requests.at(-1)!.body, new RegExp(`^${node.name}: \\d+ items, \\d+ firing`));
    return r;
  };

  // --- incident: every item crosses its line
  const cfg = render(LOW, cert);
  const kinds = (cfg.backups as Json[]).map((b) => b.kind as string);
  assert.deepEqual(kinds, ["files", "media", "check"], "the scheduler node backs up files, mirrors media and checks its repository");
  fs.writeFileSync(path.join(servicesDown, "nginx.service"), "");
  fs.writeFileSync(updates, JSON.stringify({ pending: 5, securityPending: 3, rebootRequired: true, checkedAt: new Date().toISOString() }));
  const stale = Math.floor(Date.now() / 1000) - 30 * 86400;
  for (const kind of kinds) fs.writeFileSync(path.join(backupState, `last-success-${kind}`), `${stale}\n`);
  sink.failNext("/teams", 1); // the first Teams delivery fails once: the retry must deliver it
  const crossedAt = Date.now();
  fs.writeFileSync(loadavg, "0.80 0.60 0.40 2/345 6789\n");
  await health();
  const expected = [
    "load1",
    "load5",
    "load15",
    `disk:${dir}`,
    `inodes:${dir}`,
    "memory",
    "service:nginx.service",
    "security_updates",
    "reboot_required",
    ...kinds.map((k) => `backup_age:${k}`),
    `cert:${cert}`,
  ].sort();
  const firing = tally(sink.requests);
  for (const format of ["/slack", "/teams", "/pagerduty", "/generic"])
    assert.deepEqual(Object.entries(firing[format] ?? {}).sort(), expected.map((i) => [i, 1]), `one firing alert per item to ${format}`);
  assert.ok(sink.requests.every((q) => !isResolved(q)));
  const load1Ms = Math.min(...sink.requests.filter((q) => itemOf(q) === "load1").map((q) => q.receivedAt - crossedAt));
  const allMs = Math.max(...sink.requests.map((q) => q.receivedAt - crossedAt));
  t.diagnostic(`alert latency from the crossing (run start): first load1 alert ${load1Ms} ms, all ${sink.requests.length} alerts (one Teams retry) ${allMs} ms; add up to 65 s for the minutely timer`);

  // Payload fields each target requires.
  const slack = sink.requests.find((q) => q.path === "/slack" && itemOf(q) === `disk:${dir}`)!.json as Json;
  assert.match(slack.text, /^\[CRITICAL\] demo-app-1: disk .* used \(limit 2%\)/);
  assert.equal(slack.blocks[0].type, "section");
  assert.equal(slack.blocks[0].text.type, "mrkdwn");
  const teams = sink.requests.find((q) => q.path === "/teams")!.json as Json;
  assert.equal(teams.type, "message");
  assert.equal(teams.attachments[0].contentType, "application/vnd.microsoft.card.adaptive");
  assert.equal(teams.attachments[0].content.type, "AdaptiveCard");
  assert.ok(teams.attachments[0].content.version);
  const pager = sink.requests.find((q) => q.path === "/pagerduty" && itemOf(q) === "service:nginx.service")!.json as Json;
  assert.equal(pager.routing_key, ROUTING_KEY);
  assert.equal(pager.event_action, "trigger");
  assert.equal(pager.dedup_key, "demo/demo-app-1/service:nginx.service");
  assert.equal(pager.payload.severity, "critical");
  assert.equal(pager.payload.source, "demo-app-1");
  assert.match(pager.payload.summary, /nginx\.service is failed/);
  const generic = sink.requests.find((q) => q.path === "/generic" && itemOf(q) === "load15")!.json as Json;
  assert.deepEqual(
    { status: generic.status, severity: generic.severity, host: generic.host, stack: generic.stack, value: generic.value, threshold: generic.threshold },
    { status: "firing", severity: "warning", host: "demo-app-1", stack: "demo", value: 0.4 / node.facts.cores, threshold: 0.01 },
  );

  // The same figures for node_exporter, and the alert rules over them load in promtool.
  const prom = fs.readFileSync(path.join(textfileDir, "shop_health.prom"), "utf8");
  assert.match(prom, new RegExp(`shop_load_per_core\\{window="15"\\} ${0.4 / node.facts.cores}\\n`));
  assert.match(prom, /shop_service_up\{service="nginx.service"\} 0\n/);
  assert.match(prom, /shop_threshold\{name="load15PerCore"\} 0.01\n/);
  assert.equal(fs.readdirSync(textfileDir).filter((f) => f.startsWith(".")).length, 0, "no temp files left behind");

  // De-duplicated: a second run while still firing sends nothing.
  sink.requests.length = 0;
  await health();
  assert.equal(sink.requests.length, 0, `no repeats: ${sink.requests.map((q) => `${q.path} ${itemOf(q)}`).join(", ")}`);

  // Rate-limited reminder: once alertRepeatMinutes have passed, one reminder per item and hook.
  const statePath = path.join(stateDir, "state.json");
  const state = JSON.parse(fs.readFileSync(statePath, "utf8")) as Json;
  for (const record of Object.values(state)) for (const sent of Object.values(record.sent as Json)) sent.at -= cfg.thresholds.alertRepeatMinutes * 60;
  fs.writeFileSync(statePath, JSON.stringify(state));
  await health();
  assert.equal(sink.requests.length, expected.length * HOOKS.length);
  sink.requests.length = 0;
  await health();
  assert.equal(sink.requests.length, 0);

  // --- recovery: normal thresholds and healthy inputs
  render({ certExpiryDays: 1 }, cert);
  fs.rmSync(path.join(servicesDown, "nginx.service"));
  fs.writeFileSync(updates, JSON.stringify({ pending: 0, securityPending: 0, rebootRequired: false, checkedAt: new Date().toISOString() }));
  for (const kind of kinds) fs.writeFileSync(path.join(backupState, `last-success-${kind}`), `${Math.floor(Date.now() / 1000)}\n`);
  await health();
  const resolved = tally(sink.requests);
  for (const format of ["/slack", "/teams", "/pagerduty", "/generic"])
    assert.deepEqual(Object.entries(resolved[format] ?? {}).sort(), expected.map((i) => [i, 1]), `one resolved alert per item to ${format}`);
  assert.ok(sink.requests.every(isResolved));
  const resolve = sink.requests.find((q) => q.path === "/pagerduty" && itemOf(q) === "load1")!.json as Json;
  assert.equal(resolve.event_action, "resolve");
  assert.equal(resolve.dedup_key, "demo/demo-app-1/load1");
  sink.requests.length = 0;
  await health();
  assert.equal(sink.requests.length, 0, "nothing more once everything is resolved");

  // A broken probe alerts by itself and leaves its items' last state alone.
  fs.rmSync(loadavg);
  await health();
  assert.deepEqual(tally(sink.requests), Object.fromEntries(["/slack", "/teams", "/pagerduty", "/generic"].map((f) => [f, { "check:load": 1 }])));
  sink.requests.length = 0;
  fs.writeFileSync(loadavg, "0.80 0.60 0.40 2/345 6789\n");
  await health();
  assert.deepEqual(tally(sink.requests), Object.fromEntries(["/slack", "/teams", "/pagerduty", "/generic"].map((f) => [f, { "check:load": 1 }])));
  assert.ok(sink.requests.every(isResolved));

  // A firing service that converge stops monitoring resolves once, then is forgotten.
  const fpm = `php${base.os.php}-fpm.service`;
  sink.requests.length = 0;
  fs.writeFileSync(path.join(servicesDown, fpm), "");
  await health();
  assert.equal(sink.requests.length, HOOKS.length);
  sink.requests.length = 0;
  const unmonitored = JSON.parse(fs.readFileSync(path.join(etc, "health.json"), "utf8")) as Json;
  unmonitored.services = (unmonitored.services as Json[]).filter((u) => u.unit !== fpm);
  fs.writeFileSync(path.join(etc, "health.json"), JSON.stringify(unmonitored));
  await health();
  assert.deepEqual(tally(sink.requests), Object.fromEntries(["/slack", "/teams", "/pagerduty", "/generic"].map((f) => [f, { [`service:${fpm}`]: 1 }])));
  assert.ok(sink.requests.every(isResolved));
  sink.requests.length = 0;
  await health();
  assert.equal(sink.requests.length, 0);
  assert.ok(!(`service:${fpm}` in JSON.parse(fs.readFileSync(statePath, "utf8"))));

  // A webhook that stays down through every retry gets the alert on the next run, once.
  sink.failNext("/generic", 3);
  fs.writeFileSync(path.join(servicesDown, "nginx.service"), "");
  await health();
  assert.deepEqual(Object.keys(tally(sink.requests)).sort(), ["/pagerduty", "/slack", "/teams"]);
  assert.equal(beats.requests.at(-1)!.path, "/heartbeat/fail", "an alert that could not be delivered fails the heartbeat");
  assert.match(beats.requests.at(-1)!.body, /1 undelivered/);
  sink.requests.length = 0;
  await health();
  assert.deepEqual(tally(sink.requests), { "/generic": { "service:nginx.service": 1 } });
  assert.equal(beats.requests.at(-1)!.path, "/heartbeat", "delivered again: the heartbeat succeeds");
});
