import { dbPrimary, dbReplicas } from "../../../components/config";
import { RESEED_TOOL } from "../../../components/hostconfig/mariadb";
import { SHOP_DB_NAME } from "../../../components/hostconfig/shopware";
import { shellQuote } from "../../lib/cli";
import { runAsync, sleep } from "../proc";
import { sshArgs } from "../ssh";
import { automationTarget } from "../up";
import { check, inHostOk, LabContext, Scenario } from "./context";

const BOOTSTRAP = "/usr/local/lib/shop/apply.d/60-mariadb-bootstrap";

const quoted = (args: string[]) => args.map(shellQuote).join(" ");

/**
 * 11. HW-1: a replica built after the primary's binlogs are gone. First the way the
 * bootstrap alone builds one (replay from the first binlog): it must fail with error 1236, as
 * on a real host after binlog_expire. Then shop-db-reseed, piped through two SSH sessions as
 * the runbook says: the replica holds every row, replicates again from the copy's GTID, and a
 * new write arrives.
 */
export const reseedScenario: Scenario = {
  id: 11,
  title: "Replica re-seed after binlog expiry (HW-1)",
  timeoutMs: 300_000,
  async run(ctx: LabContext) {
    const primary = dbPrimary(ctx.spec).name;
    const replica = dbReplicas(ctx.spec)[0]?.name;
    check(Boolean(replica), "the stack has no replica to rebuild");
    const sql = (host: string, query: string) => inHostOk(ctx, host, ["mariadb", "--batch", "--skip-column-names", "-e", query]).stdout.trim();
    sql(primary, `CREATE TABLE IF NOT EXISTS ${SHOP_DB_NAME}.lab_reseed (id INT PRIMARY KEY, note VARCHAR(40)); REPLACE INTO ${SHOP_DB_NAME}.lab_reseed VALUES (1, 'before'), (2, 'before'), (3, 'before')`);

    // An empty replica, and a primary whose old binlogs are purged (what 7 days of expiry do).
    inHostOk(ctx, replica!, ["bash", "-c", "systemctl stop mariadb && rm -rf /var/lib/mysql && mariadb-install-db --user=mysql --datadir=/var/lib/mysql --auth-root-authentication-method=socket --skip-test-db >/dev/null && systemctl start mariadb"], 120_000);
    // MariaDB keeps a binlog that a dump thread still reads: end the wiped replica's old
    // connection first, then purge until only the current binlog is left.
    const current = sql(primary, "FLUSH BINARY LOGS; SHOW MASTER STATUS").split("\t")[0];
    let binlogs = 0;
    for (let i = 0; i < 30 && binlogs !== 1; i++) {
      for (const id of sql(primary, "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'").split("\n").filter(Boolean)) sql(primary, `KILL ${Number(id)}`);
      sql(primary, `PURGE BINARY LOGS TO '${current}'`);
      binlogs = sql(primary, "SHOW BINARY LOGS").split("\n").filter(Boolean).length;
      if (binlogs !== 1) await sleep(1000);
    }
    check(binlogs === 1, `the primary still keeps ${binlogs} binlogs after PURGE BINARY LOGS TO '${current}'`);
    inHostOk(ctx, replica!, [BOOTSTRAP]);
    let ioError = "";
    for (let i = 0; i < 40 && !ioError; i++) {
      ioError = /Last_IO_Errno: (\d+)/.exec(inHostOk(ctx, replica!, ["mariadb", "-e", "SHOW SLAVE STATUS\\G"]).stdout)?.[1] ?? "";
      if (ioError === "0") ioError = "";
      if (!ioError) await sleep(500);
    }
    check(ioError === "1236", `a replica built by replaying from the first binlog did not fail with 1236 (Last_IO_Errno ${ioError || "none"}); the test cannot show what the re-seed fixes`);

    const host = (name: string) => ctx.topo.hosts.find((h) => h.name === name)!;
    const ssh = (name: string, command: string) => `ssh ${quoted(sshArgs(automationTarget(ctx.topo, host(name), ctx.key)))} ${quoted([command])}`;
    const started = Date.now();
    const r = await runAsync("bash", ["-o", "pipefail", "-c", `${ssh(primary, `sudo -n ${RESEED_TOOL} send`)} | ${ssh(replica!, `sudo -n ${RESEED_TOOL} receive`)}`], { allowFail: true, timeoutMs: 240_000 });
    const seconds = (Date.now() - started) / 1000;
    check(r.status === 0, `the re-seed failed (exit ${r.status}): ${r.stderr.trim().split("\n").filter((l) => !/completed OK|can still be activated|mariadb\.socket/.test(l)).slice(-6).join(" | ")}`);
    const line = r.stdout.trim().split("\n").pop() ?? "";
    check(sql(replica!, `SELECT COUNT(*) FROM ${SHOP_DB_NAME}.lab_reseed`) === "3", "the re-seeded replica lacks the rows written before");
    sql(primary, `INSERT INTO ${SHOP_DB_NAME}.lab_reseed VALUES (4, 'after')`);
    let arrived = false;
    for (let i = 0; i < 60 && !arrived; i++) {
      arrived = sql(replica!, `SELECT COUNT(*) FROM ${SHOP_DB_NAME}.lab_reseed WHERE id = 4`) === "1";
      if (!arrived) await sleep(500);
    }
    const status = inHostOk(ctx, replica!, ["mariadb", "-e", "SHOW SLAVE STATUS\\G"]).stdout;
    check(arrived, `a write after the re-seed did not reach the replica: ${/Last_(IO|SQL)_Error: .*/.exec(status)?.[0] ?? "no error shown"}`);
    check(/Slave_IO_Running: Yes/.test(status) && /Slave_SQL_Running: Yes/.test(status) && /Using_Gtid: Slave_Pos/.test(status), "replication is not running on GTID after the re-seed");
    check(sql(replica!, "SELECT @@read_only") === "1", "the re-seeded replica is writable");
    sql(primary, `DROP TABLE ${SHOP_DB_NAME}.lab_reseed`);
    return `replay from the first binlog failed with 1236 after the purge, as expected; shop-db-reseed send | receive over two SSH sessions in ${seconds.toFixed(1)} s (${line.replace(/^re-seeded /, "")}); rows before and a new write replicated, GTID slave_pos, read_only`;
  },
};
