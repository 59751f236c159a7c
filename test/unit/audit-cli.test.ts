import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { checklistRules } from "../../components/checklist";
import { AuditReport, PortfolioRow, renderPortfolio } from "../../components/checklist/report";
import type { Plan } from "../../scripts/lib/offlinePlan";
import { scriptCli, writeDemoVariant } from "../helpers/checklist";
import { allStacks, readJson } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

function auditJson(stacksDir: string, stack: string, out: string) {
  const r = scriptCli("audit", ["--stack", stack, "--stacks-dir", stacksDir, "--out", out, "--format", "json"]);
  const report = r.stdout.trim() ? (JSON.parse(r.stdout) as AuditReport) : undefined;
  return { ...r, report };
}

const status = (report: AuditReport | undefined, id: string) => report?.items.find((i) => i.id === id)?.status;

test("audit --stack demo (German): every ID, exit 0, out/demo holds audit, runbook and plan", (t) => {
  const out = tempDir(t);
  const r = scriptCli("audit", ["--stack", "demo", "--lang", "de", "--out", out]);
  assert.equal(r.status, 0, r.stderr);
  for (const rule of checklistRules) assert.ok(r.stdout.includes(`| ${rule.id} | ${rule.title.de} |`), `stdout lacks ${rule.id}`);
  for (const f of ["plan.json", "audit.md", "audit.de.md", "audit.json", "runbook.md", "runbook.de.md"]) assert.ok(fs.existsSync(path.join(out, "demo", f)), f);
  const report = readJson<AuditReport>(path.join(out, "demo", "audit.json"));
  assert.deepEqual(report.items.map((i) => i.id), checklistRules.map((r) => r.id));
  assert.deepEqual(report.summary.mandatoryFailed, []);
  // The runbook names every host the plan declared, with its public address, and every contact.
  const plan = readJson<Plan>(path.join(out, "demo", "plan.json"));
  const hosts = plan.outputs.hosts as { name: string; publicIpv4: string; privateIp: string }[];
  for (const lang of ["runbook.md", "runbook.de.md"]) {
    const runbook = fs.readFileSync(path.join(out, "demo", lang), "utf8");
    for (const h of hosts) for (const fact of [h.name, h.publicIpv4, h.privateIp]) assert.ok(runbook.includes(fact), `${lang} lacks ${fact}`);
    for (const who of ["Petra Möbel", "+49 30 1234567", "oncall@agentur.example", "Agentur Nord", "Hetzner Online"]) assert.ok(runbook.includes(who), `${lang} lacks ${who}`);
  }
});

/** Each mutation of the demo stack must fail its row and make the audit exit 1. */
const mutations: { name: string; id: string; edit: (c: Record<string, unknown>) => void; problem: RegExp }[] = [
  { name: "one-app", id: "HW-1", edit: (c) => (c["shop:appNodes"] = 1), problem: /1 app server/ },
  { name: "no-backups", id: "OPS-1", edit: (c) => (c["shop:serverBackups"] = false), problem: /server backups are off/ },
  { name: "shared-vcpu", id: "OPS-3", edit: (c) => (c["shop:serverTypes"] = { app: "cx33", db: "ccx33" }), problem: /cx33 is shared vCPU in production/ },
  { name: "not-proxied", id: "OPS-4", edit: (c) => (c["shop:dns"] = { proxied: false }), problem: /not proxied/ },
];

for (const m of mutations)
  test(`audit of the demo stack with ${m.name}: ${m.id} fails and the exit code is 1`, (t) => {
    const dir = tempDir(t);
    writeDemoVariant(dir, m.name, m.edit);
    const r = auditJson(dir, m.name, path.join(dir, "out"));
    assert.equal(r.status, 1, r.stderr);
    assert.equal(status(r.report, m.id), "fail");
    assert.match(r.report!.items.find((i) => i.id === m.id)!.problems.join("\n"), m.problem);
    assert.ok(r.report!.summary.mandatoryFailed.includes(m.id));
  });

test("configs that validation rejects (world-open SSH without waiver, no webhooks) exit 1 and write nothing", (t) => {
  const dir = tempDir(t);
  writeDemoVariant(dir, "open-ssh", (c) => (c["shop:firewall"] = { extraRules: [{ description: "anyone", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/0"] }] }));
  writeDemoVariant(dir, "no-hooks", (c) => (c["shop:monitoring"] = { webhooks: [] }));
  for (const [stack, key] of [["open-ssh", "shop:firewall.extraRules[0]"], ["no-hooks", "shop:monitoring.webhooks"]]) {
    const r = scriptCli("audit", ["--stack", stack, "--stacks-dir", dir, "--out", path.join(dir, "out")]);
    assert.equal(r.status, 1);
    assert.ok(r.stderr.includes(key), r.stderr);
    assert.equal(fs.existsSync(path.join(dir, "out", stack)), false);
  }
});

test("audit --all covers every stack in stacks/ with its monthly cost", (t) => {
  const out = tempDir(t);
  const r = scriptCli("audit", ["--all", "--out", out, "--format", "json"]);
  const { stacks, invalid } = JSON.parse(r.stdout) as { stacks: PortfolioRow[]; invalid: unknown[] };
  assert.deepEqual(invalid, []);
  assert.deepEqual(stacks.map((s) => s.stack), allStacks());
  for (const s of stacks) {
    assert.ok(s.eurMonth > 0, `${s.stack} has no cost`);
    assert.equal(s.pass + s.waived + s.fail, checklistRules.length);
    assert.ok(fs.existsSync(path.join(out, s.stack, "audit.md")));
  }
  // Out of the box every example stack meets every mandatory item (DESIGN: "meets the checklist by default").
  for (const s of stacks) assert.deepEqual(s.mandatoryFailed, [], `${s.stack} fails ${s.mandatoryFailed.join(", ")}`);
  assert.equal(r.status, 0, r.stderr);
  // The table --all prints, in German: one row per stack and the portfolio's total.
  const table = renderPortfolio(stacks, "de");
  for (const s of stacks) assert.match(table, new RegExp(`^\\| ${s.stack} \\| ${s.customer} \\|.*\\| ${s.eurMonth.toFixed(2)} \\|$`, "m"));
  assert.match(table, new RegExp(`\\*\\*${stacks.reduce((sum, s) => sum + s.eurMonth, 0).toFixed(2)}\\*\\*`));
  assert.match(table, /EUR\/Monat/);
});

test("a worker that plans several stacks in one process writes exactly what a single audit writes", (t) => {
  const single = tempDir(t);
  const batch = tempDir(t);
  assert.equal(scriptCli("audit", ["--stack", "demo", "--out", single, "--format", "json"]).status, 0);
  // demo runs after alpenhaus in the same process: nothing of alpenhaus may leak into it.
  const r = scriptCli("audit", ["--batch", "alpenhaus,demo", "--out", batch]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { stack: string; report?: AuditReport });
  assert.deepEqual(lines.map((l) => l.stack), ["alpenhaus", "demo"]);
  for (const f of ["plan.json", "audit.json", "audit.md", "audit.de.md", "runbook.md", "runbook.de.md", "hosts/demo-db-2/bundle.json"])
    assert.equal(fs.readFileSync(path.join(batch, "demo", f), "utf8"), fs.readFileSync(path.join(single, "demo", f), "utf8"), f);
});
