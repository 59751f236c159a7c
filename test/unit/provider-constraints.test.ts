import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import * as fs from "fs";
import * as os from "os";
import { isDeepStrictEqual } from "node:util";
import * as path from "path";
import { before, test } from "node:test";
import { readStackFile } from "../../components/config";
import { providerConstraints, type ProviderConstraint } from "../../components/cloud/providerConstraints";
import type { PlannedResource } from "../../scripts/lib/mocks";
import { runOfflinePlan } from "../../scripts/lib/offlinePlan";
import { ROOT, writeStackVariant } from "../helpers/stacks";

/**
 * Every day-2 change the README promises, run through the real program (offline plan), then
 * judged by the providers' own rules (components/cloud/providerConstraints.ts): a resource the
 * change replaces must not collide with itself on a unique name or key, and nothing created may
 * collide with something the same `pulumi up` deletes only at its end.
 */

type Config = Record<string, any>;

/** A real OpenSSH ed25519 public key (the schema checks the format). */
function newKey(comment: string): string {
  const der = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "der" });
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([str(Buffer.from("ssh-ed25519")), str(der.subarray(-32))]).toString("base64")} ${comment}`;
}

const annaKey = (c: Config): string[] => (c["shop:users"] as { name: string; sshKeys: string[] }[]).find((u) => u.name === "anna")!.sshKeys;
const second = newKey("anna@laptop-2027");

/** Each change as an edit of the demo stack file, applied to `from` (base unless named). */
const changes: { name: string; from?: string; edit: (c: Config) => void }[] = [
  { name: "add a hostname", edit: (c) => c["shop:domains"][0].extraHosts.push("outlet") },
  { name: "rotate a key", edit: (c) => annaKey(c).splice(0, 1, second) },
  { name: "add a second key", edit: (c) => annaKey(c).push(second) },
  { name: "remove key 1 of 2", from: "add a second key", edit: (c) => annaKey(c).splice(0, 2, second) },
  { name: "add a user", edit: (c) => c["shop:users"].push({ name: "ben", role: "admin", sshKeys: [newKey("ben@agentur")] }) },
  { name: "raise a threshold", edit: (c) => (c["shop:monitoring"].thresholds = { diskWarnPercent: 85, diskCritPercent: 95, load15PerCore: 2.5 }) },
  { name: "add an app node", edit: (c) => (c["shop:appNodes"] = 3) },
];

/**
 * README "Upgrade path", step by step, on the demo as a debian-12 / Shopware 6.6 stack: each step
 * is the stack file after it (cumulative), and `replaces`/`creates`/`deletes` what it may do.
 */
const DEB12 = "debian-12";
const DEB13 = "debian-13";
const upgrade: { name: string; edit: (c: Config) => void; replaces?: string[]; creates?: string[]; deletes?: string[] }[] = [
  { name: "upgrade 0: the stack on debian-12 and the newest 6.6.10 patch", edit: (c) => Object.assign(c, { "shop:image": DEB12, "shop:shopwareVersion": "6.6.10.22" }) },
  { name: "upgrade 1: the replica out of service", edit: (c) => (c["shop:database"] = { outOfService: ["db-2"] }) },
  { name: "upgrade 1b: the replica rebuilt on debian-13", edit: (c) => (c["shop:nodeImages"] = { "db-2": DEB13 }), replaces: ["demo-db-2"] },
  { name: "upgrade 2: the re-seeded replica back in service", edit: (c) => delete c["shop:database"] },
  { name: "upgrade 3: failover to the debian-13 replica", edit: (c) => (c["shop:database"] = { primary: "db-2", outOfService: ["db-1"] }) },
  { name: "upgrade 4: the old primary rebuilt on debian-13", edit: (c) => (c["shop:nodeImages"]["db-1"] = DEB13), replaces: ["demo-db-1"] },
  { name: "upgrade 5: the rebuilt replica back in service", edit: (c) => (c["shop:database"] = { primary: "db-2" }) },
  { name: "upgrade 6: a surge app node on debian-13", edit: (c) => Object.assign(c, { "shop:appNodes": 3, "shop:nodeImages": { ...c["shop:nodeImages"], "app-3": DEB13 } }), creates: ["demo-app-3"] },
  { name: "upgrade 7: app-1 rebuilt on debian-13", edit: (c) => (c["shop:nodeImages"]["app-1"] = DEB13), replaces: ["demo-app-1"] },
  { name: "upgrade 8: app-2 rebuilt on debian-13", edit: (c) => (c["shop:nodeImages"]["app-2"] = DEB13), replaces: ["demo-app-2"] },
  { name: "upgrade 9: the surge node removed", edit: (c) => Object.assign(c, { "shop:appNodes": 2, "shop:nodeImages": { ...c["shop:nodeImages"], "app-3": undefined } }), deletes: ["demo-app-3"] },
  { name: "upgrade 10: shop:image debian-13, shop:nodeImages emptied", edit: (c) => Object.assign(c, { "shop:image": DEB13, "shop:nodeImages": undefined }) },
  { name: "upgrade 11: Shopware 6.7", edit: (c) => (c["shop:shopwareVersion"] = "6.7.13.0") },
];

const plans = new Map<string, PlannedResource[]>();
before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "constraints-"));
  const planOf = async (name: string, edit: (c: Config) => void) => {
    const file = writeStackVariant(dir, "demo", name.replace(/\W+/g, "-"), edit);
    plans.set(name, (await runOfflinePlan(readStackFile(file, "demo"))).plan.resources);
  };
  try {
    await planOf("base", () => {});
    for (const change of changes)
      await planOf(change.name, (c) => {
        changes.find((x) => x.name === change.from)?.edit(c);
        change.edit(c);
      });
    for (const [i, step] of upgrade.entries())
      await planOf(step.name, (c) => {
        for (const s of upgrade.slice(0, i + 1)) s.edit(c);
        // YAML has no undefined: a key set to undefined is a key removed.
        for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
        const images = c["shop:nodeImages"] as Record<string, string> | undefined;
        if (images) for (const k of Object.keys(images)) if (images[k] === undefined) delete images[k];
      });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

interface Transition {
  problems: string[];
  /** Logical names replaced (a replace-forcing input changed), created, deleted, per type. */
  replaced: string[];
  created: string[];
  deleted: string[];
}

const keyOf = (r: PlannedResource, tuple: string[]) => JSON.stringify(tuple.map((k) => r.inputs[k]));

/** What one `pulumi up` from `from` to `to` does to each constrained type, and what would collide. */
function transition(from: PlannedResource[], to: PlannedResource[], constraints: ProviderConstraint[] = providerConstraints): Transition {
  const t: Transition = { problems: [], replaced: [], created: [], deleted: [] };
  for (const c of constraints) {
    const olds = from.filter((r) => r.type === c.type);
    const news = to.filter((r) => r.type === c.type);
    const oldByName = new Map(olds.map((r) => [r.name, r]));
    const gone = olds.filter((o) => !news.some((n) => n.name === o.name));
    t.deleted.push(...gone.map((r) => r.name));
    for (const tuple of c.unique) {
      const seen = new Map<string, string>();
      for (const n of news) {
        const k = keyOf(n, tuple);
        if (seen.has(k)) t.problems.push(`${c.type}: ${seen.get(k)} and ${n.name} share ${tuple.join("+")} ${k}`);
        seen.set(k, n.name);
      }
    }
    for (const n of news) {
      const o = oldByName.get(n.name);
      const ignored = n.options?.ignoreChanges ?? [];
      const forcing = o ? c.replaceOn.filter((k) => !ignored.includes(k) && !isDeepStrictEqual(o.inputs[k], n.inputs[k])) : [];
      if (!o) t.created.push(n.name);
      if (forcing.length) t.replaced.push(n.name);
      const deleteFirst = n.options?.deleteBeforeReplace === true;
      if (o && forcing.length) {
        if (deleteFirst && !c.deleteFirstSafe) t.problems.push(`${c.type} ${n.name}: deleteBeforeReplace, but something else holds the old one`);
        if (!deleteFirst)
          for (const tuple of c.unique)
            if (keyOf(o, tuple) === keyOf(n, tuple))
              t.problems.push(`${c.type} ${n.name}: ${forcing.join(", ")} changed, so it is replaced create-first, with the same ${tuple.join("+")} ${keyOf(n, tuple)}`);
      }
      // A new resource, or a create-first replacement, exists next to every old one until the deletes at the end.
      if (!o || (forcing.length && !deleteFirst))
        for (const g of gone)
          for (const tuple of c.unique)
            if (keyOf(g, tuple) === keyOf(n, tuple))
              t.problems.push(`${c.type} ${n.name} is created while ${g.name} with the same ${tuple.join("+")} ${keyOf(n, tuple)} still exists`);
    }
  }
  return t;
}

const of = (resources: PlannedResource[], type: string) => resources.filter((r) => r.type === type);

for (const change of changes)
  test(`day-2 change "${change.name}": nothing collides with a provider's uniqueness rules`, () => {
    const t = transition(plans.get(change.from ?? "base")!, plans.get(change.name)!);
    assert.deepEqual(t.problems, []);
    const servers = (name: string) => of(plans.get(name)!, "hcloud:index/server:Server");
    for (const s of servers(change.from ?? "base"))
      assert.deepEqual(servers(change.name).find((n) => n.name === s.name)?.inputs, s.inputs, `${s.name}: no Server input changes (D2)`);
  });

