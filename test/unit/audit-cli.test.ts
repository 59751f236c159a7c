import assert from "node:assert/strict";
import { createHash } from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { parse } from "yaml";
import { checklistRules } from "../../components/checklist";
import { AuditReport, PortfolioRow, renderPortfolio } from "../../components/checklist/report";
import { placeholderFindings } from "../../components/config";
import { markdown } from "../../components/hostconfig/escape";
import type { Plan } from "../../scripts/lib/offlinePlan";
import { REAL_DEMO_FILE, scriptCli, withRealValues, writeDemoVariant } from "../helpers/checklist";
import { allStacks, readJson, ROOT, STACKS_DIR, stackSpec } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

// Reports carry their generation time; pinned, two runs of the same stack are byte-identical.
const EPOCH = 1_795_000_000;
process.env.SOURCE_DATE_EPOCH = String(EPOCH);

function auditJson(args: string[], out: string) {
  const r = scriptCli("audit", [...args, "--out", out, "--format", "json"]);
  const report = r.stdout.trim() ? (JSON.parse(r.stdout) as AuditReport) : undefined;
  return { ...r, report };
}

const item = (report: AuditReport | undefined, id: string) => report?.items.find((i) => i.id === id);

/** The rows a stack's placeholders must fail: exactly the checks the findings name. */
const touched = (stack: string) => [...new Set(placeholderFindings(stackSpec(stack)).flatMap((f) => f.checks))].sort();

test("audit --stack demo (German): every ID, the example's placeholders fail exactly the rows they touch, out/demo holds every report", (t) => {
  const out = tempDir(t);
  const r = scriptCli("audit", ["--stack", "demo", "--lang", "de", "--out", out]);
  assert.equal(r.status, 1, "the committed demo is an example: its made-up values fail");
  for (const rule of checklistRules) assert.ok(r.stdout.includes(`| ${rule.id} | ${rule.title.de} |`), `stdout lacks ${rule.id}`);
  assert.match(r.stderr, /^audit: \d+ erfüllt, \d+ mit Ausnahme, \d+ nicht erfüllt\. Nicht erfüllte Pflichtpunkte: /m);
  for (const f of ["plan.json", "audit.md", "audit.de.md", "audit.json", "runbook.md", "runbook.de.md"]) assert.ok(fs.existsSync(path.join(out, "demo", f)), f);
  const report = readJson<AuditReport>(path.join(out, "demo", "audit.json"));
  assert.deepEqual(report.items.map((i) => i.id), checklistRules.map((x) => x.id));
  const mandatoryTouched = touched("demo").filter((id) => checklistRules.find((x) => x.id === id)!.level === "mandatory");
  assert.deepEqual([...report.summary.mandatoryFailed].sort(), mandatoryTouched);
  for (const id of mandatoryTouched) assert.ok(item(report, id)!.placeholders.length, `${id} names its placeholder keys`);
  // The runbook names every host the plan declared, with its public address, and every contact.
  const plan = readJson<Plan>(path.join(out, "demo", "plan.json"));
  const hosts = plan.outputs.hosts as { name: string; publicIpv4: string; privateIp: string }[];
  for (const lang of ["runbook.md", "runbook.de.md"]) {
    const runbook = fs.readFileSync(path.join(out, "demo", lang), "utf8");
    for (const h of hosts) for (const fact of [h.name, h.publicIpv4, h.privateIp]) assert.ok(runbook.includes(fact), `${lang} lacks ${fact}`);
    // Stack-file text reaches the runbook escaped for Markdown (components/hostconfig/escape.ts).
    for (const who of ["Petra Möbel", "+49 30 1234567", "oncall@agentur.example", "Agentur Nord", "Hetzner Online"]) assert.ok(runbook.includes(markdown(who)), `${lang} lacks ${who}`);
  }
});

test("the demo stack with real values passes every mandatory item and exits 0", (t) => {
  const r = auditJson(["--file", REAL_DEMO_FILE], tempDir(t));
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.report!.summary.mandatoryFailed, []);
  assert.deepEqual(r.report!.placeholders, []);
});

