import assert from "node:assert/strict";
import { before, test } from "node:test";
import { checklistRules, evaluateChecklist, T } from "../../components/checklist";
import { shopMonitoring } from "../../components/checklist/hardware";
import { checkContext } from "../../components/checklist/resources";
import { estimateCost } from "../../components/checklist/cost";
import { CLOUDFLARE_PRO_USD_MONTH, OBJECT_STORAGE_EUR_MONTH, PRICES_AS_OF, serverPrices, SERVER_BACKUP_SURCHARGE } from "../../components/checklist/prices";
import { auditReport, renderAuditMarkdown } from "../../components/checklist/report";
import type { Plan } from "../../scripts/lib/offlinePlan";
import { contextOf, copy, demoPlan, demoSpec, evaluate, row, TEST_PROVENANCE } from "../helpers/checklist";

/** docs/design.md "The checklist", in order: every audit, policy and runbook section points back to one of these. */
const CHECKLIST_IDS = ["HW-1", "HW-2", "HW-3", "HW-4", "HW-5", "SW-1", "SW-2", "SW-3", "SEC-1", "SEC-2", "SEC-3", "OPS-1", "OPS-2", "OPS-3", "OPS-4"];

let plan: Plan;
before(() => {
  plan = demoPlan();
});

const resources = () => copy(plan.resources);

test("one rule per checklist ID of docs/design.md, in order, each with both languages and a fix", () => {
  assert.deepEqual(checklistRules.map((r) => r.id), CHECKLIST_IDS);
  for (const r of checklistRules) {
    assert.ok(r.title.en && r.title.de && r.fix.en && r.fix.de, r.id);
    assert.ok(["mandatory", "advisory"].includes(r.level));
  }
});

test("the demo plan passes every mandatory item, with evidence naming its resources", () => {
  const results = evaluate(resources(), demoSpec());
  for (const r of results.filter((x) => x.level === "mandatory")) assert.equal(r.status, "pass", `${r.id}: ${r.problems.map((x) => x.en).join("; ")}`);
  assert.match(row(results, "HW-1").evidence.map((x) => x.en).join("\n"), /demo-app-1.*demo-app-2/);
  assert.match(row(results, "HW-2").evidence.map((x) => x.en).join("\n"), /\/api\/_info\/health-check/);
  assert.match(row(results, "OPS-1").evidence.map((x) => x.en).join("\n"), /StorageBox|Storage Box|bx11/);
});

test("one app node: HW-1 fails", () => {
  const spec = demoSpec();
  const mutated = resources().filter((r) => !(r.type === T.server && r.inputs.name === "demo-app-2"));
  const hw1 = row(evaluate(mutated, spec), "HW-1");
  assert.equal(hw1.status, "fail");
  assert.match(hw1.problems.map((x) => x.en).join("\n"), /1 app server\(s\) declared; at least 2/);
});

test("SW-3 passes from the rendered deploy path; without a deploy-role user it fails and says nobody may deploy", () => {
  const spec = demoSpec();
  const sw3 = row(evaluate(resources(), spec), "SW-3");
  assert.equal(sw3.status, "pass", sw3.problems.map((p) => p.en).join("\n"));
  assert.match(sw3.evidence.map((e) => e.en).join("\n"), /drained through \/run\/shop\/drain for 11 s before each switch; deploy users: ci-deploy; 3 releases kept/);
  const noDeployer = { ...spec, users: spec.users.filter((u) => u.role !== "deploy") };
  const failed = row(evaluate(resources(), noDeployer), "SW-3");
  assert.equal(failed.status, "fail");
  assert.match(failed.problems.map((p) => p.en).join("\n"), /no deploy-role user in shop:users/);
});

test("backups off: OPS-1 fails per server", () => {
  const mutated = resources();
  for (const r of mutated) if (r.type === T.server) r.inputs.backups = false;
  const ops1 = row(evaluate(mutated, demoSpec()), "OPS-1");
  assert.equal(ops1.status, "fail");
  assert.equal(ops1.problems.filter((p) => /server backups are off/.test(p.en)).length, 4);
});

