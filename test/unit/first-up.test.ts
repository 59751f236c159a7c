import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "fs";
import * as path from "path";
import { before, test } from "node:test";
import { readStackFile, stackFilePath } from "../../components/config";
import type { PlannedResource } from "../../scripts/lib/mocks";
import { runOfflinePlan } from "../../scripts/lib/offlinePlan";
import { allStacks, STACKS_DIR, writeStackVariant } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

/**
 * What the first real `pulumi up` of a migration meets: a zone still serving the old host,
 * cloud-init on Debian 13, Debian's sshd, and the real CLI reading the example stack files.
 */

const ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting";
const DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";
let before_: PlannedResource[];
let after: PlannedResource[];

before(async () => {
  // alpenhaus is mid-migration (dns.target: the old host); the same stack after the cutover:
  const dir = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "first-up-"));
  try {
    before_ = (await runOfflinePlan(readStackFile(stackFilePath(STACKS_DIR, "alpenhaus"), "alpenhaus"))).plan.resources;
    const cutover = writeStackVariant(dir, "alpenhaus", "alpenhaus", (c) => ((c["shop:dns"] as Record<string, unknown>).target = "lb"));
    after = (await runOfflinePlan(readStackFile(cutover, "alpenhaus"))).plan.resources;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("zone-wide TLS settings follow the cutover: untouched while DNS points at the old host", () => {
  assert.ok(before_.some((r) => r.type === DNS_RECORD && r.inputs.content === "198.51.100.80"), "the records still point at the old host");
  assert.deepEqual(before_.filter((r) => r.type === ZONE_SETTING), [], "no zone setting before the cutover");

  const settings = after.filter((r) => r.type === ZONE_SETTING);
  const zones = [...new Set(after.filter((r) => r.type === DNS_RECORD).map((r) => r.inputs.zoneId))];
  assert.equal(zones.length, 3);
  assert.equal(settings.length, zones.length * 3);
  for (const s of settings) {
    const records = after.filter((r) => r.type === DNS_RECORD && r.inputs.zoneId === s.inputs.zoneId).map((r) => r.name);
    assert.deepEqual([...(s.options?.dependsOn ?? [])].sort(), records.sort(), `${s.name} waits for its zone's records`);
  }
  assert.deepEqual(Object.fromEntries(settings.filter((s) => s.inputs.zoneId === zones[0]).map((s) => [s.inputs.settingId, s.inputs.value])), {
    ssl: "strict",
    always_use_https: "on",
    min_tls_version: "1.2",
  });
});

test("the WAF entry point keeps an adopted ruleset's name and, if ever replaced, deletes first (one per phase)", () => {
  const rulesets = before_.filter((r) => r.type === "cloudflare:index/ruleset:Ruleset");
  assert.equal(rulesets.length, 3);
  for (const r of rulesets) {
    assert.deepEqual(r.options?.ignoreChanges, ["name"]);
    assert.equal(r.options?.deleteBeforeReplace, true);
  }
});

test("no remote command sends PULUMI_COMMAND_STDOUT, which Debian's sshd refuses", () => {
  const commands = after.filter((r) => r.type === "command:remote:Command");
  assert.equal(commands.length, 12);
  for (const c of commands) assert.equal(c.inputs.addPreviousOutputInEnv, false, c.name);
});

/**
 * The wait command exactly as the plan declares it, run by bash (the automation user's shell)
 * and by dash. `sudo` and `cloud-init` are stand-ins on PATH that exit with the code a real
 * cloud-init returns (0 done, 1 failed, 2 done with recoverable errors on ≥ 23.4).
 */
test("converge's cloud-init wait accepts exit 2 (Debian 13) and logs why, and still stops on 1", (t) => {
  const create = String(after.find((r) => r.name === "alpenhaus-app-1-converge-cloud-init")!.inputs.create);
  const bin = tempDir(t);
  fs.writeFileSync(path.join(bin, "sudo"), '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
  fs.writeFileSync(
    path.join(bin, "cloud-init"),
    '#!/bin/sh\n[ "$2" = "--long" ] && echo "status: done" && echo "recoverable_errors: WARNING: stand-in warning"\necho "status: done"\nexit "$CLOUD_INIT_RC"\n',
    { mode: 0o755 },
  );
  for (const shell of ["bash", "sh"])
    for (const [rc, exit] of [
      [0, 0],
      [2, 0],
      [1, 1],
    ]) {
      const r = spawnSync(shell, ["-c", create], { env: { PATH: `${bin}:/usr/bin:/bin`, HOME: bin, CLOUD_INIT_RC: String(rc) }, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
      assert.equal(r.status, exit, `${shell}, cloud-init exit ${rc}: ${r.stderr}`);
      if (rc === 2) assert.match(r.stderr, /recoverable errors:[\s\S]*stand-in warning/, "the warnings reach the log");
      else assert.equal(r.stderr, "");
      assert.equal(r.stdout, "", "the plain status line stays out of the log");
    }
});

test("example stacks are usable by the real CLI: no ciphertext without its salt, every unset secret explained", () => {
  for (const stack of allStacks()) {
    const file = stackFilePath(STACKS_DIR, stack);
    const text = fs.readFileSync(file, "utf8");
    assert.doesNotMatch(text, /offline-demo-ciphertext/);
    // The CLI decrypts every secure value before the program runs: ciphertext needs this stack's salt.
    if (/^\s*[^#\n]*\bsecure:/m.test(text)) assert.match(text, /^encryptionsalt: /m, `${stack}: secure values without encryptionsalt`);
  }
  const alpenhaus = fs.readFileSync(stackFilePath(STACKS_DIR, "alpenhaus"), "utf8");
  const unset = readStackFile(stackFilePath(STACKS_DIR, "alpenhaus"), "alpenhaus").warnings.map((w) => /^(shop:\S+) is not set/.exec(w)?.[1]).filter(Boolean);
  assert.ok(unset.length >= 4, unset.join(", "));
  for (const key of unset) assert.ok(alpenhaus.includes(`pulumi config set --secret --path '${key}'`), `the file says how to set ${key}`);
});
