import assert from "node:assert/strict";
import { test } from "node:test";
import * as fs from "fs";
import * as path from "path";
import { dbDumpHost, retentionReachDays } from "../../components/hostconfig/backup";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { healthConfig } from "../../components/hostconfig/health";
import { dbPrimary } from "../../components/config";
import { materialize } from "../helpers/hostBundle";
import { startMariadb, TestMariadb } from "../helpers/mariadb";
import { onThisMachinesRelease, stackSpec } from "../helpers/stacks";
import { requireTool, run, runAsync, tempDir } from "../helpers/tools";
import { startWebhookSink } from "../helpers/webhookSink";

/**
 * OPS-1 end to end with real processes: the rendered shop-backup dumps a real MariaDB into a
 * real restic repository, shop-restore brings a dropped table back, and the freshness check
 * fires once the last success is backdated. Only the repository location is overridden
 * (a local directory instead of the Storage Box over SFTP).
 */

const TABLES = ["product", "customer", "order_line"];
/** Rows per table; bench/backup-restore.sh raises it for a bigger database. */
const ROWS = Number(process.env.SHOP_BENCH_ROWS ?? 20_000);

function fingerprint(db: TestMariadb, database: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const count = db.query(`SELECT COUNT(*) FROM \`${table}\``, database).trim();
    const checksum = db.query(`CHECKSUM TABLE \`${table}\` EXTENDED`, database).trim().split("\t")[1];
    out[table] = `${count} rows, checksum ${checksum}`;
  }
  return out;
}

function seed(db: TestMariadb): void {
  db.query("CREATE DATABASE shopware CHARACTER SET utf8mb4");
  db.query(
    [
      `SET SESSION max_recursive_iterations = ${ROWS + 1}`,
      "CREATE TABLE product (id INT PRIMARY KEY AUTO_INCREMENT, sku VARCHAR(32) NOT NULL UNIQUE, name VARCHAR(255), price DECIMAL(10,2), description TEXT)",
      "CREATE TABLE customer (id INT PRIMARY KEY AUTO_INCREMENT, email VARCHAR(255) NOT NULL, created_at DATETIME NOT NULL, payload BLOB)",
      "CREATE TABLE order_line (id INT PRIMARY KEY AUTO_INCREMENT, customer_id INT NOT NULL, product_id INT NOT NULL, quantity INT NOT NULL, total DECIMAL(12,2))",
      "CREATE TABLE order_audit (order_line_id INT, at DATETIME)",
      `INSERT INTO product (sku, name, price, description) WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${ROWS})
         SELECT CONCAT('SKU-', n), CONCAT('Sofa Modell ', n, ' – Eiche'), ROUND(n * 1.37, 2), REPEAT(MD5(n), 8) FROM seq`,
      `INSERT INTO customer (email, created_at, payload) WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${ROWS})
         SELECT CONCAT('kunde', n, '@example.de'), '2026-01-01' + INTERVAL n MINUTE, UNHEX(SHA2(n, 256)) FROM seq`,
      `INSERT INTO order_line (customer_id, product_id, quantity, total) WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${ROWS})
         SELECT 1 + n MOD 997, 1 + n MOD 4999, 1 + n MOD 7, ROUND((1 + n MOD 7) * (n MOD 4999) * 1.37, 2) FROM seq`,
      // Routines, triggers and events must survive the round trip too.
      "CREATE TRIGGER order_line_audit AFTER INSERT ON order_line FOR EACH ROW INSERT INTO order_audit VALUES (NEW.id, NOW())",
      "CREATE FUNCTION order_total(c INT) RETURNS DECIMAL(14,2) READS SQL DATA RETURN (SELECT SUM(total) FROM order_line WHERE customer_id = c)",
      "CREATE EVENT purge_audit ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM order_audit WHERE at < NOW() - INTERVAL 30 DAY",
    ].join(";\n"),
    "shopware",
  );
}

