import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import * as fs from "fs";
import * as path from "path";
import {
  buildSpec,
  ConfigError,
  dbPrimary,
  dbReplicas,
  appNodes,
  incompatibility,
  images,
  readStackFile,
  SecretString,
  supportedCombinations,
} from "../../components/config";
import { allStacks, minimalRaw, STACKS_DIR, stackSpec } from "../helpers/stacks";

const TODAY = new Date("2026-11-22");

/** The demo stack's raw `shop:` tree, as a base for variations. */
function demoRaw(): Record<string, unknown> {
  return readStackFile(path.join(STACKS_DIR, "Pulumi.demo.yaml"), "demo").raw;
}

function build(raw: Record<string, unknown>, stack = "t1") {
  return buildSpec(raw, { stack, today: TODAY });
}

test("every stack in stacks/ validates", () => {
  const stacks = allStacks();
  assert.ok(stacks.length >= 3, `expected demo + two customer stacks, found ${stacks.join(", ")}`);
  for (const s of stacks) assert.equal(stackSpec(s).stack, s);
});

test("defaults: standard profile, ccx types, protection in production; image and Shopware version are required", () => {
  const minimal = minimalRaw();
  const { spec } = build(minimal, "mini");
  assert.equal(spec.profile, "standard");
  assert.equal(spec.image, "debian-13");
  assert.equal(spec.os.php, "8.4");
  // No default for either: a stack that relied on the old one (debian-12, 6.6.10.4) must not get new servers.
  const { image: _image, shopwareVersion: _version, ...unstated } = minimal;
  assert.throws(
    () => build(unstated, "mini"),
    (e: Error) =>
      /^error: shop:image: found nothing; allowed: debian-12 or debian-13, stated in the stack file \(required\): .*a changed image replaces every server/m.test(e.message) &&
      /^error: shop:shopwareVersion: found nothing; allowed: .*stated in the stack file \(required\)/m.test(e.message),
  );
  assert.equal(spec.production, true);
  assert.equal(spec.protection, true);
  assert.equal(spec.serverBackups, true);
  assert.deepEqual(spec.nodes.map((n) => n.name), ["mini-app-1", "mini-app-2", "mini-db-1", "mini-db-2"]);
  assert.ok(spec.nodes.every((n) => n.serverType.startsWith("ccx") && n.facts.dedicated));
  assert.equal(spec.loadBalancer.algorithm, "least_connections");
  assert.ok(spec.loadBalancer.failoverSeconds <= 15, `failover ${spec.loadBalancer.failoverSeconds} s`);
  assert.equal(spec.primaryHost, "www.minimal.de");
  assert.deepEqual(spec.hostnames, ["minimal.de", "www.minimal.de"]);
  assert.equal(spec.dns.cloudflareOnly, true);
});

test("derived: private IP plan, server ids, scheduler on exactly one node", () => {
  const spec = stackSpec("demo");
  assert.equal(spec.network.lbPrivateIp, "10.10.1.2");
  assert.deepEqual(
    spec.nodes.map((n) => [n.name, n.privateIp]),
    [["demo-app-1", "10.10.1.11"], ["demo-app-2", "10.10.1.12"], ["demo-db-1", "10.10.1.51"], ["demo-db-2", "10.10.1.52"]],
  );
  assert.equal(new Set(spec.nodes.map((n) => n.privateIp)).size, spec.nodes.length);
  assert.equal(dbPrimary(spec).serverId, 1);
  assert.deepEqual(dbReplicas(spec).map((n) => n.serverId), [2]);
  assert.equal(spec.nodes.filter((n) => n.scheduler).length, 1);
});

test("derived: reboot windows never share an hour and the replica goes before the primary", () => {
  for (const s of allStacks()) {
    const spec = stackSpec(s);
    const hours = spec.nodes.map((n) => n.rebootTime);
    assert.equal(new Set(hours).size, hours.length, `${s}: ${hours.join(", ")}`);
    const replica = dbReplicas(spec)[0].rebootTime;
    assert.ok(replica < dbPrimary(spec).rebootTime || dbPrimary(spec).rebootTime < spec.updates.rebootWindowStart, `${s}: replica ${replica} after primary`);
  }
});

