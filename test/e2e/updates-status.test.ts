import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { ROOT } from "../helpers/stacks";
import { requireTool, run, tempDir } from "../helpers/tools";

/** The real status script against the machine's apt (simulation only), writing into temp dirs. */
test("updates status: pending count and reboot flag reach the .prom file and updates.json", (t) => {
  if (!requireTool(t, "apt-get") || !requireTool(t, "jq") || !requireTool(t, "promtool")) return;
  const dir = tempDir(t);
  const flag = path.join(dir, "reboot-required");
  const env = { ...process.env, SHOP_UPDATES_PROM_DIR: path.join(dir, "prom"), SHOP_STATE_DIR: path.join(dir, "state"), SHOP_REBOOT_REQUIRED_FILE: flag };
  const script = path.join(ROOT, "components", "files", "shop-updates-status.sh");

  const expectedPending = run("apt-get", ["--simulate", "--quiet", "-o", "Debug::NoLocking=true", "dist-upgrade"]).stdout.split("\n").filter((l) => l.startsWith("Inst ")).length;
  for (const rebootRequired of [false, true]) {
    if (rebootRequired) fs.writeFileSync(flag, "*** System restart required ***\n");
    const r = run("bash", [script], { env });
    assert.equal(r.status, 0, r.stderr);
    const status = JSON.parse(fs.readFileSync(path.join(dir, "state", "updates.json"), "utf8"));
    assert.equal(status.pending, expectedPending);
    assert.equal(status.rebootRequired, rebootRequired);
    assert.ok(Date.now() - Date.parse(status.checkedAt) < 120_000);
    const prom = path.join(dir, "prom", "shop_updates.prom");
    const lint = run("promtool", ["check", "metrics"], { input: fs.readFileSync(prom, "utf8") });
    assert.equal(lint.status, 0, lint.stdout + lint.stderr);
    assert.match(fs.readFileSync(prom, "utf8"), new RegExp(`^shop_apt_reboot_required ${rebootRequired ? 1 : 0}$`, "m"));
    assert.match(fs.readFileSync(prom, "utf8"), new RegExp(`^shop_apt_upgrades_pending\\{origin="all"\\} ${expectedPending}$`, "m"));
  }
  assert.deepEqual(fs.readdirSync(path.join(dir, "prom")), ["shop_updates.prom"], "no temp files left behind");
});
