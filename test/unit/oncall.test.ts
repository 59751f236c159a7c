import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { evaluateChecklist } from "../../components/checklist";
import { isDbNode } from "../../components/config";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { FAILED_UNITS, HostSnapshot, newMark, parseSections, sectionScript } from "../../scripts/lib/oncall/collect";
import { renderStatus, statusReport } from "../../scripts/lib/oncall/status";
import type { PublicCheck } from "../../scripts/lib/oncall/publicCheck";
import { latestVerification, verifyCommands, verifyRecord, writeVerifyRecord } from "../../scripts/lib/oncall/verify";
import { writePlanDir } from "../../scripts/lib/writePlan";
import { contextOf, demoPlan, demoSpec, row, scriptCli } from "../helpers/checklist";
import { run, tempDir } from "../helpers/tools";

const NOW = new Date("2026-12-03T12:00:00Z");
const now = NOW.getTime() / 1000;

function item(key: string, group: string, status: "ok" | "warning" | "critical", summary: string, value: unknown = null, threshold: unknown = null, lastAlert: { status: string; at: number } | null = null) {
  return { key, group, status, summary, value, threshold, lastAlert };
}

/** A host's answers as the real shell frames them: the section script runs in bash here, not over SSH. */
function snapshot(host: string, commands: { name: string; command: string }[]): HostSnapshot {
  const mark = newMark();
  const r = run("bash", ["-c", sectionScript(commands, mark)]);
  return { host, reachable: true, seconds: 0.1, sections: parseSections(r.stdout, commands, mark) };
}

/** `db`: the DB node's answer, "writable" (the primary) or "read-only". */
const healthyItems = (db?: "writable" | "read-only") => [
  item("load1", "load", "ok", "load1 per core 0.10 (limit 4)", 0.1, 4),
  item("load5", "load", "ok", "load5 per core 0.05 (limit 3)", 0.05, 3),
  item("load15", "load", "ok", "load15 per core 0.01 (limit 2)", 0.01, 2),
  item("disk:/", "disk", "ok", "disk / 41.0% used (limit 90%)", 41, 90),
  item("memory", "memory", "ok", "memory 30.0% used (limit 90%)", 30, 90),
  item("backup_age:db", "backup_age", "ok", "backup db: last success 12 min ago (limit 90 min)", 720, 5400),
  ...(db ? [item("database", "database", "ok", `MariaDB 10.11.14, ${db === "writable" ? "primary" : "replica"}, ${db}, GTID 0-1-9`, db, db)] : []),
];

function healthSection(items: unknown[]) {
  return `printf '%s\\n' ${JSON.stringify(JSON.stringify({ host: "h", at: now, items }))}`;
}

const okCheck: PublicCheck = { url: "https://shop.example.com/api/_info/health-check", status: 200, ms: 40, servedBy: "demo-app-1", certificate: { validTo: "2027-03-01T00:00:00.000Z", days: 88 }, error: null };

test("sections survive any output: exit status per command, stderr kept, a marker-like line inside output is text", () => {
  const commands = [
    { name: "one", command: "echo hello; echo oops >&2" },
    { name: "two", command: "printf 'no newline'; exit 3" },
    { name: "three", command: "echo '@@shop-section-rc 9'; echo '@@shop-section-0000000000000000 two'" },
  ];
  const s = snapshot("h", commands).sections;
  assert.deepEqual(s.map((x) => [x.name, x.status]), [["one", 0], ["two", 3], ["three", 0]]);
  assert.equal(s[0].output, "hello\noops");
  assert.equal(s[1].output, "no newline");
  assert.equal(s[2].output, "@@shop-section-rc 9\n@@shop-section-0000000000000000 two", "output cannot fake a frame");
  assert.throws(() => sectionScript([{ name: "x; rm -rf /", command: "true" }], newMark()), /a-z and - only/);
});