test("profiles: small shares roles on two nodes, large spreads app nodes over locations", () => {
  const small = stackSpec("kaffee-klein");
  assert.deepEqual(small.nodes.map((n) => [n.name, n.roles.join("+")]), [["kaffee-klein-app-1", "app+db-primary"], ["kaffee-klein-app-2", "app+db-replica"]]);
  const large = stackSpec("alpenhaus");
  assert.equal(appNodes(large).length, 4);
  assert.deepEqual([...new Set(large.nodes.map((n) => n.location))].sort(), ["fsn1", "nbg1"]);
  assert.equal(large.networkZone, "eu-central");
  assert.deepEqual(large.domains.map((d) => d.zone), ["alpenhaus-shop.de", "alpenhaus-shop.at", "alpenhaus-shop.ch"]);
});

test("placement groups split at 10 servers", () => {
  const raw = demoRaw();
  Object.assign(raw, { profile: "large", appNodes: 23 });
  const { spec } = build(raw);
  const appGroups = spec.placementGroups.filter((g) => g.name.includes("-app-"));
  assert.deepEqual(appGroups.map((g) => g.members.length), [10, 10, 3]);
  assert.ok(spec.placementGroups.every((g) => g.members.length <= 10));
});

test("matrix: Debian 12 runs 6.5–6.7; Debian 13 (PHP 8.4) needs 6.6.10+", () => {
  assert.equal(incompatibility("6.5.8.14", images["debian-12"]), undefined);
  assert.equal(incompatibility("6.6.10.4", images["debian-12"]), undefined);
  assert.equal(incompatibility("6.7.2.0", images["debian-13"]), undefined);
  assert.match(incompatibility("6.5.8.14", images["debian-13"]) ?? "", /PHP 8.4/);
  assert.match(incompatibility("6.6.9.0", images["debian-13"]) ?? "", /6\.6\.10\.0/);
  assert.match(incompatibility("6.4.20.0", images["debian-12"]) ?? "", /not in the matrix/);
  const combos = supportedCombinations();
  assert.ok(combos.some((c) => c.includes("≥6.6.10.0 on debian-13")), combos.join("; "));
  assert.ok(!combos.some((c) => c.startsWith("Shopware 6.5 on debian-13")));
});

test("matrix: an impossible combination is rejected and the message lists what is supported", () => {
  const raw = demoRaw();
  Object.assign(raw, { image: "debian-13", shopwareVersion: "6.5.8.14" });
  assert.throws(() => build(raw), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.problems.length, 1);
    assert.equal(err.problems[0].path, "shop:shopwareVersion");
    assert.match(err.problems[0].allowed, /supported: .*Shopware 6\.7 on debian-13/);
    return true;
  });
});

test("all problems are reported together", () => {
  const raw = demoRaw();
  Object.assign(raw, { customer: "X", profile: "huge", adminCidrs: ["1.2.3.4"] });
  assert.throws(() => build(raw), (err: unknown) => err instanceof ConfigError && err.problems.length === 3);
});

test("users expiring within 14 days produce a warning, not an error", () => {
  const raw = demoRaw();
  (raw.users as { expires?: string }[])[0].expires = "2026-11-30";
  const { warnings } = build(raw);
  assert.ok(warnings.some((w) => /anna expires on 2026-11-30, in 8 day/.test(w)), warnings.join("\n"));
});

test("secrets never print: JSON, template strings and inspect show [secret]", () => {
  const s = new SecretString("hunter2-very-secret");
  assert.equal(JSON.stringify({ s }), '{"s":"[secret]"}');
  assert.equal(`${s}`, "[secret]");
  assert.ok(!require("util").inspect({ s }).includes("hunter2"));
  assert.equal(s.reveal(), "hunter2-very-secret");
  const raw = demoRaw();
  const { spec } = build(raw);
  assert.ok(!JSON.stringify(spec).includes("offline-placeholder"));
});

test("secure: values in a stack file become placeholders; plain values at secret keys are rejected", () => {
  const doc = parse(fs.readFileSync(path.join(STACKS_DIR, "Pulumi.demo.yaml"), "utf8")) as { config: Record<string, unknown> };
  const media = doc.config["shop:media"] as Record<string, unknown>;
  media.secretKey = "plain-text-secret";
  const tmp = fs.mkdtempSync(path.join(require("os").tmpdir(), "spec-"));
  try {
    const file = path.join(tmp, "Pulumi.t.yaml");
    fs.writeFileSync(file, require("yaml").stringify(doc));
    const loaded = readStackFile(file);
    assert.throws(() => build(loaded.raw), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const p = err.problems.find((x) => x.path === "shop:media.secretKey");
      assert.ok(p, JSON.stringify(err.problems));
      assert.match(p.allowed, /secure value/);
      assert.ok(!err.message.includes("plain-text-secret"), "the message must not echo a would-be secret");
      return true;
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
