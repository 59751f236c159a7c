import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { appNodes, ConfigError, dbPrimary, dbReplicas, liveReplicas, ShopSpec } from "../../components/config";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { renderUserData } from "../../components/hostconfig/cloudInit";
import { MARIADB_CONF_PATH, MARIADB_ROLE_PATH } from "../../components/hostconfig/mariadb";
import { NFTABLES_PATH } from "../../components/hostconfig/nftables";
import { REDIS_ROLE_PATH } from "../../components/hostconfig/redis";
import { SHOP_SHARED } from "../../components/hostconfig/shopware";
import { specFromText, withDatabaseRoles } from "../../scripts/lib/stackEdit";
import { scriptCli } from "../helpers/checklist";
import { editedStackSpec, stackSpec, STACKS_DIR } from "../helpers/stacks";
import { tempDir } from "../helpers/tools";

const before = stackSpec("demo");
const after = editedStackSpec("demo", (raw) => {
  raw.database = { primary: "db-2", outOfService: ["db-1"] };
}).spec;

const file = (spec: ShopSpec, node: string, p: string) => {
  const f = renderHostBundle(spec, spec.nodes.find((n) => n.name === node)!).files.find((x) => x.path === p);
  assert.ok(f, `${node} has ${p}`);
  return f.content;
};

test("shop:database.primary moves the primary role; server_ids and MariaDB's restart-worthy config stay", () => {
  assert.equal(dbPrimary(before).name, "demo-db-1");
  assert.equal(dbPrimary(after).name, "demo-db-2");
  assert.deepEqual(dbReplicas(after).map((n) => n.name), ["demo-db-1"]);
  assert.deepEqual(liveReplicas(after), [], "db-1 is out of service");
  for (const node of ["demo-db-1", "demo-db-2"]) {
    assert.equal(after.nodes.find((n) => n.name === node)!.serverId, before.nodes.find((n) => n.name === node)!.serverId, `${node}: server_id`);
    // 60-shop.cnf restarts MariaDB when it changes: a failover must leave it byte for byte.
    assert.equal(file(after, node, MARIADB_CONF_PATH), file(before, node, MARIADB_CONF_PATH), `${node}: ${MARIADB_CONF_PATH}`);
  }
  assert.match(file(after, "demo-db-2", MARIADB_ROLE_PATH), /^read_only = OFF$/m);
  assert.match(file(after, "demo-db-2", MARIADB_ROLE_PATH), /^rpl_semi_sync_master_enabled = OFF$/m, "no replica in service: nothing to wait for");
  assert.match(file(after, "demo-db-1", MARIADB_ROLE_PATH), /^read_only = ON$/m);
  assert.match(file(before, "demo-db-1", MARIADB_ROLE_PATH), /^rpl_semi_sync_master_enabled = ON$/m);
  const roleFile = renderHostBundle(after, dbPrimary(after)).files.find((f) => f.path === MARIADB_ROLE_PATH)!;
  assert.deepEqual(roleFile.restarts ?? [], [], "the bootstrap hook applies the role live");
});

test("a failover changes no server's user-data (a change there would replace the server)", () => {
  for (const node of before.nodes) {
    const moved = after.nodes.find((n) => n.name === node.name)!;
    assert.equal(renderUserData(moved, "ssh-ed25519 AAAAtest automation"), renderUserData(node, "ssh-ed25519 AAAAtest automation"), node.name);
  }
});

test("after a failover the app nodes use the new primary for writes, reads, sessions, locks and cache", () => {
  const newIp = dbPrimary(after).privateIp;
  const oldIp = dbPrimary(before).privateIp;
  for (const app of appNodes(after)) {
    const env = file(after, app.name, `${SHOP_SHARED}/.env.local`);
    for (const key of ["DATABASE_URL", "DATABASE_REPLICA_0_URL", "REDIS_SESSION_URL", "LOCK_DSN", "REDIS_CACHE_URL"]) {
      const line = new RegExp(`^${key}=.*$`, "m").exec(env)?.[0] ?? "";
      assert.ok(line.includes(`@${newIp}:`), `${app.name} ${key}: ${line}`);
      assert.ok(!line.includes(oldIp), `${app.name} ${key} still names the old primary`);
    }
  }
  // Sessions replicate to the other database node all along, and follow the new leader after it.
  assert.match(file(before, "demo-db-2", REDIS_ROLE_PATH), new RegExp(`^replicaof ${oldIp} 6379$`, "m"));
  assert.match(file(after, "demo-db-1", REDIS_ROLE_PATH), new RegExp(`^replicaof ${newIp} 6379$`, "m"));
  assert.doesNotMatch(file(after, "demo-db-2", REDIS_ROLE_PATH), /replicaof/);
});

