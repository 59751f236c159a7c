import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { ConfigError, ShopSpec } from "../../components/config";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { editedStackSpec } from "../helpers/stacks";
import { requireTool, run, tempDir } from "../helpers/tools";

/**
 * Boundary values of the keys whose values a host tool reads: each accepted one is rendered
 * and the rendered file (or the exact value in it) goes through that tool; each refused one is
 * shown to be refused by validation and, where the tool itself rejects it, by the tool too, so
 * the schema is neither looser nor (silently) stricter than the host.
 */

function accepted(edit: (raw: Record<string, any>) => void): ShopSpec {
  return editedStackSpec("demo", edit).spec;
}

function refusedKey(edit: (raw: Record<string, any>) => void): string[] {
  try {
    editedStackSpec("demo", edit);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => p.path);
    throw err;
  }
  assert.fail("the edit was accepted");
}

function fileOf(spec: ShopSpec, host: string, filePath: string): string {
  const node = spec.nodes.find((n) => n.name === host)!;
  const f = renderHostBundle(spec, node).files.find((x) => x.path === filePath);
  assert.ok(f, `${host} has no ${filePath}`);
  return f.content;
}

const CALENDAR_OK = ["hourly", "daily", "weekly", "monthly", "*-*-* 00:00", "*-*-* 23:59:59", "Sun *-*-* 04:00:00", "Mon..Fri *-*-* 02:00", "Sat,Sun *-*-* 0:0", "*-*-* *:0/15", "*-*-1 03:00", "*-*-31 03:00", "*-*-* 1,13:30"];
/** Refused, and refused by systemd-analyze as well. */
const CALENDAR_BAD = ["*-*-99 00:00", "*-*-0 00:00", "*-*-* 24:00", "*-*-* 1:60", "*-*-* 02:30:61", "Monxyz *-*-* 01:00", "*-*-* 5..3:00"];

test("OnCalendar: every accepted boundary renders a timer line that systemd-analyze calendar accepts", (t) => {
  if (!requireTool(t, "systemd-analyze")) return;
  for (const expr of CALENDAR_OK) {
    const spec = accepted((raw) => (raw.backup = { ...raw.backup, checkSchedule: expr }));
    const timer = fileOf(spec, "demo-db-2", "/etc/systemd/system/shop-backup-check.timer");
    const line = /^OnCalendar=(.*)$/m.exec(timer)?.[1];
    assert.equal(line, expr);
    const r = run("systemd-analyze", ["calendar", line!]);
    assert.equal(r.status, 0, `${expr}: ${r.stderr}`);
  }
});

test("OnCalendar: refused boundaries name the key, and systemd-analyze rejects them too", (t) => {
  if (!requireTool(t, "systemd-analyze")) return;
  for (const expr of CALENDAR_BAD) {
    assert.deepEqual(refusedKey((raw) => (raw.backup = { ...raw.backup, checkSchedule: expr })), ["shop:backup.checkSchedule"], expr);
    assert.notEqual(run("systemd-analyze", ["calendar", expr]).status, 0, `systemd accepts ${expr}, so refusing it is stricter than the host`);
  }
});

const PORTS_OK = ["1", "65535", "1-65535", "1-2", "8000-8100", "any"];
const SOURCES_OK = ["10.0.0.0/8", "2001:db8::/32", "2a01::/16", "::ffff:198.51.100.0/120", "198.51.100.7/32", "0.0.0.0/8"];

test("firewall ports and sources: every accepted boundary renders an nftables.conf that nft -c loads", (t) => {
  if (!requireTool(t, "nft")) return;
  const dir = tempDir(t);
  for (const [i, port] of PORTS_OK.entries()) {
    const source = SOURCES_OK[i % SOURCES_OK.length];
    const spec = accepted((raw) => (raw.firewall = { extraRules: [{ description: "boundary", protocol: "tcp", port, sourceIps: [source] }] }));
    const conf = fileOf(spec, "demo-app-1", "/etc/nftables.conf");
    assert.ok(conf.includes(port === "any" ? "meta l4proto tcp" : `tcp dport ${port}`), `${port} is in the ruleset`);
    const file = path.join(dir, `nft-${i}.conf`);
    fs.writeFileSync(file, conf);
    const r = run("nft", ["-c", "-f", file]);
    assert.equal(r.status, 0, `port ${port}, source ${source}: ${r.stderr}`);
  }
});

test("firewall ports: refused boundaries name the key; those nft itself rejects are rejected by nft -c too", (t) => {
  if (!requireTool(t, "nft")) return;
  const dir = tempDir(t);
  // 0 and a one-port range pass nft but not the Hetzner API (ports 1–65535, ascending ranges).
  for (const port of ["0", "65536", "100-1", "100-100", "0080", "99999"]) {
    assert.deepEqual(refusedKey((raw) => (raw.firewall = { extraRules: [{ description: "boundary", protocol: "tcp", port, sourceIps: ["198.51.100.7/32"] }] })), ["shop:firewall.extraRules[0].port"], port);
  }
  for (const port of ["65536", "99999"]) {
    const file = path.join(dir, "bad.conf");
    fs.writeFileSync(file, `table inet t {\n  chain c {\n    type filter hook input priority 0;\n    tcp dport ${port} accept\n  }\n}\n`);
    assert.notEqual(run("nft", ["-c", "-f", file]).status, 0, `nft accepts port ${port}`);
  }
});