test("status: green when every host and the shop are fine; the screen names every host", () => {
  const spec = demoSpec();
  const snaps = spec.nodes.map((n) =>
    snapshot(n.name, [
      { name: FAILED_UNITS.name, command: "true" },
      { name: "health", command: healthSection(healthyItems(n.roles.includes("app") ? undefined : n.roles.includes("db-primary") ? "writable" : "read-only")) },
    ]),
  );
  const r = statusReport(spec, snaps, okCheck, NOW, false);
  assert.equal(r.level, "green", JSON.stringify(r.hosts.map((h) => h.problems)));
  const screen = renderStatus(r, false);
  for (const n of spec.nodes) assert.match(screen, new RegExp(`^${n.name} +ok +0\\.10 0\\.05 0\\.01 /core \\(limit 4 3 2\\) +/ 41% +30% +0 +db 12 min ago +none sent$`, "m"));
  assert.match(screen, /^status demo at 2026-12-03 12:00:00 UTC: ok$/m);
  assert.match(screen, /certificate 88 days left/);
  assert.match(screen, /^findings: none$/m);
});

test("status: red for an unreachable host, a failed unit, a critical item, a non-200 shop; yellow for a warning or a certificate near its end", () => {
  const spec = demoSpec();
  const [a, b, c, d] = spec.nodes;
  const snaps: HostSnapshot[] = [
    { host: a.name, reachable: false, error: "ssh: connect to host 203.0.113.20 port 22: Connection timed out", seconds: 10, sections: [] },
    snapshot(b.name, [
      { name: FAILED_UNITS.name, command: "echo 'shop-consumer@1.service loaded failed failed Shop consumer'" },
      { name: "health", command: healthSection(healthyItems()) },
    ]),
    snapshot(c.name, [
      { name: FAILED_UNITS.name, command: "true" },
      { name: "health", command: healthSection([...healthyItems(), item("database", "database", "critical", "MariaDB 10.11, replica, writable: not the primary but writable", null, null, { status: "critical", at: now - 600 })]) },
    ]),
    snapshot(d.name, [
      { name: FAILED_UNITS.name, command: "true" },
      { name: "health", command: healthSection([...healthyItems(), item("security_updates", "updates", "warning", "3 security update(s) pending")]) },
    ]),
  ];
  const r = statusReport(spec, snaps, { ...okCheck, status: 503 }, NOW, false);
  assert.equal(r.level, "red");
  assert.deepEqual(r.hosts.map((h) => h.level), ["red", "red", "red", "yellow"]);
  assert.match(r.hosts[0].problems[0].what, /unreachable over SSH: .*timed out/);
  assert.ok(r.hosts[1].problems.some((p) => p.what === "unit shop-consumer@1.service failed"));
  assert.equal(r.hosts[2].lastAlert, "2026-12-03 11:50 UTC database (critical)");
  assert.match(r.shop.problems[0].what, /answered 503, not 200/);
  const screen = renderStatus(r, false);
  assert.match(screen, /: RED$/m);
  assert.ok(screen.indexOf("RED  shop:") < screen.indexOf("WARN " + d.name), "red findings first");
  const nearEnd = statusReport(spec, snaps.slice(3), { ...okCheck, certificate: { validTo: "2026-12-10T00:00:00.000Z", days: 7 } }, NOW, false);
  assert.equal(nearEnd.shop.level, "yellow");
  assert.equal(statusReport(spec, snaps.slice(3), { ...okCheck, certificate: { validTo: "2026-11-30T00:00:00.000Z", days: -3 } }, NOW, false).level, "red");
  assert.equal(statusReport(spec, snaps.slice(3), { ...okCheck, certificate: null }, NOW, false).shop.level, "red", "HTTPS without a certificate");
  assert.equal(statusReport(spec, snaps.slice(3), { ...okCheck, certificate: null }, NOW, true).shop.level, "green", "the lab's plain-HTTP LB");
  // A host whose checks cannot be read is red, not silently green.
  const noSudo = snapshot(a.name, [{ name: FAILED_UNITS.name, command: "true" }, { name: "health", command: "echo 'sudo: a password is required' >&2; exit 1" }]);
  assert.match(statusReport(spec, [noSudo], okCheck, NOW, false).hosts[0].problems[0].what, /checks could not be read: .*exit 1: sudo: a password is required/);
});