test("a node out of service is closed to the app nodes, not to the other database node", () => {
  const nft = file(after, "demo-db-1", NFTABLES_PATH);
  for (const app of appNodes(after)) assert.ok(!nft.includes(`${app.privateIp}/32`), `${app.name} may not reach the fenced node`);
  assert.ok(nft.includes(`${dbPrimary(after).privateIp}/32`), "the primary may (re-seed, replication)");
  const live = file(after, "demo-db-2", NFTABLES_PATH);
  for (const app of appNodes(after)) assert.ok(live.includes(`${app.privateIp}/32`), `${app.name} reaches the new primary`);
});

test("shop:database: every bad value is named with the key, the value and what is allowed", () => {
  let caught: unknown;
  try {
    editedStackSpec("demo", (raw) => {
      raw.database = { primary: "db-9", outOfService: ["db-1", "app-1"] };
    });
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError);
  const text = (caught as Error).message;
  assert.match(text, /shop:database\.primary: found "db-9"; allowed: one of this profile's database nodes \(db-1, db-2\)/);
  assert.match(text, /shop:database\.outOfService\[1\]: found "app-1"; allowed: one of this profile's database nodes/);
  assert.throws(
    () => editedStackSpec("demo", (raw) => (raw.database = { outOfService: ["db-1"] })),
    /shop:database\.outOfService\[0\]: found "db-1"; allowed: a node other than the primary/,
  );
  assert.throws(() => editedStackSpec("demo", (raw) => (raw.database = { primary: "../x" })), /shop:database\.primary: found "\.\.\/x"; allowed: a database node's name/);
});

test("the failover records the roles in the stack file and keeps every comment and key", () => {
  const text = fs.readFileSync(path.join(STACKS_DIR, "Pulumi.demo.yaml"), "utf8");
  const edited = withDatabaseRoles(text, { primary: "db-2", outOfService: ["db-1", "db-1"] });
  for (const comment of text.split("\n").filter((l) => l.startsWith("#"))) assert.ok(edited.includes(comment), `kept: ${comment}`);
  assert.match(edited, /shop:database:\n\s+primary: db-2\n\s+outOfService:\n\s+- db-1\n/);
  const spec = specFromText("demo")(edited);
  assert.equal(dbPrimary(spec).name, "demo-db-2");
  assert.deepEqual(spec.database.outOfService, ["demo-db-1"]);
  assert.deepEqual({ ...spec, database: before.database, nodes: [] }, { ...before, nodes: [] }, "nothing else changed");
  const back = specFromText("demo")(withDatabaseRoles(edited, { primary: "db-2", outOfService: [] }));
  assert.deepEqual(liveReplicas(back).map((n) => n.name), ["demo-db-1"]);
});

test("failover CLI: bad options get one line each and reach no host", (t) => {
  const dir = tempDir(t, "failover-cli-");
  const hosts = path.join(dir, "hosts.json");
  fs.writeFileSync(hosts, JSON.stringify({ hosts: before.nodes.map((n, i) => ({ name: n.name, publicIpv4: `192.0.2.${i + 1}` })) }));
  for (const [args, pattern] of [
    [["--stack", "demo", "--to", "db-2; reboot"], /--to: found "db-2; reboot"; allowed: a node name without the stack prefix/],
    [["--stack", "demo", "--to", "db-2", "--rebuild", "db-1"], /give --to or --rebuild, not both/],
    [["--stack", "demo", "--rebuild", "db-1", "--hosts", hosts, "--user", "anna"], /--rebuild: found "db-1"; allowed: a node in shop:database\.outOfService \(none\)/],
    [["--stack", "demo", "--to", "db-1", "--hosts", hosts, "--user", "anna"], /--to: found "db-1"; allowed: a replica in service \(db-2\)/],
  ] as const) {
    const r = scriptCli("failover", [...args]);
    assert.equal(r.status, 1, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.match(r.stderr, /^error: /);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.doesNotMatch(r.stdout, /fence|promote/, "no step ran");
  }
});