test("what each change does is what the table is there for (the check is not vacuous)", () => {
  const t = (name: string) => transition(plans.get(changes.find((c) => c.name === name)?.from ?? "base")!, plans.get(name)!);
  const hostname = t("add a hostname");
  assert.ok(hostname.replaced.includes("demo-origin-cert-uploaded"), "a new chain replaces the uploaded certificate …");
  const cert = (name: string) => of(plans.get(name)!, "hcloud:index/uploadedCertificate:UploadedCertificate")[0].inputs.name;
  assert.notEqual(cert("add a hostname"), cert("base"), "… under a new name");
  assert.match(String(cert("base")), /^demo-origin-[0-9a-f]{12}$/);
  assert.equal(hostname.created.filter((n) => n.startsWith("demo-origin-cert-origin-ca-")).length, 1, "a new hostname set is a new Origin CA certificate");
  // The API returns hostnames in its own order (cloudflare provider issues 5392, 6239): sorted, order drift ignored.
  for (const ca of of(plans.get("add a hostname")!, "cloudflare:index/originCaCertificate:OriginCaCertificate")) {
    assert.deepEqual(ca.options?.ignoreChanges, ["hostnames"]);
    assert.deepEqual(ca.inputs.hostnames, [...(ca.inputs.hostnames as string[])].sort());
  }

  const rotate = t("rotate a key");
  assert.equal(rotate.created.length, 1);
  assert.equal(rotate.deleted.length, 1);
  assert.deepEqual(rotate.replaced, []);
  const removal = t("remove key 1 of 2");
  assert.deepEqual([removal.created, removal.replaced, removal.deleted.length], [[], [], 1], "the remaining key keeps its name and inputs");
  const keys = of(plans.get("add a second key")!, "hcloud:index/sshKey:SshKey");
  assert.ok(keys.every((k) => /^demo-anna-[0-9a-f]{16}$/.test(String(k.inputs.name)) && k.name === k.inputs.name), "keys are named by fingerprint");

  const threshold = t("raise a threshold");
  assert.deepEqual([threshold.created, threshold.replaced, threshold.deleted], [[], [], []]);
  const node = t("add an app node");
  assert.ok(node.created.includes("demo-app-3"));
  assert.deepEqual(node.replaced, []);
});

