import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { OFFLINE_SECRET_MARKER } from "../../components/config";
import type { Plan } from "../../scripts/lib/offlinePlan";
import { STACKS_DIR, planCli, readJson } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

/**
 * D2 under the offline plan's mocks: users, monitoring thresholds and PHP settings reach the
 * hosts through converge only. Every hcloud Server's inputs (user data included) stay
 * identical; the converge triggers (bundle hashes) change.
 */

type Config = Record<string, unknown>;

function variant(dir: string, name: string, edit: (config: Config) => void): string {
  const doc = parse(fs.readFileSync(path.join(STACKS_DIR, "Pulumi.demo.yaml"), "utf8")) as { config: Config };
  edit(doc.config);
  const file = path.join(dir, `Pulumi.${name}.yaml`);
  fs.writeFileSync(file, stringify(doc));
  return file;
}

function planOf(dir: string, file: string, out: string) {
  const r = planCli(["--file", file, "--stack", "demo"], path.join(dir, out));
  assert.equal(r.status, 0, r.stderr);
  const plan = readJson<Plan>(path.join(dir, out, "demo", "plan.json"));
  const servers = plan.resources.filter((r) => r.type === "hcloud:index/server:Server").map((r) => ({ name: r.name, inputs: r.inputs }));
  const applies = plan.resources.filter((r) => r.type === "command:remote:Command" && r.name.endsWith("-converge-apply"));
  const triggers = Object.fromEntries(applies.map((r) => [r.name.replace(/-converge-apply$/, ""), r.inputs.triggers as string[]]));
  return { plan, servers, triggers, root: path.join(dir, out, "demo") };
}

const php = (c: Config) => {
  c["shop:php"] = { memoryLimit: "1024M", maxExecutionTime: 120, uploadMaxFilesize: "96M" };
};

test("users, thresholds and PHP settings change converge triggers, never a Server input", (t) => {
  const dir = tempDir(t);
  const base = planOf(dir, variant(dir, "base", () => {}), "base");
  const day2 = planOf(
    dir,
    variant(dir, "day2", (c) => {
      c["shop:users"] = (c["shop:users"] as { name: string }[]).filter((u) => u.name !== "auditor");
      (c["shop:monitoring"] as Config).thresholds = { load15PerCore: 1.5, diskWarnPercent: 80, diskCritPercent: 90 };
      php(c);
    }),
    "day2",
  );

  assert.equal(base.servers.length, 4);
  assert.ok(base.servers.every((s) => typeof s.inputs.userData === "string" && s.inputs.userData.startsWith("#cloud-config")));
  assert.deepEqual(day2.servers, base.servers, "every Server's inputs, user data included, are identical");

  assert.deepEqual(Object.keys(base.triggers).sort(), ["demo-app-1", "demo-app-2", "demo-db-1", "demo-db-2"]);
  for (const [host, trigger] of Object.entries(base.triggers)) {
    assert.match(trigger[0], /^[0-9a-f]{64}$/, `${host}'s trigger is the bundle hash, readable in the plan`);
    assert.notDeepEqual(day2.triggers[host], trigger, `${host}'s converge trigger changes`);
  }
});

test("PHP settings alone re-converge the app nodes and leave the DB nodes alone", (t) => {
  const dir = tempDir(t);
  const base = planOf(dir, variant(dir, "base", () => {}), "base");
  const phpOnly = planOf(dir, variant(dir, "php", php), "php");
  assert.deepEqual(phpOnly.servers, base.servers);
  for (const host of ["demo-app-1", "demo-app-2"]) assert.notDeepEqual(phpOnly.triggers[host], base.triggers[host], host);
  for (const host of ["demo-db-1", "demo-db-2"]) assert.deepEqual(phpOnly.triggers[host], base.triggers[host], host);
});

test("converge per host: waits for cloud-init, copies the bundle, applies it with secrets on stdin only", (t) => {
  const dir = tempDir(t);
  const { plan, triggers, root } = planOf(dir, variant(dir, "base", () => {}), "base");
  const byName = new Map(plan.resources.map((r) => [r.name, r]));
  const serverIds = new Set<string>();
  for (const host of ["demo-app-1", "demo-app-2", "demo-db-1", "demo-db-2"]) {
    const hash = readJson<{ hash: string }>(path.join(root, "hosts", host, "bundle.json")).hash;
    // The bundle's content hash, then the server's id: a replaced server runs every step again.
    const [bundleHash, serverId] = triggers[host];
    assert.equal(bundleHash, hash, `${host}: the trigger is the bundle's content hash`);
    assert.match(String(serverId), /^\d+$/, `${host}: the server's id`);
    serverIds.add(serverId);
    const wait = byName.get(`${host}-converge-cloud-init`)!;
    assert.match(String(wait.inputs.create), /cloud-init status --wait/);
    assert.deepEqual(wait.inputs.triggers, [serverId]);
    const copy = byName.get(`${host}-converge-bundle`)!;
    assert.equal(copy.type, "command:remote:CopyToRemote");
    assert.deepEqual(copy.inputs.triggers, [hash, serverId]);
    assert.deepEqual(copy.options?.dependsOn, [`${host}-converge-cloud-init`]);
    const apply = byName.get(`${host}-converge-apply`)!;
    assert.equal(apply.inputs.stdin, "[secret]", "secrets travel on stdin, as a secret");
    assert.equal(apply.inputs.connection, "[secret]", "the connection holds the automation key");
    assert.ok(apply.inputs.logging, "logging is set explicitly");
    assert.match(String(apply.inputs.create), new RegExp(`--secrets-stdin /home/shopops/shop-bundle-${hash.slice(0, 12)}\\.json`));
    assert.deepEqual(apply.options?.dependsOn, [`${host}-converge-bundle`, `${host}-converge-apply-script`]);
  }
  assert.equal(serverIds.size, 4, "each host's steps are keyed by its own server");
  assert.ok(byName.get("demo-db-2-converge")!.options?.dependsOn?.includes("demo-db-1-converge"), "the replica converges after the primary");
  // Placeholders stand in for every secret offline; none may reach any file under out/.
  const files = fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  assert.ok(files.length > 50);
  for (const f of files) assert.ok(!fs.readFileSync(path.join(f.parentPath, f.name), "utf8").includes(OFFLINE_SECRET_MARKER), f.name);
});