test("PHP sizes: every accepted boundary renders a 90-shop.ini that php -n reads back unchanged, without a warning", (t) => {
  if (!requireTool(t, "php")) return;
  const dir = tempDir(t);
  for (const [memoryLimit, uploadMaxFilesize] of [["128M", "1M"], ["65536M", "128M"], ["768M", "127M"], ["129M", "128M"]]) {
    const spec = accepted((raw) => (raw.php = { memoryLimit, uploadMaxFilesize }));
    const file = path.join(dir, "php.ini");
    fs.writeFileSync(file, fileOf(spec, "demo-app-1", `/etc/php/${spec.os.php}/fpm/conf.d/90-shop.ini`));
    // Only the settings of this test: opcache.* belong to an extension that -n does not load.
    const ini = fs.readFileSync(file, "utf8").split("\n").filter((l) => !l.startsWith("opcache.")).join("\n");
    fs.writeFileSync(file, ini);
    const r = run("php", ["-n", "-c", file, "-r", 'echo ini_get("memory_limit"), " ", ini_get("upload_max_filesize"), " ", ini_get("post_max_size");']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${memoryLimit} ${uploadMaxFilesize} ${uploadMaxFilesize}`);
    assert.doesNotMatch(r.stdout + r.stderr, /Warning|Deprecated/);
  }
  for (const [memoryLimit, uploadMaxFilesize] of [["0M", "1M"], ["127M", "1M"], ["768M", "129M"], ["128M", "128M"], ["768M", "0M"], ["0768M", "1M"]])
    assert.ok(refusedKey((raw) => (raw.php = { memoryLimit, uploadMaxFilesize })).some((k) => k.startsWith("shop:php.")), `${memoryLimit}/${uploadMaxFilesize}`);
});

test("restic: the rendered CHECK_READ_DATA_SUBSET parses as restic's --read-data-subset; refused ones restic rejects too", (t) => {
  if (!requireTool(t, "restic")) return;
  const dir = tempDir(t);
  const check = (subset: string) =>
    // No repository exists: a valid flag gets as far as opening it, an invalid one stops at the flag.
    run("restic", ["-r", path.join(dir, "no-repo"), "--no-cache", "check", `--read-data-subset=${subset}`], { env: { ...process.env, RESTIC_PASSWORD: "x" } });
  for (const subset of ["1%", "5%", "99%", "100%"]) {
    const spec = accepted((raw) => (raw.backup = { ...raw.backup, checkReadDataSubset: subset }));
    const env = fileOf(spec, "demo-db-2", "/etc/shop/backup.env");
    const rendered = /^CHECK_READ_DATA_SUBSET='(.*)'$/m.exec(env)?.[1];
    assert.equal(rendered, subset);
    const r = check(rendered!);
    assert.doesNotMatch(r.stderr, /read-data-subset/, `${subset}: ${r.stderr}`);
    assert.match(r.stderr, /no-repo/, "restic went on to open the repository");
  }
  for (const subset of ["0%", "101%"]) {
    assert.deepEqual(refusedKey((raw) => (raw.backup = { ...raw.backup, checkReadDataSubset: subset })), ["shop:backup.checkReadDataSubset"]);
    assert.match(check(subset).stderr, /read-data-subset/, `restic accepts ${subset}`);
  }
});

test("user names: accepted boundaries pass useradd --user-group; names of existing groups are refused, as useradd refuses them", (t) => {
  if (!requireTool(t, "useradd")) return;
  if (process.getuid?.() !== 0) return t.skip("useradd --prefix needs root");
  // A copy of this machine's account files plus the groups the blueprint creates (users.ts,
  // sshd.ts): a stand-in for a host's /etc, so useradd's own rules decide.
  const prefix = tempDir(t);
  fs.mkdirSync(path.join(prefix, "etc"));
  for (const f of ["passwd", "group", "shadow", "gshadow", "login.defs"]) fs.copyFileSync(path.join("/etc", f), path.join(prefix, "etc", f));
  for (const g of ["shop-admin", "shop-deploy", "shop-readonly", "shop-ssh", "shop-managed"]) run("groupadd", ["-P", prefix, g]);
  const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBoundaryTestKeyOnlyForUseraddChecks0000000";
  const user = (name: string) => (raw: Record<string, any>) => (raw.users = [{ name, role: "readonly", sshKeys: [key] }]);
  for (const name of ["ab", "a_b-c", "z".repeat(31), "deploy1"]) {
    const spec = accepted(user(name));
    const declared = JSON.parse(fileOf(spec, "demo-app-1", "/etc/shop/users.json")) as { users: { name: string }[] };
    assert.equal(declared.users[0].name, name);
    const r = run("useradd", ["-P", prefix, "-M", "--user-group", name]);
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
  }
  for (const name of ["adm", "shop-admin", "shop-ssh", "sudo", "users"]) {
    assert.deepEqual(refusedKey(user(name)), ["shop:users[0].name"], name);
    const r = run("useradd", ["-P", prefix, "-M", "--user-group", name]);
    assert.notEqual(r.status, 0, `useradd accepts ${name}`);
    assert.match(r.stderr, /exists/);
  }
});