test("verify-hosts: commands per role; a failed command, a failed unit, a writable replica or another release than the stack's fail the host; the record is stored and read back as OPS-3 evidence", (t) => {
  const spec = demoSpec();
  const app = spec.nodes.find((n) => n.roles.includes("app"))!;
  const db = spec.nodes.find((n) => n.roles.includes("db-replica"))!;
  assert.ok(verifyCommands(app).some((c) => c.command === "php -v") && !verifyCommands(app).some((c) => c.name === "mariadb"));
  assert.ok(verifyCommands(db).some((c) => c.command === "mariadb --version") && !verifyCommands(db).some((c) => c.name === "php"));
  const good = spec.nodes.map((n) =>
    snapshot(n.name, [
      { name: "uname", command: "echo 'Linux host 6.12.57+deb13-amd64 #1 SMP Debian 6.12.57-1 x86_64 GNU/Linux'" },
      { name: "os", command: "echo VERSION_CODENAME=trixie" },
      ...(n.roles.includes("app") ? [{ name: "php", command: "echo 'PHP 8.4.27 (cli) (built: Nov  3 2026)'" }] : []),
      ...(isDbNode(n) ? [{ name: "mariadb", command: "echo 'mariadb from 11.8.9-MariaDB, client 15.2 for debian-linux-gnu (x86_64)'" }] : []),
      { name: "df", command: "df -h /" },
      { name: "failed-units", command: "true" },
      { name: "health", command: healthSection(healthyItems()) },
    ]),
  );
  const passed = verifyRecord(spec, good, NOW);
  assert.ok(passed.ok, JSON.stringify(passed.hosts.map((h) => h.problems)));
  assert.equal(passed.hosts.find((h) => h.host === app.name)!.php, "PHP 8.4.27");
  const bad = [...good];
  bad[0] = snapshot(spec.nodes[0].name, [{ name: "uname", command: "true" }, { name: "php", command: "echo 'php: command not found'; exit 127" }, { name: "failed-units", command: "echo 'nginx.service loaded failed failed'" }, { name: "health", command: healthSection(healthyItems()) }]);
  bad[1] = snapshot(spec.nodes[1].name, [{ name: "uname", command: "echo Linux" }, { name: "failed-units", command: "true" }, { name: "health", command: healthSection([item("database", "database", "critical", "replica but writable"), item("replication", "replication", "critical", "replication stopped (IO No, SQL No)")]) }]);
  const failed = verifyRecord(spec, bad, new Date(NOW.getTime() + 60_000));
  assert.equal(failed.ok, false);
  assert.ok(failed.hosts[0].problems.some((p) => /exit 127: php: command not found/.test(p)) && failed.hosts[0].problems.includes("unit nginx.service failed") && failed.hosts[0].problems.some((p) => /printed nothing/.test(p)));
  assert.deepEqual(failed.hosts[1].problems, ["replica but writable", "replication stopped (IO No, SQL No)"]);
  // A host still on debian-12 in a debian-13 stack (an image changed outside the blueprint, say).
  const stale = [...good];
  stale[0] = snapshot(app.name, [{ name: "uname", command: "echo Linux" }, { name: "os", command: "echo VERSION_CODENAME=bookworm" }, { name: "php", command: "echo 'PHP 8.2.29 (cli)'" }, { name: "failed-units", command: "true" }, { name: "health", command: healthSection(healthyItems()) }]);
  const dbIndex = spec.nodes.findIndex((n) => isDbNode(n));
  stale[dbIndex] = snapshot(spec.nodes[dbIndex].name, [{ name: "uname", command: "echo Linux" }, { name: "mariadb", command: "echo 'mariadb  Ver 15.1 Distrib 10.11.14-MariaDB'" }, { name: "failed-units", command: "true" }, { name: "health", command: healthSection(healthyItems()) }]);
  const mixed = verifyRecord(spec, stale, NOW);
  assert.deepEqual(mixed.hosts[0].problems, [
    "runs Debian bookworm; the stack declares shop:image debian-13 (trixie: PHP 8.4, MariaDB 11.8)",
    "runs PHP 8.2; the stack declares shop:image debian-13 (trixie: PHP 8.4, MariaDB 11.8)",
  ]);
  assert.deepEqual(mixed.hosts[dbIndex].problems, ["runs MariaDB 10.11; the stack declares shop:image debian-13 (trixie: PHP 8.4, MariaDB 11.8)"]);

  const dir = tempDir(t, "shop-verify-");
  writeVerifyRecord(dir, passed);
  writeVerifyRecord(dir, failed);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["2026-12-03T12-00-00Z.json", "2026-12-03T12-00-00Z.md", "2026-12-03T12-01-00Z.json", "2026-12-03T12-01-00Z.md"]);
  assert.match(fs.readFileSync(path.join(dir, "2026-12-03T12-01-00Z.md"), "utf8"), /## demo-app-1: problems/);
  const latest = latestVerification(dir, spec)!;
  assert.equal(latest.file, "2026-12-03T12-01-00Z.json", "the newest record");
  const ctx = { ...contextOf(demoPlan().resources, spec), verification: latest };
  const ops3 = row(evaluateChecklist(ctx), "OPS-3");
  assert.equal(ops3.status, "fail");
  assert.match(ops3.problems.map((p) => p.en).join("\n"), /demo-app-1 failed verify-hosts at 2026-12-03T12:01:00.000Z: .*unit nginx.service failed/);
  assert.match(ops3.evidence.map((e) => e.en).join("\n"), /hosts verified by npm run verify-hosts at 2026-12-03T12:01:00.000Z \(out\/demo\/verify\/2026-12-03T12-01-00Z.json\)/);
  fs.rmSync(path.join(dir, "2026-12-03T12-01-00Z.json"));
  const ok = row(evaluateChecklist({ ...ctx, verification: latestVerification(dir, spec) }), "OPS-3");
  assert.equal(ok.status, "pass", ok.problems.map((p) => p.en).join("\n"));
  assert.match(ok.evidence.map((e) => e.en).join("\n"), /demo-app-1: ok \(Linux host 6\.12\.57\+deb13-amd64, PHP 8\.4\.27\)/);
  assert.match(row(evaluateChecklist(contextOf(demoPlan().resources, spec)), "OPS-3").evidence.map((e) => e.en).join("\n"), /no host verification recorded: run npm run verify-hosts -- --stack demo/);
});

