import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { scriptCli, withRealValues, writeDemoVariant } from "../helpers/checklist";
import { tempDir } from "../helpers/tools";

const commands: { script: string; options: string[] }[] = [
  { script: "plan", options: ["--stack", "--file", "--out", "--diff"] },
  { script: "audit", options: ["--stack", "--file", "--all", "--lang", "--format", "--out", "--stacks-dir"] },
  { script: "new-customer", options: ["--domain", "--profile", "--from", "--zone-id", "--admin-cidr", "--stacks-dir"] },
  { script: "lab", options: ["--stack"] },
  { script: "adopt", options: ["--stack", "--file", "--records", "--rulesets", "--online", "--out"] },
  { script: "status", options: ["--stack", "--json", "--hosts", "--lab", "--user", "--key"] },
  { script: "backup", options: ["--stack", "--now", "--kind", "--report", "--hosts", "--lab", "--user", "--key"] },
  { script: "verify-hosts", options: ["--stack", "--out", "--hosts", "--lab", "--user", "--key"] },
  { script: "cutover", options: ["--stack", "--rollback", "--to", "--review", "--resolve", "--hosts", "--resolvers", "--timeout", "--lab", "--report"] },
];

for (const { script, options } of commands)
  test(`${script}: --help and -h print one line per option; an unknown option says so`, () => {
    for (const flag of ["--help", "-h"]) {
      const r = scriptCli(script, [flag]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^usage: /);
      const lines = r.stdout.split("\n");
      for (const o of options) {
        const mine = lines.filter((l) => new RegExp(`^  ${o}\\b`).test(l));
        assert.equal(mine.length, 1, `${script} ${flag}: one line for ${o}`);
        assert.match(mine[0], /\S {2,}\S/, `${script} ${flag}: ${o} says what it does`);
      }
      assert.ok(lines.some((l) => /^ {2}-h, --help/.test(l)));
    }
    // Last on the line, an unknown option used to read as a known one missing its value.
    const r = scriptCli(script, ["--bogus"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^error: unknown option --bogus/);
    assert.doesNotMatch(r.stderr, /needs a value/);
  });

test("an unquoted phone such as 0171 … is read as a number by YAML: the error says to quote it", (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "Pulumi.phone.yaml");
  const text = fs.readFileSync(path.join(__dirname, "..", "..", "stacks", "Pulumi.demo.yaml"), "utf8").replace("phone: +49 30 1234567", "phone: 0171");
  fs.writeFileSync(file, text);
  const r = scriptCli("plan", ["--file", file, "--out", path.join(dir, "out")]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^error: shop:contacts\.owner\.phone: found 171; allowed: text: YAML read the unquoted value as the number 171; put the value in quotes/m);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
});

test("plan ends with what it wrote, the audit's one-line result and the next step; --diff shows the effect of an edit", (t) => {
  const dir = tempDir(t);
  const out = path.join(dir, "out");
  const file = writeDemoVariant(dir, "shop", withRealValues);
  const first = scriptCli("plan", ["--file", file, "--out", out, "--diff"]);
  assert.equal(first.status, 0, first.stderr);
  const ending = first.stdout.trimEnd().split("\n").slice(-3);
  assert.match(ending[0], /^Wrote .*shop\/: plan\.json, audit\.md, audit\.de\.md, audit\.json, runbook\.md, runbook\.de\.md and \d+ host files for 4 hosts\.$/);
  assert.match(ending[1], /^Audit: \d+ pass, 0 waived, 0 fail\. No mandatory item fails\.$/);
  assert.match(ending[2], /^Next: pulumi preview --stack shop --policy-pack policy, then pulumi up/);
  assert.match(first.stdout, /Changes: no earlier plan of this stack/);

  const same = scriptCli("plan", ["--file", file, "--out", out, "--diff"]);
  assert.match(same.stdout, /Changes since the last plan \(.*\):\n {2}none: the same resources, inputs and host files/);

  // An edit: one more app node, a DB-only extra rule, a PHP setting.
  const config = JSON.parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
  config.config["shop:appNodes"] = 3;
  config.config["shop:firewall"] = { extraRules: [{ description: "BI reads the replica", protocol: "tcp", port: "3306", sourceIps: ["85.215.10.10/32"], roles: ["db"] }] };
  config.config["shop:php"] = { memoryLimit: "1024M" };
  fs.writeFileSync(file, JSON.stringify(config));
  const r = scriptCli("plan", ["--file", file, "--out", out, "--diff"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ {2}\+ create {2}hcloud:index\/server:Server {2}shop-app-3$/m);
  assert.match(r.stdout, /^ {2}~ change {2}hcloud:index\/firewall:Firewall {2}shop-db-fw\n(?: {6}.*\n)*? {6}rules\[\d+\]\.port: \(none\) → "3306"$/m);
  assert.doesNotMatch(r.stdout, /~ change {2}hcloud:index\/firewall:Firewall {2}shop-app-fw/, "the DB-only rule leaves the app firewall alone");
  assert.doesNotMatch(r.stdout, /~ change {2}hcloud:index\/server:Server/, "no Server input changes (D2)");
  const hostBlock = (host: string) => new RegExp(`^ {2}${host}:\\n((?: {4}[+~-] .*\\n)+)`, "m").exec(r.stdout)?.[1] ?? "";
  assert.match(hostBlock("shop-app-1"), /~ \/etc\/php\/8\.4\/fpm\/conf\.d\/90-shop\.ini/);
  assert.match(hostBlock("shop-db-1"), /~ \/etc\/nftables\.conf/);
  assert.doesNotMatch(hostBlock("shop-db-1"), /90-shop\.ini/, "DB hosts get no PHP change");
  assert.match(hostBlock("shop-app-3"), /\+ user-data\.yaml/);
});