test("no Storage Box: OPS-1 and HW-5 fail honestly", () => {
  const mutated = resources().filter((r) => r.type !== T.storageBox);
  const results = evaluate(mutated, demoSpec());
  assert.equal(row(results, "OPS-1").status, "fail");
  assert.match(row(results, "HW-5").problems.map((x) => x.en).join("\n"), /no Storage Box is declared/);
});

/** Adds 0.0.0.0/0 to the SSH rule of the app firewall, as a merged extra rule would. */
function worldOpenSsh(): typeof plan.resources {
  const mutated = resources();
  const fw = mutated.find((r) => r.type === T.firewall && (r.inputs.applyTos as { labelSelector: string }[]).some((a) => a.labelSelector.includes("role=app")));
  assert.ok(fw, "the plan declares an app firewall");
  const ssh = (fw.inputs.rules as { port?: string; sourceIps: string[] }[]).find((r) => r.port === "22");
  assert.ok(ssh);
  ssh.sourceIps.push("0.0.0.0/0");
  return mutated;
}

test("world-open SSH without a waiver: SEC-1 fails", () => {
  const sec1 = row(evaluate(worldOpenSsh(), demoSpec()), "SEC-1");
  assert.equal(sec1.status, "fail");
  assert.match(sec1.problems.map((x) => x.en).join("\n"), /open to the world \(0\.0\.0\.0\/0\)/);
});