test("a tampered verification record is ignored, not quoted: unknown host, control characters, not JSON", (t) => {
  const spec = demoSpec();
  const dir = tempDir(t, "shop-verify-");
  const record = (hosts: unknown) => JSON.stringify({ stack: "demo", at: "2026-12-03T12:00:00.000Z", ok: true, hosts });
  const host = (h: Record<string, unknown>) => ({ host: spec.nodes[0].name, ok: true, kernel: "Linux x 6.1", php: null, problems: [], ...h });
  for (const [i, text] of [
    record([host({ host: "../../etc" })]),
    record([host({ kernel: "Linux \u001b[2J" })]),
    record([host({ problems: ["a\nb"] })]),
    "{not json",
  ].entries()) {
    fs.writeFileSync(path.join(dir, `2026-12-0${i + 4}T00-00-00Z.json`), text);
    assert.equal(latestVerification(dir, spec), undefined, text);
  }
  fs.writeFileSync(path.join(dir, "2027-01-01T00-00-00Z.json.tmp"), record([host({})]));
  assert.equal(latestVerification(dir, spec), undefined, "a half-written record does not count");
});

test("a plan keeps out/<stack>/verify/ when it replaces the stack's directory", (t) => {
  const out = tempDir(t, "shop-out-");
  writePlanDir(out, "demo", new Map([["plan.json", "{}\n"]]));
  fs.mkdirSync(path.join(out, "demo", "verify"));
  fs.writeFileSync(path.join(out, "demo", "verify", "2026-12-03T12-00-00Z.json"), "{}");
  fs.mkdirSync(path.join(out, "demo", "cutover"));
  fs.writeFileSync(path.join(out, "demo", "cutover", "2026-12-03T12-00-00.000Z.json"), "{}");
  writePlanDir(out, "demo", new Map([["plan.json", "{\"again\":1}\n"]]));
  assert.equal(fs.readFileSync(path.join(out, "demo", "plan.json"), "utf8"), "{\"again\":1}\n");
  assert.ok(fs.existsSync(path.join(out, "demo", "verify", "2026-12-03T12-00-00Z.json")));
  assert.ok(fs.existsSync(path.join(out, "demo", "cutover", "2026-12-03T12-00-00.000Z.json")));
});