test("shop-backup → restic → shop-restore round trip on a real MariaDB, freshness check", { timeout: 600_000 }, async (t) => {
  for (const tool of ["mariadbd", "mariadb-install-db", "restic", "rclone", "curl", "/usr/bin/python3"]) if (!requireTool(t, tool)) return;
  const dir = tempDir(t, "shop-backup-");
  // Real mariadbd of this machine runs the rendered config: its release, whatever the demo declares.
  const spec = onThisMachinesRelease("demo");
  const node = dbDumpHost(spec);
  assert.ok(node.roles.includes("db-replica"), "the dump runs on the replica");

  // The host as converge leaves it: the real bundle installed by the real apply script.
  const root = materialize(renderHostBundle(spec, node), path.join(dir, "host"));
  const sbin = path.join(root, "usr/local/sbin");
  const db = await startMariadb(t, path.join(dir, "mariadb"));
  seed(db);
  const original = fingerprint(db, "shopware");
  const dataBytes = Number(db.query("SELECT SUM(data_length + index_length) FROM information_schema.tables WHERE table_schema = 'shopware'").trim());

  const sink = await startWebhookSink(t);
  const env: NodeJS.ProcessEnv = {
    SHOP_ETC: path.join(root, "etc/shop"),
    SHOP_LIB_DIR: path.join(root, "usr/local/lib/shop"),
    RESTIC_REPOSITORY: path.join(dir, "repo"),
    MYSQL_DEFAULTS_FILE: db.defaultsFile,
    BACKUP_STATE_DIR: path.join(dir, "state"),
    BACKUP_TEXTFILE_DIR: path.join(dir, "textfile"),
    BACKUP_HEARTBEAT_URL: `${sink.url}/ping/backup-uuid`,
  };
  const shop = (script: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
    runAsync("bash", [path.join(sbin, script), ...args], { env: { ...env, ...extra }, timeoutMs: 300_000 });
  const snapshots = (tag: string): { id: string }[] => {
    const r = run("restic", ["snapshots", "--json", "--tag", tag], { env: { ...process.env, ...env, RESTIC_PASSWORD: "testResticPw42" } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { id: string }[];
  };

  const init = await shop("shop-backup", ["init"]);
  assert.equal(init.status, 0, init.stderr);

  await t.test("db backup: a snapshot, heartbeats, stamp and metrics", async () => {
    const started = Date.now();
    const r = await shop("shop-backup", ["db"]);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(snapshots("db").length, 1);
    assert.deepEqual(sink.requests.map((q) => q.path), ["/ping/backup-uuid/start", "/ping/backup-uuid/0"]);
    assert.match(sink.requests[0].body, new RegExp(`${node.name} db`));
    const stamp = Number(fs.readFileSync(path.join(dir, "state/last-success-db"), "utf8"));
    assert.ok(Math.abs(stamp - Date.now() / 1000) < 120);
    const metrics = fs.readFileSync(path.join(dir, "textfile/shop_backup_db.prom"), "utf8");
    assert.match(metrics, /shop_backup_last_exit_code\{kind="db"\} 0/);
    const dumpBytes = Number(/shop_backup_processed_bytes\{kind="db"\} (\d+)/.exec(metrics)?.[1]);
    assert.ok(dumpBytes > 100_000, `compressed dump of ${dumpBytes} bytes`);
    t.diagnostic(`backup: ${ROWS * 3} rows, ${(dataBytes / 1e6).toFixed(1)} MB in InnoDB, ${(dumpBytes / 1e6).toFixed(2)} MB gzip dump, ${seconds.toFixed(2)} s`);
  });

  await t.test("a failed dump keeps no snapshot and reports its exit code", async () => {
    sink.requests.length = 0;
    const r = await shop("shop-backup", ["db"], { SHOP_DB_NAME: "no_such_database" });
    assert.notEqual(r.status, 0);
    assert.equal(snapshots("db").length, 1, "the truncated dump was forgotten");
    assert.equal(sink.requests.at(-1)?.path, `/ping/backup-uuid/${r.status}`);
    assert.match(fs.readFileSync(path.join(dir, "textfile/shop_backup_db.prom"), "utf8"), new RegExp(`shop_backup_last_exit_code\\{kind="db"\\} ${r.status}`));
  });

  await t.test("restore: a dropped table comes back with equal row counts and checksums", async () => {
    db.query("DROP TABLE order_line; UPDATE product SET price = 0 WHERE id <= 100", "shopware");
    assert.notEqual(db.query("CHECKSUM TABLE product EXTENDED", "shopware").split("\t")[1], original.product.split("checksum ")[1]);

    const refused = await shop("shop-restore", ["db", "--live"]);
    assert.notEqual(refused.status, 0, "live restore without --confirm-live must refuse");
    assert.match(refused.stderr, /--confirm-live/);
    assert.equal(db.query("SHOW TABLES LIKE 'order_line'", "shopware").trim(), "");

    const scratch = await shop("shop-restore", ["db", "--into", "shopware_scratch"]);
    assert.equal(scratch.status, 0, scratch.stderr);
    assert.deepEqual(fingerprint(db, "shopware_scratch"), original);

    const started = Date.now();
    const live = await shop("shop-restore", ["db", "--live", "--confirm-live"]);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(live.status, 0, live.stderr);
    assert.deepEqual(fingerprint(db, "shopware"), original);
    assert.equal(db.query("SHOW TRIGGERS LIKE 'order_line'", "shopware").split("\t")[0], "order_line_audit");
    assert.match(db.query("SHOW FUNCTION STATUS WHERE Db = 'shopware'"), /order_total/);
    assert.match(db.query("SHOW EVENTS", "shopware"), /purge_audit/);
    t.diagnostic(`restore over the live database: ${seconds.toFixed(2)} s`);
  });

  await t.test("files: backup, list, restore into a target directory", async () => {
    const src = path.join(dir, "shared");
    fs.mkdirSync(path.join(src, "config"), { recursive: true });
    fs.writeFileSync(path.join(src, ".env.local"), "APP_ENV=prod\n");
    fs.writeFileSync(path.join(src, "config/zz-cluster.yaml"), "shopware: {}\n");
    const backup = await shop("shop-backup", ["files"], { BACKUP_FILES_PATHS: src });
    assert.equal(backup.status, 0, backup.stderr);
    const list = await shop("shop-restore", ["list", "files"]);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(node.name));
    fs.rmSync(path.join(src, ".env.local"));
    const target = path.join(dir, "restored");
    const restore = await shop("shop-restore", ["files", "--target", target]);
    assert.equal(restore.status, 0, restore.stderr);
    assert.equal(fs.readFileSync(path.join(target, src, ".env.local"), "utf8"), "APP_ENV=prod\n");
  });

  await t.test("media mirror with rclone keeps deleted objects in a dated folder", async () => {
    const source = path.join(dir, "bucket");
    const dest = path.join(dir, "box/media-mirror");
    fs.mkdirSync(path.join(source, "media/ab"), { recursive: true });
    fs.writeFileSync(path.join(source, "media/ab/sofa.jpg"), "jpeg bytes");
    fs.writeFileSync(path.join(source, "media/ab/chair.jpg"), "more jpeg bytes");
    const mirror = (extra: NodeJS.ProcessEnv = {}) => shop("shop-backup", ["media"], { MEDIA_MIRROR_SOURCE: source, MEDIA_MIRROR_DEST: dest, ...extra });
    assert.equal((await mirror()).status, 0);
    assert.equal(fs.readFileSync(path.join(dest, "media/ab/sofa.jpg"), "utf8"), "jpeg bytes");
    fs.rmSync(path.join(source, "media/ab/chair.jpg"));
    assert.equal((await mirror()).status, 0);
    assert.ok(!fs.existsSync(path.join(dest, "media/ab/chair.jpg")));
    const deletedDir = `${dest}-deleted/${new Date().toISOString().slice(0, 10)}`;
    assert.equal(fs.readFileSync(path.join(deletedDir, "media/ab/chair.jpg"), "utf8"), "more jpeg bytes");
    // Dated folders older than the database snapshots reach are purged; newer ones and foreign names stay.
    const keepDays = retentionReachDays(spec.backup.retention);
    const day = (ago: number) => { const d = new Date(); d.setDate(d.getDate() - ago); return d.toISOString().slice(0, 10); };
    for (const name of [day(keepDays + 2), day(keepDays - 2), "notes"]) {
      fs.mkdirSync(path.join(`${dest}-deleted`, name, "media"), { recursive: true });
      fs.writeFileSync(path.join(`${dest}-deleted`, name, "media/old.jpg"), "old");
    }
    const pruned = await mirror();
    assert.equal(pruned.status, 0, pruned.stderr);
    assert.ok(!fs.existsSync(path.join(`${dest}-deleted`, day(keepDays + 2))), "older than the snapshots reach: purged");
    for (const name of [day(keepDays - 2), "notes"]) assert.ok(fs.existsSync(path.join(`${dest}-deleted`, name, "media/old.jpg")), `${name} kept`);
    assert.ok(fs.existsSync(path.join(deletedDir, "media/ab/chair.jpg")), "today's folder kept");
  });

  await t.test("weekly check reads a data subset", async () => {
    const r = await shop("shop-backup", ["check"]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(dir, "state/last-success-check")));
  });

  await t.test("replication checks against the real server: a replica without a source and a primary without semi-sync fire", async () => {
    const mysql = `mariadb --defaults-file=${db.defaultsFile}`;
    const replica = await runAsync("/usr/bin/python3", [path.join(sbin, "shop-health"), "--only", "replication"], {
      env: { SHOP_ETC: path.join(root, "etc/shop"), SHOP_HEALTH_MYSQL: mysql },
    });
    assert.equal(replica.status, 1, replica.stdout + replica.stderr);
    assert.match(replica.stdout, /critical +replication: this replica has no replication configured/);
    assert.match(replica.stdout, /warning +semisync: semi-sync off \(replication fell back to async\) \(replica\)/);
    const primaryEtc = path.join(dir, "primary-etc");
    fs.mkdirSync(primaryEtc);
    fs.writeFileSync(path.join(primaryEtc, "health.json"), JSON.stringify(healthConfig(spec, dbPrimary(spec))));
    const primary = await runAsync("/usr/bin/python3", [path.join(sbin, "shop-health"), "--only", "replication"], { env: { SHOP_ETC: primaryEtc, SHOP_HEALTH_MYSQL: mysql } });
    assert.equal(primary.status, 1, primary.stdout + primary.stderr);
    assert.match(primary.stdout, /warning +semisync: semi-sync off .*\(primary\)/);
    db.query("SET GLOBAL rpl_semi_sync_master_enabled = ON");
    const semisyncOn = await runAsync("/usr/bin/python3", [path.join(sbin, "shop-health"), "--only", "replication"], { env: { SHOP_ETC: primaryEtc, SHOP_HEALTH_MYSQL: mysql } });
    assert.equal(semisyncOn.status, 0, semisyncOn.stdout + semisyncOn.stderr);
    assert.match(semisyncOn.stdout, /ok +semisync: semi-sync on \(primary\)/);
  });

  await t.test("database role against the real server: only the primary may be writable; --report prints every item and its last alert", async () => {
    const mysql = `mariadb --defaults-file=${db.defaultsFile}`;
    const health = (etc: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
      runAsync("/usr/bin/python3", [path.join(sbin, "shop-health"), ...args], { env: { SHOP_ETC: etc, SHOP_HEALTH_MYSQL: mysql, ...extra } });
    const replicaEtc = path.join(root, "etc/shop");
    const primaryEtc = path.join(dir, "primary-etc");
    const writableReplica = await health(replicaEtc, ["--only", "database"]);
    assert.equal(writableReplica.status, 1, writableReplica.stdout + writableReplica.stderr);
    assert.match(writableReplica.stdout, /critical +database: MariaDB [0-9.]+, replica, writable, GTID .*: not the primary but writable/);
    assert.equal((await health(primaryEtc, ["--only", "database"])).status, 0);
    db.query("SET GLOBAL read_only = ON");
    try {
      const readOnlyPrimary = await health(primaryEtc, ["--only", "database"]);
      assert.equal(readOnlyPrimary.status, 1, readOnlyPrimary.stdout);
      assert.match(readOnlyPrimary.stdout, /critical +database: .*primary, read-only.*the shop cannot write/);
      assert.equal((await health(replicaEtc, ["--only", "database"])).status, 0, "a read-only replica is fine");
    } finally {
      db.query("SET GLOBAL read_only = OFF");
    }
    // --report reads the alert state and writes nothing: no state, no metrics, no delivery.
    const stateDir = path.join(dir, "health-state");
    const textfileDir = path.join(dir, "report-textfile");
    fs.mkdirSync(stateDir);
    const state = { database: { status: "critical", since: 1, group: "database", sent: { hook: { status: "critical", at: 1_700_000_000 } } } };
    fs.writeFileSync(path.join(stateDir, "state.json"), JSON.stringify(state));
    const r = await health(replicaEtc, ["--report"], { SHOP_STATE_DIR: stateDir, SHOP_TEXTFILE_DIR: textfileDir, SHOP_BACKUP_STATE_DIR: path.join(dir, "state") });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { host: string; items: { key: string; status: string; group: string; lastAlert: { at: number } | null }[] };
    assert.equal(report.host, dbDumpHost(spec).name);
    const database = report.items.find((i) => i.key === "database")!;
    assert.equal(database.status, "critical");
    assert.equal(database.lastAlert?.at, 1_700_000_000);
    for (const group of ["load", "disk", "memory", "services", "replication", "backup_age"]) assert.ok(report.items.some((i) => i.group === group), `--report has no ${group} item`);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(stateDir, "state.json"), "utf8")), state, "--report changed the alert state");
    assert.ok(!fs.existsSync(textfileDir), "--report wrote metrics");
  });

  await t.test("freshness: a backdated last success makes the check fire", async () => {
    const health = (extra: NodeJS.ProcessEnv = {}) =>
      runAsync("/usr/bin/python3", [path.join(sbin, "shop-health"), "--only", "backup_age"], {
        env: { SHOP_ETC: path.join(root, "etc/shop"), SHOP_BACKUP_STATE_DIR: path.join(dir, "state"), ...extra },
      });
    const fresh = await health();
    assert.equal(fresh.status, 0, fresh.stdout + fresh.stderr);
    assert.match(fresh.stdout, /ok +backup_age:db/);
    // demo's dbSchedule is hourly: the limit is 1.5 h. Backdate the stamp by 2 h.
    fs.writeFileSync(path.join(dir, "state/last-success-db"), `${Math.floor(Date.now() / 1000) - 7200}\n`);
    const stale = await health();
    assert.equal(stale.status, 1, stale.stdout + stale.stderr);
    assert.match(stale.stdout, /critical +backup_age:db: backup db: last success 120 min ago \(limit 90 min\)/);
  });
});