test("world-open SSH declared with a waiver: SEC-1 is waived and shows the reason", () => {
  const spec = demoSpec();
  const reason = "Vendor support needs SSH from changing addresses until 2027";
  spec.firewall.extraRules.push({ description: "vendor", direction: "in", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/0"], waiver: reason, roles: ["app", "db"] });
  spec.waivers.push({ checkId: "SEC-1", key: `shop:firewall.extraRules[${spec.firewall.extraRules.length - 1}]`, reason });
  const sec1 = row(evaluate(worldOpenSsh(), spec), "SEC-1");
  assert.equal(sec1.status, "waived");
  assert.deepEqual(sec1.waivers.map((w) => w.reason), [reason]);
  assert.match(sec1.problems.map((x) => x.en).join("\n"), new RegExp(reason));
});

test("no firewall for the DB servers: SEC-1 fails", () => {
  const mutated = resources().filter((r) => !(r.type === T.firewall && JSON.stringify(r.inputs.applyTos).includes("role=db")));
  const sec1 = row(evaluate(mutated, demoSpec()), "SEC-1");
  assert.equal(sec1.status, "fail");
  assert.match(sec1.problems.map((x) => x.en).join("\n"), /no Hetzner Cloud Firewall applies to the db servers/);
});

test("SSH from an address nobody declared: SEC-1 fails", () => {
  const mutated = resources();
  const fw = mutated.find((r) => r.type === T.firewall)!;
  (fw.inputs.rules as { port?: string; sourceIps: string[] }[]).find((r) => r.port === "22")!.sourceIps.push("192.0.2.99/32");
  assert.match(row(evaluate(mutated, demoSpec()), "SEC-1").problems.map((x) => x.en).join("\n"), /tcp\/22 \(22\) is open to 192\.0\.2\.99\/32, outside/);
});

test("MariaDB reachable publicly, even from an admin address, fails SEC-1 unless declared for the db role", () => {
  const mutated = resources();
  const fw = mutated.find((r) => r.type === T.firewall && JSON.stringify(r.inputs.applyTos).includes("role=db"))!;
  (fw.inputs.rules as unknown[]).push({ direction: "in", protocol: "tcp", port: "3306", sourceIps: ["85.215.10.10/32"], description: "debug" });
  assert.match(row(evaluate(mutated, demoSpec()), "SEC-1").problems.map((x) => x.en).join("\n"), /tcp\/3306 \(3306\) is open to 85\.215\.10\.10\/32/);
  const forApp = demoSpec();
  forApp.firewall.extraRules.push({ description: "BI tool", direction: "in", protocol: "tcp", port: "3306", sourceIps: ["85.215.10.10/32"], roles: ["app"] });
  assert.equal(row(evaluate(mutated, forApp), "SEC-1").status, "fail", "a rule for the app role does not declare a db firewall's source");
  const declared = demoSpec();
  declared.firewall.extraRules.push({ description: "BI tool", direction: "in", protocol: "tcp", port: "3306", sourceIps: ["85.215.10.10/32"], roles: ["db"] });
  const sec1 = row(evaluate(mutated, declared), "SEC-1");
  assert.equal(sec1.status, "pass", sec1.problems.map((x) => x.en).join("\n"));
  // The evidence names the rule, its key in the stack file and its sources, per firewall.
  assert.ok(sec1.evidence.some((e) => e.en === 'demo-db-fw → customer=demo-moebel,stack=demo,role=db: tcp/3306 "BI tool" (shop:firewall.extraRules[0]) from 85.215.10.10/32'), sec1.evidence.map((x) => x.en).join("\n"));
  assert.ok(sec1.evidence.some((e) => /^demo-app-fw → .*: tcp\/22 "SSH from admin and deployer CIDRs" \(shop:adminCidrs, shop:deployerCidrs\) from 85\.215\.10\.10\/32, 2a01:4f8:c0c:1::\/64, 85\.215\.10\.20\/32$/.test(e.en)));
});

test("no webhooks: HW-3 fails, and a recorded waiver turns it into waived", () => {
  const spec = demoSpec();
  spec.monitoring.webhooks = [];
  const hw3 = row(evaluate(resources(), spec), "HW-3");
  assert.equal(hw3.status, "fail");
  assert.match(hw3.problems.map((x) => x.en).join("\n"), /no alert webhook/);
  spec.waivers.push({ checkId: "HW-3", key: "shop:monitoring.webhooksWaiver", reason: "Alerts go to the agency NOC by e-mail for now" });
  assert.equal(row(evaluate(resources(), spec), "HW-3").status, "waived");
});

test("no monitoring heartbeat: HW-3 fails naming the dead-man's switch; set, its evidence says every host pings it", () => {
  const spec = demoSpec();
  assert.match(row(evaluate(resources(), spec), "HW-3").evidence.map((x) => x.en).join("\n"), new RegExp(`dead-man's switch: shop:monitoring.heartbeatUrl .* all ${spec.nodes.length} hosts`));
  spec.monitoring.heartbeatUrl = undefined;
  const hw3 = row(evaluate(resources(), spec), "HW-3");
  assert.equal(hw3.status, "fail");
  assert.match(hw3.problems.map((x) => x.en).join("\n"), /no dead-man's switch \(shop:monitoring.heartbeatUrl is not set\)/);
});

test("HW-3 evidence names the outside-in probes by rank; without them and without Cloudflare Health Checks it fails", () => {
  const spec = demoSpec();
  const evidence = row(evaluate(resources(), spec), "HW-3").evidence.map((x) => x.en).join("\n");
  assert.match(evidence, new RegExp(`outside-in: ${spec.appUrl}/, ${spec.appUrl}/api/_info/health-check .* by rank \\(1\\. demo-app-1, 2\\. demo-app-2\\)`));
  const ctx = checkContext(resources(), spec, new Date());
  for (const files of ctx.bundles.values())
    for (const f of files) if (f.path === "/etc/shop/health.json") f.content = JSON.stringify({ ...JSON.parse(f.content), outsideIn: null });
  const hw3 = shopMonitoring.stack(ctx);
  assert.match(hw3.problems.map((x) => x.message.en).join("\n"), /no outside-in check/);
});

test("shared vCPU in production: OPS-3 fails; the same types in staging pass", () => {
  const mutated = resources();
  for (const r of mutated) if (r.type === T.server) r.inputs.serverType = "cx33";
  const ops3 = row(evaluate(mutated, demoSpec()), "OPS-3");
  assert.equal(ops3.status, "fail");
  assert.match(ops3.problems.map((x) => x.en).join("\n"), /cx33 is shared vCPU in production/);
  const staging = demoSpec();
  staging.production = false;
  staging.environment = "staging";
  assert.equal(row(evaluate(mutated, staging), "OPS-3").status, "pass");
});

test("DNS not proxied: OPS-4 fails for every record", () => {
  const mutated = resources();
  const records = mutated.filter((r) => r.type === T.dnsRecord);
  for (const r of records) r.inputs.proxied = false;
  const ops4 = row(evaluate(mutated, demoSpec()), "OPS-4");
  assert.equal(ops4.status, "fail");
  assert.equal(ops4.problems.filter((p) => /not proxied/.test(p.en)).length, records.length);
});

test("a Storage Box too small for the retained backups fails HW-5", () => {
  const spec = demoSpec();
  spec.backup.retention = { hourly: 168, daily: 90, weekly: 52, monthly: 36 };
  const hw5 = row(evaluate(resources(), spec), "HW-5");
  assert.equal(hw5.status, "fail");
  assert.match(hw5.problems.map((x) => x.en).join("\n"), /exceeds bx11 \(1,000 GB\)/);
});

test("cost: one line per priced item, backups at +20 %, Object Storage, total is their sum", () => {
  const ctx = contextOf(resources(), demoSpec());
  const cost = estimateCost(ctx, new Date(PRICES_AS_OF));
  const servers = ctx.resources.filter((r) => r.type === T.server);
  for (const s of servers) {
    const base = cost.lines.find((l) => l.resource === s.name && l.item.en.startsWith("server "))!;
    assert.equal(base.amount, serverPrices[String(s.inputs.serverType)].eurMonth);
    const backup = cost.lines.find((l) => l.resource === s.name && l.item.en.startsWith("server backups"))!;
    assert.ok(Math.abs(backup.amount - base.amount * SERVER_BACKUP_SURCHARGE) < 0.01);
    assert.ok(cost.lines.some((l) => l.resource === s.name && l.item.en === "primary IPv4"));
  }
  assert.ok(cost.lines.some((l) => l.item.en === "load balancer lb11"));
  assert.ok(cost.lines.some((l) => l.item.en.startsWith("Storage Box")));
  // shop:media on Hetzner's endpoint: Object Storage's base price is part of the stack's cost.
  assert.equal(cost.lines.find((l) => l.item.en.startsWith("Object Storage"))?.amount, OBJECT_STORAGE_EUR_MONTH);
  assert.ok(cost.lines.every((l) => l.currency === "EUR"), "no paid Cloudflare plan without health checks");
  assert.ok(Math.abs(cost.totalEurMonth - cost.lines.reduce((s, l) => s + l.amount, 0)) < 0.01);
  assert.match(cost.pricesAsOf, /^\d{4}-\d{2}-\d{2}$/);
  assert.deepEqual(cost.unpriced, []);
  assert.equal(cost.stale, false);
});

test("cost: Cloudflare health checks add the paid plan per zone in USD; another S3 endpoint is listed unpriced", () => {
  const spec = demoSpec();
  spec.monitoring.cloudflareHealthchecks = true;
  spec.media.endpoint = "https://s3.eu-central-1.amazonaws.com";
  const cost = estimateCost(contextOf(resources(), spec), new Date(PRICES_AS_OF));
  const plans = cost.lines.filter((l) => l.currency === "USD");
  assert.deepEqual(plans.map((l) => l.resource), spec.domains.map((d) => d.zone));
  assert.equal(cost.totalUsdMonth, CLOUDFLARE_PRO_USD_MONTH * spec.domains.length);
  assert.ok(!cost.lines.some((l) => l.item.en.startsWith("Object Storage")));
  assert.match(cost.unpriced.join(), /S3 bucket demo-moebel-media at s3\.eu-central-1\.amazonaws\.com/);
});

test("cost: a price table older than six months warns in both languages; a fresh one does not", () => {
  const ctx = contextOf(resources(), demoSpec());
  const asOf = new Date(`${PRICES_AS_OF}T00:00:00Z`);
  const later = (months: number) => new Date(Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth() + months, asOf.getUTCDate()));
  assert.equal(estimateCost(ctx, later(6)).stale, false);
  const old = estimateCost(ctx, later(7));
  assert.equal(old.stale, true);
  assert.equal(old.ageMonths, 7);
  const report = auditReport(ctx, { ...TEST_PROVENANCE, generatedAt: later(7).toISOString() });
  assert.match(renderAuditMarkdown(report, "en"), /Warning: the price table is 7 months old/);
  assert.match(renderAuditMarkdown(report, "de"), /Warnung: die Preistabelle ist 7 Monate alt/);
  const fresh = auditReport(ctx, { ...TEST_PROVENANCE, generatedAt: later(1).toISOString() });
  assert.doesNotMatch(renderAuditMarkdown(fresh, "en"), /price table is/);
});

test("both languages cover every ID; German uses the operators' terms and number format; Mermaid names every server", () => {
  const report = auditReport(contextOf(resources(), demoSpec()), TEST_PROVENANCE);
  const en = renderAuditMarkdown(report, "en");
  const de = renderAuditMarkdown(report, "de");
  for (const rule of checklistRules) {
    assert.ok(en.includes(`| ${rule.id} | ${rule.title.en} |`), `en lacks ${rule.id}`);
    assert.ok(de.includes(`| ${rule.id} | ${rule.title.de} |`), `de lacks ${rule.id}`);
  }
  const terms = ["Gespiegelte Serversysteme", "Loadbalancer", "Shop-Monitoring", "Serverlast", "Speicherplatz", "Software-Updates", "Versionskompatibilität", "Firewall", "Zugriffsberechtigungen", "Benutzerverwaltung", "Datensicherung"];
  for (const term of terms) assert.ok(de.includes(term), `German audit lacks ${term}`);
  assert.match(de, /\| Server ccx23 \| demo-app-1 \| 24,49 € \|/);
  assert.match(de, /bx11 fasst 1\.000 GB/);
  assert.match(en, /\| server ccx23 \| demo-app-1 \| EUR 24\.49 \|/);
  assert.match(en, /```mermaid\nflowchart LR/);
  assert.match(de, /visitors\(\[Besucher\]\)/);
  for (const s of plan.resources.filter((r) => r.type === T.server)) assert.ok(report.topology.de.includes(String(s.inputs.name)));
});

test("two hosts whose bundles reboot at the same time fail SW-1", () => {
  const ctx = contextOf(resources(), demoSpec());
  const files = ctx.bundles.get("demo-app-2")!;
  const config = files.find((f) => /unattended-upgrades/.test(f.path))!;
  config.content = config.content.replace(/Automatic-Reboot-Time "[0-9:]+"/, 'Automatic-Reboot-Time "04:00"');
  const sw1 = row(evaluateChecklist(ctx), "SW-1");
  assert.equal(sw1.status, "fail");
  assert.match(sw1.problems.map((x) => x.en).join("\n"), /demo-app-1 and demo-app-2 reboot together at 04:00/);
});

test("a host whose users file still lists an offboarded user, or a key shared by two users, fails SEC-3", () => {
  const spec = demoSpec();
  const ctx = contextOf(resources(), spec);
  spec.users = spec.users.filter((u) => u.name !== "auditor");
  const sec3 = row(evaluateChecklist(ctx), "SEC-3");
  assert.equal(sec3.status, "fail");
  assert.equal(sec3.problems.filter((p) => /users\.json lists anna, auditor, ci-deploy, the stack declares anna, ci-deploy/.test(p.en)).length, 4);
  const shared = demoSpec();
  shared.users[1].sshKeys = [...shared.users[0].sshKeys];
  assert.match(row(evaluate(resources(), shared), "SEC-3").problems.map((x) => x.en).join("\n"), /users anna and ci-deploy share an SSH key/);
});

test("a converge keyed by another bundle's hash does not count as delivery", () => {
  const mutated = resources();
  for (const r of mutated) if (r.name.startsWith("demo-app-1-converge")) r.inputs.triggers = ["0".repeat(64)];
  const results = evaluate(mutated, demoSpec());
  for (const id of ["HW-3", "SW-1", "SEC-1"]) {
    assert.equal(row(results, id).status, "fail", id);
    assert.match(row(results, id).problems.map((x) => x.en).join("\n"), /demo-app-1: converge is not keyed by this bundle's hash/);
  }
});