test("the readonly role may run exactly shop-health --report through sudo, and visudo accepts it", (t) => {
  const spec = demoSpec();
  const files = renderHostBundle(spec, spec.nodes[0]).files;
  const sudoers = files.find((f) => f.path === "/etc/sudoers.d/shop-readonly")!.content;
  assert.match(sudoers, /, \/usr\/local\/sbin\/shop-health --report$/m);
  const dir = tempDir(t, "shop-sudoers-");
  fs.writeFileSync(path.join(dir, "shop-readonly"), sudoers);
  const r = run("visudo", ["-c", "-f", path.join(dir, "shop-readonly")]);
  if (r.status === 127 && process.env.CI !== "true") return t.skip("visudo missing");
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const health = JSON.parse(files.find((f) => f.path === "/etc/shop/health.json")!.content);
  assert.equal(health.databaseRole, null, "an app node has no database role");
  const dbHealth = (n: (typeof spec.nodes)[number]) => JSON.parse(renderHostBundle(spec, n).files.find((f) => f.path === "/etc/shop/health.json")!.content).databaseRole;
  assert.deepEqual(spec.nodes.filter((n) => !n.roles.includes("app")).map(dbHealth).sort(), ["primary", "replica"]);
});

test("on-call CLIs: bad input gets one error line naming the option, the value and what is allowed, and reaches no host", () => {
  const cases: [string, string[], RegExp][] = [
    ["backup", ["--stack", "demo", "--kind", "db,logs"], /^error: --kind: found "db,logs"; allowed: a comma-separated list of db, files, media$/m],
    ["status", ["--stack", "demo", "--lab", "--user", "x"], /^error: --lab brings its own hosts, user and key; drop --hosts, --user and --key$/m],
    ["verify-hosts", ["--stack", "../etc"], /^error: .*stack/m],
    ["status", ["--stack", "demo", "--hosts", "/nonexistent/hosts.json"], /^error: --hosts: \/nonexistent\/hosts.json does not exist/m],
    ["backup", ["--stack", "demo", "--hosts", "/dev/null"], /^error: \/dev\/null: not JSON/m],
  ];
  for (const [script, args, expected] of cases) {
    const r = scriptCli(script, args);
    assert.equal(r.status, 1, `${script} ${args.join(" ")}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, expected, `${script} ${args.join(" ")}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  }
});

test("status judges a DB node by the stack file too: an old primary that was unreachable at the failover and came back writable is red", () => {
  const spec = demoSpec();
  const [oldPrimary, promoted] = [spec.nodes.find((n) => n.roles.includes("db-primary"))!, spec.nodes.find((n) => n.roles.includes("db-replica"))!];
  // After the failover the stack file names db-2 the primary and db-1 out of service.
  const after = { ...spec, database: { outOfService: [oldPrimary.name] } };
  after.nodes = spec.nodes.map((n) => (n === oldPrimary ? { ...n, roles: ["db-replica" as const] } : n === promoted ? { ...n, roles: ["db-primary" as const] } : n));
  // Its own files still say primary, so its own check is content.
  const stale = snapshot(oldPrimary.name, [
    { name: FAILED_UNITS.name, command: "true" },
    { name: "health", command: healthSection([...healthyItems(), item("database", "database", "ok", "MariaDB 10.11.18, primary, writable, GTID 0-1-40", "writable", "writable")]) },
  ]);
  const r = statusReport(after, [stale], okCheck, NOW, false);
  assert.equal(r.level, "red");
  assert.match(r.hosts[0].problems.map((p) => p.what).join("\n"), /writable, but the stack file makes it out-of-service: its own files are stale/);
  assert.equal(statusReport(spec, [stale], okCheck, NOW, false).level, "green", "before the failover the same answer is right");
});