test("40-backup-init: freshness clock per kind, init skipped without Storage Box facts, restic init otherwise", { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, "restic")) return;
  const dir = tempDir(t, "shop-backup-init-");
  const spec = stackSpec("demo");
  const bundle = renderHostBundle(spec, dbDumpHost(spec));
  const root = materialize(bundle, path.join(dir, "host"));
  const hook = path.join(dir, "40-backup-init");
  fs.writeFileSync(hook, bundle.files.find((f) => f.path === "/usr/local/lib/shop/apply.d/40-backup-init")!.content, { mode: 0o755 });

  // As shop-apply runs it: secrets.env has no STORAGEBOX_* yet, so nothing reaches the network.
  const skipped = await runAsync("bash", [hook], { env: { SHOP_ROOT: root } });
  assert.equal(skipped.status, 0, skipped.stderr);
  assert.match(skipped.stderr, /repository init skipped/);
  for (const kind of ["db", "files", "check"]) assert.ok(fs.existsSync(path.join(root, "var/lib/shop/backup", `enabled-${kind}`)), kind);
  assert.ok(!fs.existsSync(path.join(root, "var/lib/shop/backup/enabled-media")), "the replica does not mirror media");
  const firstClock = fs.readFileSync(path.join(root, "var/lib/shop/backup/enabled-db"), "utf8");

  // A repository given in the environment wins over backup.env; a second run is idempotent.
  const repo = path.join(dir, "repo");
  for (let i = 0; i < 2; i++) {
    const r = await runAsync("bash", [hook], { env: { SHOP_ROOT: root, RESTIC_REPOSITORY: repo } });
    assert.equal(r.status, 0, r.stderr);
  }
  assert.equal(run("restic", ["cat", "config"], { env: { ...process.env, RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: "testResticPw42" } }).status, 0);
  assert.equal(fs.readFileSync(path.join(root, "var/lib/shop/backup/enabled-db"), "utf8"), firstClock, "the freshness clock starts once");
});