/** Each mutation of the real-valued demo stack must fail its row and make the audit exit 1. */
const mutations: { name: string; id: string; edit: (c: Record<string, unknown>) => void; problem: RegExp }[] = [
  { name: "one-app", id: "HW-1", edit: (c) => (c["shop:appNodes"] = 1), problem: /1 app server/ },
  { name: "no-backups", id: "OPS-1", edit: (c) => (c["shop:serverBackups"] = false), problem: /server backups are off/ },
  { name: "shared-vcpu", id: "OPS-3", edit: (c) => (c["shop:serverTypes"] = { app: "cx33", db: "ccx33" }), problem: /cx33 is shared vCPU in production/ },
  { name: "not-proxied", id: "OPS-4", edit: (c) => (c["shop:dns"] = { proxied: false }), problem: /not proxied/ },
];

for (const m of mutations)
  test(`audit of the demo stack with ${m.name}: ${m.id} fails and the exit code is 1`, (t) => {
    const dir = tempDir(t);
    writeDemoVariant(dir, m.name, (c) => {
      withRealValues(c);
      m.edit(c);
    });
    const r = auditJson(["--stack", m.name, "--stacks-dir", dir], path.join(dir, "out"));
    assert.equal(r.status, 1, r.stderr);
    assert.equal(item(r.report, m.id)?.status, "fail");
    assert.match(item(r.report, m.id)!.problems.map((p) => p.en).join("\n"), m.problem);
    assert.deepEqual(r.report!.summary.mandatoryFailed, [m.id]);
  });