test("the upgrade path replaces exactly one server per step, deletes first under the same name, and nothing collides", () => {
  const servers = (name: string) => of(plans.get(name)!, "hcloud:index/server:Server");
  const imageOf = (name: string) => Object.fromEntries(servers(name).map((s) => [s.name, s.inputs.image]));
  assert.deepEqual(Object.values(imageOf(upgrade[0].name)), [DEB12, DEB12, DEB12, DEB12]);
  for (const [i, step] of upgrade.entries()) {
    if (i === 0) continue;
    const from = upgrade[i - 1].name;
    const t = transition(plans.get(from)!, plans.get(step.name)!);
    assert.deepEqual(t.problems, [], step.name);
    const [replaced, created, deleted] = [t.replaced, t.created, t.deleted].map((names) => names.filter((n) => /^demo-(app|db)-\d+$/.test(n)));
    assert.deepEqual([replaced, created, deleted], [step.replaces ?? [], step.creates ?? [], step.deletes ?? []], step.name);
    for (const name of replaced) {
      const s = servers(step.name).find((r) => r.name === name)!;
      assert.equal(s.inputs.image, DEB13, `${step.name}: ${name} comes back on debian-13`);
      assert.equal(s.options?.deleteBeforeReplace, true, `${name}: the old server goes first, so its name is free`);
    }
    // Every server the step does not replace, create or delete keeps its image and user data.
    for (const s of servers(from))
      if (![...replaced, ...deleted].includes(s.name)) {
        const now = servers(step.name).find((r) => r.name === s.name)!;
        assert.deepEqual([now.inputs.image, now.inputs.userData], [s.inputs.image, s.inputs.userData], `${step.name}: ${s.name}`);
      }
  }
  assert.deepEqual(Object.values(imageOf(upgrade.at(-1)!.name)), [DEB13, DEB13, DEB13, DEB13]);
  // The end state is the plan of a stack that started on debian-13 with Shopware 6.7: nothing left over.
  const end = servers(upgrade.at(-1)!.name).map((s) => [s.name, s.inputs.image, s.inputs.serverType, s.inputs.labels]);
  const fresh = servers("base").map((s) => [s.name, s.inputs.image, s.inputs.serverType, s.inputs.labels]);
  assert.deepEqual(end.map((e) => e.slice(0, 3)), fresh.map((e) => e.slice(0, 3)));
});

