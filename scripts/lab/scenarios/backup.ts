import { dbDumpHost } from "../../../components/hostconfig/backup";
import { SHOP_DB_NAME } from "../../../components/hostconfig/shopware";
import { dbPrimary } from "../../../components/config";
import { inHost } from "../hosts";
import { STORAGEBOX_HOMES, storageBoxMachine } from "../standins/storageBox";
import { check, inHostOk, LabContext, Scenario, shopRequest, withWorkersStopped } from "./context";

const BULK_TABLE = "lab_bulk";
const BULK_ROWS = 20_000;

/** CHECKSUM TABLE over every table of the shop database, as "table checksum" lines. */
function checksums(ctx: LabContext, host: string): string {
  const tables = inHostOk(ctx, host, ["mariadb", "--batch", "--skip-column-names", "-e", `SELECT table_name FROM information_schema.tables WHERE table_schema='${SHOP_DB_NAME}' ORDER BY table_name`])
    .stdout.split("\n")
    .filter(Boolean);
  if (!tables.length) return "";
  return inHostOk(ctx, host, ["mariadb", "--batch", "--skip-column-names", "-e", `CHECKSUM TABLE ${tables.map((t) => `${SHOP_DB_NAME}.${t}`).join(", ")} EXTENDED`]).stdout.trim();
}

/**
 * 8. OPS-1: back up to the Storage Box stand-in, drop the shop database, restore it with
 * shop-restore (the drill: `shop-restore db --stdout` on the dump host into the primary);
 * the table checksums equal the originals; the RTO is the time from the drop to verified data.
 * As the runbook's live restore says, Shopware's workers stop first: the scheduler rewrites
 * scheduled_task on its own, so with it running no checksum taken before the dump can match.
 */
export const backupScenario: Scenario = {
  id: 8,
  title: "Backup and restore (OPS-1)",
  timeoutMs: 300_000,
  run: (ctx: LabContext) =>
    withWorkersStopped(ctx, async (workers) => {
      const primary = dbPrimary(ctx.spec).name;
      const dumpHost = dbDumpHost(ctx.spec).name;
      // Besides the stand-in's rows, some bulk: 20 000 rows from MariaDB's sequence engine.
      inHostOk(ctx, primary, ["mariadb", SHOP_DB_NAME, "-e", `CREATE TABLE ${BULK_TABLE} (id INT PRIMARY KEY, payload CHAR(64) NOT NULL); INSERT INTO ${BULK_TABLE} SELECT seq, SHA2(seq, 256) FROM seq_1_to_${BULK_ROWS}`]);
      const original = checksums(ctx, primary);
      check(original.split("\n").length >= 2, `the shop database on ${primary} lacks the stand-in's table (did the routing scenario write?):\n${original}`);

      const backupStarted = Date.now();
      const backup = inHost(ctx.names, dumpHost, ["shop-backup", "db"], { allowFail: true, timeoutMs: 180_000 });
      check(backup.status === 0, `shop-backup db on ${dumpHost} failed (exit ${backup.status}):\n${(backup.stdout + backup.stderr).trim().split("\n").slice(-10).join("\n")}`);
      const backupSeconds = (Date.now() - backupStarted) / 1000;
      const snapshots = inHostOk(ctx, dumpHost, ["shop-restore", "list", "db"]).stdout;
      check(/\b[0-9a-f]{8}\b/.test(snapshots), `no db snapshot listed on ${dumpHost} after the backup:\n${snapshots}`);
      // The repository really is on the Storage Box stand-in, in the host's own chrooted home.
      const subaccount = ctx.secrets.hosts[dumpHost].STORAGEBOX_USERNAME;
      const box = storageBoxMachine(ctx.names, ctx.topo).name;
      const onBox = inHostOk(ctx, box, ["find", `${STORAGEBOX_HOMES}/${subaccount}/restic/snapshots`, "-type", "f"]).stdout.split("\n").filter(Boolean).length;
      check(onBox > 0, `no restic snapshot in ${subaccount}'s home on the Storage Box stand-in`);

      const dropped = Date.now();
      inHostOk(ctx, primary, ["mariadb", "-e", `DROP DATABASE ${SHOP_DB_NAME}`]);
      const gone = await shopRequest(ctx, "/lab/write?token=after-drop", { method: "POST" });
      check(gone.status !== 200, "a write succeeded although the shop database was dropped");

      const dump = inHost(ctx.names, dumpHost, ["shop-restore", "db", "--stdout"], { allowFail: true, timeoutMs: 180_000 });
      check(dump.status === 0 && dump.stdout.includes("CREATE TABLE"), `shop-restore db --stdout on ${dumpHost} failed (exit ${dump.status}): ${dump.stderr.trim().split("\n").slice(-5).join("\n")}`);
      inHostOk(ctx, primary, ["mariadb", "-e", `CREATE DATABASE ${SHOP_DB_NAME} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`]);
      const load = inHost(ctx.names, primary, ["mariadb", SHOP_DB_NAME], { input: dump.stdout, allowFail: true, timeoutMs: 180_000 });
      check(load.status === 0, `loading the restored dump into ${primary} failed: ${load.stderr.trim()}`);
      const restored = checksums(ctx, primary);
      const rto = (Date.now() - dropped) / 1000;
      check(restored === original, `checksums differ after the restore:\nbefore:\n${original}\nafter:\n${restored}`);
      const write = await shopRequest(ctx, "/lab/write?token=after-restore", { method: "POST" });
      check(write.status === 200, `the app cannot write after the restore: HTTP ${write.status}: ${write.body.trim()}`);
      const tables = original.split("\n").length;
      return `shop-backup db on ${dumpHost} in ${backupSeconds.toFixed(1)} s to the Storage Box stand-in (${onBox} snapshot(s) in subaccount ${subaccount}'s home); database dropped; shop-restore → ${tables} table checksums equal (incl. ${BULK_ROWS} bulk rows); RTO ${rto.toFixed(1)} s (drop → verified) with the workers of ${workers.length} app node(s) stopped; app writes again`;
    }),
};