test("false passes: a fresh new-customer stack fails every row its placeholders touch, each naming the key", (t) => {
  const dir = tempDir(t);
  assert.equal(scriptCli("new-customer", ["acme", "--domain", "acme-shop.de", "--stacks-dir", dir]).status, 0);
  const r = auditJson(["--stack", "acme", "--stacks-dir", dir], path.join(dir, "out"));
  assert.equal(r.status, 1);
  const report = r.report!;
  const expectations: [string, RegExp][] = [
    ["OPS-2", /shop:contacts\.owner\.phone "\+49 000 0000000" is a placeholder phone number/],
    ["OPS-4", /shop:domains\[0\]\.zoneId "0{32}" is a placeholder id/],
    ["SEC-1", /shop:adminCidrs\[0\] "192\.0\.2\.1\/32" is a documentation address/],
    ["HW-3", /shop:monitoring\.webhooks\[0\]\.url is not set/],
    ["OPS-1", /shop:media\.accessKey is not set/],
  ];
  for (const [id, problem] of expectations) {
    assert.equal(item(report, id)?.status, "fail", id);
    assert.match(item(report, id)!.problems.map((p) => p.en).join("\n"), problem);
    assert.match(item(report, id)!.problems.map((p) => p.de).join("\n"), /durch den echten Wert ersetzen/);
  }
  // The plan warns once per placeholder, naming the key.
  const warnings = r.stderr.split("\n").filter((l) => l.startsWith("warning: "));
  assert.equal(warnings.length, new Set(warnings).size, "each warning once");
  for (const key of ["shop:contacts.owner.phone", "shop:contacts.onCall.phone", "shop:domains[0].zoneId", "shop:adminCidrs[0]", "shop:monitoring.webhooks[0].url"])
    assert.equal(warnings.filter((w) => w.includes(`${key} `)).length, 1, `one warning for ${key}`);
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

test("a failed plan removes the stack's previous reports (plan and host files stay as the --diff base)", (t) => {
  const dir = tempDir(t);
  const out = path.join(dir, "out");
  const file = writeDemoVariant(dir, "shop", withRealValues);
  assert.equal(scriptCli("plan", ["--file", file, "--out", out]).status, 0);
  assert.ok(fs.existsSync(path.join(out, "shop", "audit.md")));
  const broken = JSON.parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
  broken.config["shop:profile"] = "medium";
  fs.writeFileSync(file, JSON.stringify(broken));
  const r = scriptCli("plan", ["--file", file, "--out", out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /shop:profile: found "medium"/);
  assert.match(r.stderr, /removed the previous run's reports of stack shop \(audit\.md, audit\.de\.md, audit\.json, runbook\.md, runbook\.de\.md\)/);
  for (const f of ["audit.md", "audit.de.md", "audit.json", "runbook.md", "runbook.de.md"]) assert.equal(fs.existsSync(path.join(out, "shop", f)), false, f);
  assert.ok(fs.existsSync(path.join(out, "shop", "plan.json")));
});

test("provenance: every report states when, from which commit (and whether dirty), the stack file's sha256 and the tool version", (t) => {
  const out = tempDir(t);
  assert.equal(scriptCli("plan", ["--stack", "kaffee-klein", "--out", out]).status, 0);
  const head = spawnSync("git", ["-C", ROOT, "rev-parse", "HEAD"], { encoding: "utf8" }).stdout.trim();
  const dirty = spawnSync("git", ["-C", ROOT, "status", "--porcelain"], { encoding: "utf8" }).stdout.trim() !== "";
  const sha = createHash("sha256").update(fs.readFileSync(path.join(STACKS_DIR, "Pulumi.kaffee-klein.yaml"))).digest("hex");
  const version = (readJson<{ version: string }>(path.join(ROOT, "package.json"))).version;
  const report = readJson<AuditReport>(path.join(out, "kaffee-klein", "audit.json"));
  assert.deepEqual(report.provenance, {
    generatedAt: new Date(EPOCH * 1000).toISOString(),
    commit: head,
    dirty,
    stackFile: "stacks/Pulumi.kaffee-klein.yaml",
    stackFileSha256: sha,
    tool: `shop-hosting-blueprint ${version}`,
  });
  const when = new Date(EPOCH * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  for (const [f, words] of [
    ["audit.md", ["Generated", "Commit", "Stack file", "Tool"]],
    ["runbook.md", ["Generated", "Commit", "Stack file", "Tool"]],
    ["audit.de.md", ["Erzeugt", "Commit", "Stack-Datei", "Werkzeug"]],
    ["runbook.de.md", ["Erzeugt", "Commit", "Stack-Datei", "Werkzeug"]],
  ] as const) {
    const md = fs.readFileSync(path.join(out, "kaffee-klein", f), "utf8");
    assert.ok(md.includes(`- ${words[0]}: ${when}`), `${f}: time`);
    assert.ok(md.includes(`- ${words[1]}: ${head}`), `${f}: commit`);
    assert.ok(md.includes(`- ${words[2]}: stacks/Pulumi.kaffee-klein.yaml (sha256 ${sha})`), `${f}: stack file`);
    assert.ok(md.includes(`- ${words[3]}: shop-hosting-blueprint ${version}`), `${f}: tool`);
  }
});

/**
 * English words that have no place in a German report. Stack-file values (names, comments, rule
 * descriptions), commands, code spans, paths, keys and resource names are removed first: they are
 * the customer's or the machine's words, not the report's.
 */
const ENGLISH = new Set(
  ("the and is are were not none set unset for from with without to of by via every each this that these which has have had only all " +
    "after before open declared missing unknown goes pending rollback shared dedicated holds expected retained enabled disabled must " +
    "should needs need there their its it be been at when then until where what who how lists nobody nothing found allowed replace change " +
    "evidence findings pass fail waived mandatory advisory cost month total item prices price warning generated tool servers " +
    "backups schedules retention files roles users user key keys expires expiry note reboot slots automatic order " +
    "restore database promote promotion owner agency contacts phone email load balancer " +
    "seconds minutes hourly daily weekly monthly yes no on off any alert alerts").split(" "),
);
// Words both languages share, or names the operators use as they are.
const SHARED = new Set(["host", "hosts", "server", "webhook", "webhooks", "snapshot", "snapshots", "shop", "down", "up", "primary", "replica", "failover", "commit", "stack"]);

function englishWords(md: string, stackFile: string): string[] {
  let text = md.replace(/```[\s\S]*?```/g, " ").replace(/`[^`]*`/g, " ");
  const values: string[] = [];
  const collect = (v: unknown) => {
    if (typeof v === "string") values.push(v);
    else if (v && typeof v === "object") Object.values(v).forEach(collect);
  };
  collect(parse(fs.readFileSync(stackFile, "utf8")));
  // Names, comments and descriptions (words with a space or a capital); slugs stay, inside their identifiers.
  for (const v of values.sort((a, b) => b.length - a.length)) if (v.length > 2 && /[\sA-Z]/.test(v)) text = text.split(v).join(" ");
  text = text.replace(/https?:\/\/\S+/g, " ").replace(/\b(pulumi (up|preview)|Health Checks|Load Balancers|Cloudflare Notifications)\b/g, " ");
  const words = text
    .split(/[\s|*,;()"'→≈×+–—<>[\]{}!?%€$#]+/)
    .map((w) => w.replace(/[:.]+$/, ""))
    // Identifiers (demo-app-1, shop:dns.target, users.json, /etc/…, --rollback) are the machine's words.
    .filter((w) => !/[._@:/=\d]/.test(w) && !/^[a-z]+(-[a-z]+)+$/.test(w) && !/^--[a-z-]+$/.test(w))
    .flatMap((w) => w.split("-"))
    .filter((w) => /^[A-Za-zÄÖÜäöüß]+$/.test(w));
  return [...new Set(words.filter((w) => ENGLISH.has(w.toLowerCase()) && !SHARED.has(w.toLowerCase())))];
}

test("audit --all: every committed stack, marked as an example, its placeholders failing exactly the rows they touch; German reports hold no English sentence", (t) => {
  const out = tempDir(t);
  const r = scriptCli("audit", ["--all", "--out", out, "--format", "json"]);
  const { stacks, invalid } = JSON.parse(r.stdout) as { stacks: PortfolioRow[]; invalid: unknown[] };
  assert.deepEqual(invalid, []);
  assert.deepEqual(stacks.map((s) => s.stack), allStacks());
  for (const s of stacks) {
    assert.ok(s.eurMonth > 0, `${s.stack} has no cost`);
    assert.equal(s.pass + s.waived + s.fail, checklistRules.length);
    assert.ok(s.placeholders > 0, `${s.stack} is an example stack: its placeholders are counted`);
    const mandatory = touched(s.stack).filter((id) => checklistRules.find((x) => x.id === id)!.level === "mandatory");
    assert.deepEqual([...s.mandatoryFailed].sort(), mandatory, `${s.stack} fails exactly what its placeholders touch`);
    // The header says it is an example, so nobody copies its values as real ones.
    assert.match(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${s.stack}.yaml`), "utf8").split("\n")[0], /^# EXAMPLE stack/);
    for (const f of ["audit.de.md", "runbook.de.md"]) {
      const md = fs.readFileSync(path.join(out, s.stack, f), "utf8");
      assert.deepEqual(englishWords(md, path.join(STACKS_DIR, `Pulumi.${s.stack}.yaml`)), [], `${s.stack}/${f} has English words`);
    }
  }
  assert.equal(r.status, 1, "example stacks fail, so the portfolio exits 1");
  const table = renderPortfolio(stacks, "de");
  for (const s of stacks) assert.match(table, new RegExp(`^\\| ${s.stack} \\| ${s.customer} \\| Produktion \\| \\*\\*${s.placeholders}\\*\\* \\|`, "m"));
  assert.match(table, /Platzhalter: .* enthalten Beispielwerte/);
  assert.match(table, /EUR\/Monat/);
});

test("the word list catches English in a German report", () => {
  const stack = path.join(STACKS_DIR, "Pulumi.demo.yaml");
  assert.deepEqual(englishWords("- traffic goes to the load balancer (cut over)\n- Heartbeat nicht gesetzt", stack).sort(), ["balancer", "goes", "load", "the", "to"]);
  assert.deepEqual(englishWords("- Ops Rotation, `heartbeat not set`\n```sh\nfor i in $(seq 90); do curl; done\n```", stack), []);
});

test("a worker that plans several stacks in one process writes exactly what a single audit writes", (t) => {
  const single = tempDir(t);
  const batch = tempDir(t);
  assert.equal(scriptCli("audit", ["--stack", "demo", "--out", single, "--format", "json"]).status, 1);
  // demo runs after alpenhaus in the same process: nothing of alpenhaus may leak into it.
  const r = scriptCli("audit", ["--batch", "alpenhaus,demo", "--out", batch]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { stack: string; report?: AuditReport });
  assert.deepEqual(lines.map((l) => l.stack), ["alpenhaus", "demo"]);
  for (const f of ["plan.json", "audit.json", "audit.md", "audit.de.md", "runbook.md", "runbook.de.md", "hosts/demo-db-2/bundle.json"])
    assert.equal(fs.readFileSync(path.join(batch, "demo", f), "utf8"), fs.readFileSync(path.join(single, "demo", f), "utf8"), f);
});