test("the check catches the old names: a fixed certificate name, keys numbered by position", () => {
  const withName = (r: PlannedResource, name: string): PlannedResource => ({ ...r, inputs: { ...r.inputs, name } });
  const certType = "hcloud:index/uploadedCertificate:UploadedCertificate";
  const fixed = (name: string) => plans.get(name)!.map((r) => (r.type === certType ? withName(r, "demo-origin") : r));
  assert.match(transition(fixed("base"), fixed("add a hostname")).problems.join("\n"), /UploadedCertificate demo-origin-cert-uploaded: certificate changed.*"demo-origin"/);

  const keyType = "hcloud:index/sshKey:SshKey";
  const numbered = (name: string) => {
    let i = 0;
    return plans.get(name)!.map((r) => (r.type === keyType ? { ...withName(r, `demo-anna-${++i}`), name: `demo-anna-${i}` } : r));
  };
  const problems = transition(numbered("add a second key"), numbered("remove key 1 of 2")).problems.join("\n");
  assert.match(problems, /SshKey demo-anna-1: publicKey changed, so it is replaced create-first, with the same name/);
  assert.match(problems, /SshKey demo-anna-1 is created while demo-anna-2 with the same publicKey/);
});

test("the table covers every named Hetzner resource the program declares, in the SDKs' own input names", () => {
  const types = new Set([...plans.values()].flat().filter((r) => r.type.startsWith("hcloud:") && typeof r.inputs.name === "string").map((r) => r.type));
  for (const type of types) assert.ok(providerConstraints.some((c) => c.type === type), `${type} has a row in providerConstraints.ts`);
  for (const c of providerConstraints) {
    const [, pkg, file, cls] = /^(\w+):index\/(\w+):(\w+)$/.exec(c.type)!;
    const dts = fs.readFileSync(path.join(ROOT, "node_modules", "@pulumi", pkg, `${file}.d.ts`), "utf8");
    const args = new RegExp(`export interface ${cls}Args \\{([\\s\\S]*?)\\n\\}`).exec(dts)?.[1] ?? "";
    assert.ok(args, `${cls}Args in @pulumi/${pkg}/${file}.d.ts`);
    for (const input of new Set([...c.replaceOn, ...c.unique.flat()])) assert.match(args, new RegExp(`^\\s+${input}\\??:`, "m"), `${cls}Args has ${input}`);
    assert.match(c.source, /^https:\/\/github\.com\/(hetznercloud|cloudflare)\/terraform-provider-\w+\/blob\/[0-9a-f]{40}\//);
  }
});
