import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test, TestContext } from "node:test";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { DB_ENV_PATH, MARIADB_CONF_PATH, MARIADB_ROLE_PATH } from "../../components/hostconfig/mariadb";
import { SHOP_DB_NAME, SHOP_DB_USER } from "../../components/hostconfig/shopware";
import { dbPrimary, dbReplicas, NodeSpec } from "../../components/config";
import { renderSecretsEnv } from "../../components/hostconfig/secretsEnv";
import { materialize, TEST_SECRETS } from "../helpers/hostBundle";
import { freePort, startDaemon, waitFor } from "../helpers/processes";
import { onThisMachinesRelease, ROOT } from "../helpers/stacks";
import { requireTool, run, tempDir } from "../helpers/tools";

// Real daemons of this machine run the rendered config: its release, whatever the demo declares.
const spec = onThisMachinesRelease("demo");
const BOOTSTRAP_HOOK = path.join(ROOT, "components/files/apply.d/60-mariadb-bootstrap");

interface Db {
  root: string;
  socket: string;
  port: number;
  /** SQL as MariaDB's root over the socket (unix_socket auth, as on the host). */
  sql: (query: string, withNames?: boolean) => string;
}

/**
 * A real MariaDB from the node's rendered bundle. The rendered mariadb.conf.d files are the
 * defaults, unchanged; command-line options override only what a test machine needs: datadir,
 * socket, pid file, port, bind-address 127.0.0.1, a 128M buffer pool and 48M redo log (instead
 * of GBs sized for the server type), and --user=root. db.env gets the temp socket and
 * 127.0.0.1 for every host address, since both instances share one loopback.
 */
