import assert from "node:assert/strict";
import * as path from "path";
import { test } from "node:test";
import type { Plan } from "../../scripts/lib/offlinePlan";
import { planCli, readJson, writeStackVariant } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

/**
 * D2 for users: adding one user and removing another goes through bundles only. Every Server's
 * inputs stay identical; each host's bundle hash (the converge trigger) changes.
 */

type Users = { name: string; role: string; sshKeys: string[]; expires?: string }[];

const variant = (dir: string, name: string, edit: (users: Users) => Users) =>
  writeStackVariant(dir, "demo", name, (config) => (config["shop:users"] = edit(config["shop:users"] as Users)));

function planOf(dir: string, file: string, out: string) {
  const r = planCli(["--file", file, "--stack", "demo"], path.join(dir, out));
  assert.equal(r.status, 0, r.stderr);
  const root = path.join(dir, out, "demo");
  const plan = readJson<Plan>(path.join(root, "plan.json"));
  const servers = plan.resources.filter((r) => r.type === "hcloud:index/server:Server").map((r) => ({ name: r.name, inputs: r.inputs }));
  const hashes = Object.fromEntries(servers.map((s) => [s.name, readJson<{ hash: string }>(path.join(root, "hosts", s.name, "bundle.json")).hash]));
  return { plan, servers, hashes };
}

test("adding and removing a user changes no Server input, only bundle hashes", (t) => {
  const dir = tempDir(t);
  const base = planOf(dir, variant(dir, "base", (u) => u), "base");
  const changed = planOf(
    dir,
    variant(dir, "changed", (users) => [
      ...users.filter((u) => u.name !== "auditor"),
      { name: "bob", role: "admin", sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0bB0bB0bB0bB0bB0bB0bB0bB0bB0bB0bB0bB0bB0bB bob@agentur"] },
    ]),
    "changed",
  );
  assert.equal(base.servers.length, 4);
  assert.deepEqual(changed.servers, base.servers, "Server inputs are identical");
  for (const host of Object.keys(base.hashes)) assert.notEqual(changed.hashes[host], base.hashes[host], `${host}'s converge trigger changes`);
  // The new admin gets a Hetzner rescue key; no firewall changes.
  const keys = (p: Plan) => p.resources.filter((r) => r.type === "hcloud:index/sshKey:SshKey").map((r) => r.name).sort();
  // Named by fingerprint (a key's name never shifts when another key goes).
  assert.equal(keys(base.plan).length, 1);
  assert.match(keys(base.plan)[0], /^demo-anna-[0-9a-f]{16}$/);
  assert.deepEqual(keys(changed.plan).filter((k) => !k.startsWith("demo-bob-")), keys(base.plan));
  assert.match(keys(changed.plan).find((k) => k.startsWith("demo-bob-")) ?? "", /^demo-bob-[0-9a-f]{16}$/);
  const firewalls = (p: Plan) => p.resources.filter((r) => r.type === "hcloud:index/firewall:Firewall");
  assert.deepEqual(firewalls(changed.plan), firewalls(base.plan));
});

test("firewalls attach by label selector, never through Server inputs; profile small gets no empty db firewall", (t) => {
  const dir = tempDir(t);
  for (const stack of ["demo", "kaffee-klein"]) {
    const r = planCli(["--stack", stack], dir);
    assert.equal(r.status, 0, r.stderr);
    const plan = readJson<Plan>(path.join(dir, stack, "plan.json"));
    const servers = plan.resources.filter((x) => x.type === "hcloud:index/server:Server");
    const firewalls = plan.resources.filter((x) => x.type === "hcloud:index/firewall:Firewall");
    for (const s of servers) {
      assert.equal(s.inputs.firewallIds, undefined, `${s.name}: no firewallIds`);
      assert.equal(s.inputs.sshKeys, undefined, `${s.name}: no sshKeys`);
    }
    const roles = [...new Set(servers.map((s) => (s.inputs.labels as Record<string, string>).role))].sort();
    assert.deepEqual(firewalls.map((f) => (f.inputs.labels as Record<string, string>).role).sort(), roles);
    for (const f of firewalls) {
      const [selector] = f.inputs.applyTos as { labelSelector: string }[];
      const wanted = Object.fromEntries(selector.labelSelector.split(",").map((kv) => kv.split("=")));
      const matched = servers.filter((s) => Object.entries(wanted).every(([k, v]) => (s.inputs.labels as Record<string, string>)[k] === v));
      assert.ok(matched.length > 0, `${f.name} selects servers`);
      assert.equal(matched.length, servers.filter((s) => (s.inputs.labels as Record<string, string>).role === wanted.role).length);
    }
  }
});
