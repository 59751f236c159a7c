import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { appNodes } from "../../components/config";
import { buildStandInRelease } from "../../scripts/lab/standins/shopware";
import { scriptCli } from "../helpers/checklist";
import { stackSpec } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

const spec = stackSpec("demo");

/** Every refusal: exit 1, lines that start with "error:", no stack trace, nothing sent to a host. */
function refused(args: string[], pattern: RegExp) {
  const r = scriptCli("deploy", args);
  assert.equal(r.status, 1, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.match(r.stderr, /^error: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  assert.doesNotMatch(r.stdout, /drain|upload/, "no step ran");
  return r;
}

test("deploy CLI: bad options and inputs get one clear line each and touch no host", (t) => {
  const dir = tempDir(t, "deploy-cli-");
  const hosts = path.join(dir, "hosts.json");
  // TEST-NET addresses: nothing may be sent there, and nothing is, because every case stops first.
  fs.writeFileSync(hosts, JSON.stringify({ hosts: appNodes(spec).map((n, i) => ({ name: n.name, publicIpv4: `192.0.2.${i + 1}` })) }));
  refused(["--stack", "demo"], /give exactly one of --release PATH, --rollback, --maintenance on\|off \(found none\)/);
  refused(["--stack", "demo", "--rollback", "--to", "../../etc"], /--to: found "\.\.\/\.\.\/etc"; allowed: 2-64 of/);
  refused(["--stack", "demo", "--rollback", "--keep", "1"], /--keep: found "1"; allowed: a number from 2 to 99/);
  refused(["--stack", "demo", "--maintenance", "maybe", "--hosts", hosts], /--maintenance: found "maybe"; allowed: on, off/);
  refused(["--stack", "demo", "--rollback", "--hosts", path.join(dir, "missing.json")], /--hosts: .*missing\.json does not exist/);
  refused(["--stack", "Pulumi....", "--rollback", "--hosts", hosts], /Pulumi\.\.\.\./);
  const badHosts = path.join(dir, "bad.json");
  fs.writeFileSync(badHosts, JSON.stringify([{ name: appNodes(spec)[0].name, publicIpv4: "$(reboot)" }]));
  const r = refused(["--stack", "demo", "--rollback", "--hosts", badHosts], /publicIpv4 is "\$\(reboot\)"; allowed: an IPv4 address/);
  assert.match(r.stderr, /nothing was changed/);

  const release = buildStandInRelease(path.join(dir, "release"), spec);
  fs.rmSync(path.join(release, "bin/console"));
  fs.writeFileSync(path.join(release, "vendor/composer/installed.json"), JSON.stringify({ packages: [{ name: "shopware/core", version: "6.6.10.22" }] }));
  const bad = refused(["--stack", "demo", "--release", release, "--hosts", hosts], /release: bin\/console is missing/);
  assert.match(bad.stderr, /not on the stack's line 6\.7/);
  assert.match(bad.stderr, /2 problem\(s\); no node was changed\./);
  refused(["--stack", "demo", "--release", path.join(dir, "nope"), "--hosts", hosts], /--release: .*nope does not exist/);
});