async function startMariadb(t: TestContext, node: NodeSpec, primaryPort?: number): Promise<Db> {
  const work = tempDir(t, `shop-${node.name}-`);
  const root = materialize(renderHostBundle(spec, node), work);
  const datadir = path.join(work, "data");
  const socket = path.join(work, "mysqld.sock");
  const port = await freePort();
  const install = run("mariadb-install-db", ["--no-defaults", `--datadir=${datadir}`, "--user=root", "--auth-root-authentication-method=socket", "--skip-test-db"]);
  assert.equal(install.status, 0, install.stdout + install.stderr);
  startDaemon(
    t,
    "mariadbd",
    [
      `--defaults-file=${debianMyCnf(root, work)}`,
      `--datadir=${datadir}`,
      `--socket=${socket}`,
      `--pid-file=${path.join(work, "mysqld.pid")}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      "--innodb-buffer-pool-size=128M",
      "--innodb-log-file-size=48M",
      "--user=root",
    ],
    path.join(work, "mariadbd.log"),
  );
  const sql = (query: string, withNames = false) => {
    const r = run("mariadb", [`--socket=${socket}`, "--user=root", "--batch", ...(withNames ? [] : ["--skip-column-names"]), "-e", query]);
    if (r.status !== 0) throw new Error(`${query}: ${r.stderr}`);
    return r.stdout.trim();
  };
  await waitFor(`MariaDB ${node.name}`, () => run("mariadb", [`--socket=${socket}`, "--user=root", "-e", "SELECT 1"]).status === 0, 60_000);

  writeDbEnv(root, fs.readFileSync(path.join(root, DB_ENV_PATH), "utf8"), socket, primaryPort);
  return { root, socket, port, sql };
}

/** db.env as rendered, with the temp socket and 127.0.0.1 for every host (one loopback for both). */
function writeDbEnv(root: string, rendered: string, socket: string, primaryPort?: number): void {
  let env = rendered.replace(/^DB_SOCKET=.*$/m, `DB_SOCKET=${socket}`);
  for (const n of spec.nodes) env = env.replaceAll(n.privateIp, "127.0.0.1");
  if (primaryPort) env = env.replace(/^DB_PRIMARY_PORT=.*$/m, `DB_PRIMARY_PORT=${primaryPort}`);
  fs.writeFileSync(path.join(root, DB_ENV_PATH), env);
}

/** The defaults file Debian's my.cnf amounts to: every file of the bundle's mariadb.conf.d. */
function debianMyCnf(root: string, work: string): string {
  const file = path.join(work, "my.cnf");
  fs.writeFileSync(file, `!includedir ${path.dirname(path.join(root, MARIADB_CONF_PATH))}\n`);
  return file;
}

/** The bootstrap hook exactly as shop-apply runs it, against the temp root. */
function bootstrap(db: Db): string {
  const r = run("bash", [BOOTSTRAP_HOOK], { env: { ...process.env, SHOP_ROOT: db.root } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return r.stdout;
}

/** Waits (bounded) until the probe row `id` reads `note` on `db`. */
async function rowArrives(db: Db, id: number, note: string): Promise<void> {
  const read = () => {
    try {
      return db.sql(`SELECT note FROM ${SHOP_DB_NAME}.probe WHERE id = ${id}`);
    } catch {
      return undefined; // the table itself may not have replicated yet
    }
  };
  await waitFor(`probe row ${id} on the replica`, () => read() === note, 30_000);
}

/** The node's rendered shop-health, one check group, against this server. */
function health(db: Db, group: string) {
  return run("/usr/bin/python3", [path.join(db.root, "usr/local/sbin/shop-health"), "--only", group], {
    env: { ...process.env, SHOP_ETC: path.join(db.root, "etc/shop"), SHOP_HEALTH_MYSQL: `mariadb --socket=${db.socket} --user=root` },
  });
}

function asShop(db: Db, query: string) {
  return run("mariadb", ["-h", "127.0.0.1", "-P", String(db.port), `-u${SHOP_DB_USER}`, `-p${TEST_SECRETS.DB_SHOP_PASSWORD}`, "--batch", "--skip-column-names", SHOP_DB_NAME, "-e", query]);
}

test("MariaDB primary and replica from the rendered configs: Shopware settings, least privilege, GTID replication", async (t) => {
  if (!requireTool(t, "mariadbd") || !requireTool(t, "mariadb-install-db") || !requireTool(t, "mariadb")) return;
  if (process.getuid?.() !== 0) return t.skip("needs root: MariaDB's root account authenticates by unix socket");

  const primaryNode = dbPrimary(spec);
  const replicaNode = dbReplicas(spec)[0];
  const primary = await startMariadb(t, primaryNode);

  await t.test("Shopware's variables are set", () => {
    const [packet, concat, mode, serverId, logBin, strict, semi, trustCreators] = primary
      .sql("SELECT @@max_allowed_packet, @@group_concat_max_len, @@sql_mode, @@server_id, @@log_bin, @@gtid_strict_mode, @@rpl_semi_sync_master_enabled, @@log_bin_trust_function_creators")
      .split("\t");
    assert.ok(Number(packet) >= 32 * 1024 * 1024, packet);
    assert.ok(Number(concat) >= 320000, concat);
    assert.doesNotMatch(mode, /ONLY_FULL_GROUP_BY/);
    assert.equal(serverId, String(primaryNode.serverId));
    assert.deepEqual([logBin, strict, semi], ["1", "1", "1"]);
    // Blue-green migrations create triggers; with the binlog on that needs this (error 1419 otherwise).
    assert.equal(trustCreators, "1");
  });

  await t.test("bootstrap creates the shop user with least privilege, idempotently", () => {
    bootstrap(primary);
    bootstrap(primary);
    const ok = asShop(primary, "CREATE TABLE probe (id INT PRIMARY KEY, note VARCHAR(20)); INSERT INTO probe VALUES (1, 'first'); SELECT note FROM probe");
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), "first");
    const createUser = asShop(primary, "CREATE USER 'intruder'@'%' IDENTIFIED BY 'x'");
    assert.notEqual(createUser.status, 0);
    assert.match(createUser.stderr, /denied/i);
    const otherDb = asShop(primary, "CREATE DATABASE elsewhere");
    assert.notEqual(otherDb.status, 0);
    const grants = asShop(primary, "SHOW GRANTS").stdout;
    assert.doesNotMatch(grants, /ALL PRIVILEGES ON \*\.\*|GRANT OPTION|CREATE USER|SUPER/);
  });

  const replica = await startMariadb(t, replicaNode, primary.port);

  await t.test("the replica replicates a row through GTID", async () => {
    assert.equal(replica.sql("SELECT @@server_id, @@read_only").replace("\t", " "), `${replicaNode.serverId} 1`);
    assert.match(bootstrap(replica), /GTID slave_pos/);
    bootstrap(replica); // a second run leaves replication as it is
    assert.equal(asShop(primary, "INSERT INTO probe VALUES (2, 'replicated')").status, 0);
    await rowArrives(replica, 2, "replicated");
    const status = replica.sql("SHOW SLAVE STATUS\\G", true);
    assert.match(status, /Using_Gtid: Slave_Pos/);
    assert.match(status, /Slave_IO_Running: Yes/);
    assert.match(status, /Slave_SQL_Running: Yes/);
    assert.notEqual(replica.sql("SELECT @@gtid_slave_pos"), "");
    // Semi-sync is live: the primary counts the replica as a semi-sync client.
    await waitFor("a semi-sync client on the primary", () => primary.sql("SHOW STATUS LIKE 'Rpl_semi_sync_master_clients'").endsWith("\t1"), 15_000);
    // Users came through the binlog too: the replica serves the shop user (DATABASE_REPLICA_0_URL).
    assert.equal(asShop(replica, "SELECT COUNT(*) FROM probe").stdout.trim(), "2");
    // The host's own checks read this replica as healthy: running, lag known, read-only.
    const replication = health(replica, "replication");
    assert.match(replication.stdout, /^ok +replication: replication lag 0 s$/m, replication.stdout + replication.stderr);
    assert.match(health(replica, "database").stdout, /^ok +database: MariaDB [0-9.]+, replica, read-only, GTID [0-9-]+$/m);
    assert.match(health(primary, "database").stdout, /^ok +database: MariaDB [0-9.]+, primary, writable, GTID [0-9-]+$/m);
    // Connections against the rendered max_connections, read from the server itself.
    const maxConnections = primary.sql("SELECT @@max_connections");
    assert.match(health(primary, "connections").stdout, new RegExp(`^ok +connections: MariaDB \\d+ of ${maxConnections} connections \\([0-9.]+%; peak \\d+, refused at the limit 0, slow queries \\d+ since start, slow query log (on|off)\\)$`, "m"));
  });

  await t.test("shop-health on the primary reads Shopware's queue and scheduled tasks: a backlog warns, a stale message or an overdue task is critical, work clears them", (st) => {
    if (!requireTool(st, "php")) return;
    // The lab's stand-in release creates Shopware's two tables (Shopware's columns) and works on them as consumer and scheduler.
    const release = path.join(tempDir(st), "release");
    const standin = path.join(ROOT, "scripts", "lab", "standin");
    for (const rel of ["vendor/bin/shopware-deployment-helper", "bin/console"]) {
      fs.mkdirSync(path.dirname(path.join(release, rel)), { recursive: true });
      fs.copyFileSync(path.join(standin, rel), path.join(release, rel));
    }
    fs.writeFileSync(path.join(release, ".env.local"), `BLUE_GREEN_DEPLOYMENT=1\nDATABASE_URL=mysql://${SHOP_DB_USER}:${TEST_SECRETS.DB_SHOP_PASSWORD}@127.0.0.1:${primary.port}/${SHOP_DB_NAME}\n`);
    const php = (rel: string, ...args: string[]) => {
      const r = run("php", [path.join(release, rel), ...args]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    };
    assert.match(health(primary, "shopware").stdout, /^ok +shopware:queue: no messenger_messages table in shopware yet \(Shopware not installed\)$/m);
    php("vendor/bin/shopware-deployment-helper", "run");
    const group = () => health(primary, "shopware").stdout;
    assert.match(group(), /^ok +shopware:queue: Shopware queue: 0 messages waiting/m);
    assert.match(group(), /^ok +shopware:scheduler: 1 scheduled tasks, none overdue by 3 runs$/m);
    assert.equal(asShop(primary, "INSERT INTO messenger_messages (body, headers, queue_name, created_at, available_at) SELECT 'm', '[]', 'default', UTC_TIMESTAMP(), UTC_TIMESTAMP() FROM seq_1_to_1000").status, 0);
    assert.match(group(), /^warning +shopware:queue: Shopware queue: 1000 messages waiting, the oldest for \d+ s \(limits 1000 messages, 15 min\)$/m);
    assert.equal(asShop(primary, "UPDATE messenger_messages SET available_at = UTC_TIMESTAMP() - INTERVAL 16 MINUTE ORDER BY id LIMIT 1").status, 0);
    assert.match(group(), /^critical +shopware:queue: Shopware queue: 1000 messages waiting, the oldest for 9[6-9]\d s/m);
    assert.equal(asShop(primary, "UPDATE scheduled_task SET next_execution_time = UTC_TIMESTAMP(3) - INTERVAL 70 SECOND").status, 0);
    assert.match(group(), /^critical +shopware:scheduler: 1 scheduled task\(s\) overdue by 3 or more runs; lab.standin_task missed 3 /m);
    php("bin/console", "messenger:consume", "async", "--time-limit=3");
    php("bin/console", "scheduled-task:run", "--time-limit=2");
    assert.match(group(), /^ok +shopware:queue: Shopware queue: 0 messages waiting/m);
    assert.match(group(), /^ok +shopware:scheduler: 1 scheduled tasks, none overdue/m);
    assert.equal(health(replica, "shopware").stdout, "", "only the primary reads them: one alert, not one per DB node");
  });

  await t.test("a rotated replication password reaches both sides and replication carries on", async () => {
    const rotated = renderSecretsEnv({ ...TEST_SECRETS, DB_REPLICATION_PASSWORD: "rotatedReplPw77" });
    for (const db of [primary, replica]) fs.writeFileSync(path.join(db.root, "etc/shop/secrets.env"), rotated);
    bootstrap(primary);
    assert.match(bootstrap(replica), /replication password updated/);
    assert.doesNotMatch(bootstrap(replica), /password updated/);
    assert.equal(asShop(primary, "INSERT INTO probe VALUES (3, 'after rotation')").status, 0);
    await rowArrives(replica, 3, "after rotation");
    assert.match(replica.sql("SHOW SLAVE STATUS\\G", true), /Slave_IO_Running: Yes/);
  });

  await t.test("a failover promotes the replica live and fences the old primary, with no restart", async () => {
    assert.equal(asShop(primary, "INSERT INTO probe VALUES (4, 'before failover')").status, 0);
    await rowArrives(replica, 4, "before failover");
    const moved = onThisMachinesRelease("demo", (raw) => (raw.database = { primary: "db-2", outOfService: ["db-1"] }));
    const install = (db: Db, node: NodeSpec, primaryPort?: number) => {
      const files = renderHostBundle(moved, moved.nodes.find((n) => n.name === node.name)!).files;
      const role = files.find((f) => f.path === MARIADB_ROLE_PATH)!;
      fs.writeFileSync(path.join(db.root, MARIADB_ROLE_PATH), role.content);
      writeDbEnv(db.root, files.find((f) => f.path === DB_ENV_PATH)!.content, db.socket, primaryPort);
    };
    install(replica, replicaNode);
    install(primary, primaryNode, replica.port);
    assert.match(bootstrap(replica), /promoted to primary: applied everything received \(GTID [0-9-]+\)/);
    assert.equal(replica.sql("SELECT @@read_only, @@rpl_semi_sync_master_enabled"), "0\t0", "writable; no replica in service to wait for");
    assert.equal(replica.sql("SHOW SLAVE STATUS"), "");
    assert.doesNotMatch(bootstrap(replica), /promoted/, "a second run leaves the primary as it is");
    assert.match(bootstrap(primary), /fenced former primary: read-only, not replicating/);
    assert.equal(primary.sql("SELECT @@read_only"), "1");
    assert.equal(primary.sql("SHOW SLAVE STATUS"), "", "it does not replay the new primary's binlog over data that may differ");
    const refused = asShop(primary, "INSERT INTO probe VALUES (5, 'to the fenced node')");
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /read-only/);
    assert.equal(asShop(replica, "INSERT INTO probe VALUES (5, 'on the new primary')").status, 0);
    assert.equal(asShop(replica, "SELECT COUNT(*) FROM probe").stdout.trim(), "5", "every row written before the failover is there");
  });

  // The re-seed an upgrade needs: mariadb-backup cannot prepare a copy of an older series, so a
  // replica on debian-13 (11.8) gets a dump of the debian-12 primary (10.11). Here both run this
  // machine's MariaDB; the physical path across series is refused (lab scenario 11 runs it).
  await t.test("a logical re-seed rebuilds the fenced node from the new primary's dump at its GTID", async () => {
    // receive hands over to the bootstrap hook where shop-apply installs it (materialize leaves hooks out).
    const hook = path.join(primary.root, "usr/local/lib/shop/apply.d/60-mariadb-bootstrap");
    fs.mkdirSync(path.dirname(hook), { recursive: true });
    fs.copyFileSync(BOOTSTRAP_HOOK, hook);
    fs.chmodSync(hook, 0o755);
    const tool = (db: Db, args: string[]) => `SHOP_ROOT=${db.root} bash ${path.join(db.root, "usr/local/sbin/shop-db-reseed")} ${args.join(" ")}`;
    const r = run("bash", ["-o", "pipefail", "-c", `${tool(replica, ["send", "--logical"])} | ${tool(primary, ["receive"])}`]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /re-seeded from a logical copy of the primary at GTID [0-9-]+ in \d+ s/);
    assert.equal(primary.sql(`SELECT note FROM ${SHOP_DB_NAME}.probe WHERE id = 5`), "on the new primary", "the row the fenced node never saw");
    assert.equal(primary.sql("SELECT @@gtid_slave_pos"), replica.sql("SELECT @@gtid_binlog_pos"));
    assert.equal(asShop(replica, "INSERT INTO probe VALUES (6, 'after the re-seed')").status, 0);
    await rowArrives(primary, 6, "after the re-seed");
    assert.match(primary.sql("SHOW SLAVE STATUS\\G", true), /Slave_SQL_Running: Yes/);
    assert.equal(primary.sql("SELECT @@read_only"), "1");
    assert.equal(asShop(primary, "SELECT COUNT(*) FROM probe").stdout.trim(), "6", "the accounts came with the dump: the shop user reads the rebuilt replica");
    // A dump older than what the node has already replicated (it kept replicating while the dump
    // travelled): the transactions past the dump are applied again, not refused as out of order.
    const dump = path.join(tempDir(t, "shop-dump-"), "dump.sql");
    const saved = run("bash", ["-o", "pipefail", "-c", `${tool(replica, ["send", "--logical"])} > ${dump}`]);
    assert.equal(saved.status, 0, saved.stderr);
    assert.equal(asShop(replica, "INSERT INTO probe VALUES (7, 'after the dump')").status, 0);
    await rowArrives(primary, 7, "after the dump");
    const again = run("bash", ["-c", `${tool(primary, ["receive"])} < ${dump}`]);
    assert.equal(again.status, 0, again.stdout + again.stderr);
    assert.equal(asShop(replica, "INSERT INTO probe VALUES (8, 'second re-seed')").status, 0);
    await rowArrives(primary, 8, "second re-seed");
    assert.match(primary.sql("SHOW SLAVE STATUS\\G", true), /Slave_SQL_Running: Yes/);
    assert.equal(asShop(primary, "SELECT COUNT(*) FROM probe").stdout.trim(), "8");
    const wrongSide = run("bash", ["-c", `${tool(primary, ["send", "--logical"])} | cat`]);
    assert.match(wrongSide.stderr, /send runs on the primary; this node is the replica/);
    const empty = run("bash", ["-c", `${tool(primary, ["receive"])} < /dev/null`]);
    assert.notEqual(empty.status, 0);
    assert.match(empty.stderr, /the stream was empty/);
  });
});
