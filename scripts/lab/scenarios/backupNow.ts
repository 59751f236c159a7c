import * as fs from "fs";
import { backupPlan } from "../../lib/oncall/backupNow";
import { check, inHostOk, LabContext, Scenario } from "./context";
import { onCallCli } from "./oncallCli";

/**
 * 32. Before a risky change: `npm run backup -- --now --lab` as the lab's admin takes the database
 * dump and every host's files through their own units, and prints snapshot ids that restic on the
 * Storage Box stand-in really holds.
 */
export const backupNowScenario: Scenario = {
  id: 32,
  title: "Backup now: npm run backup -- --now (OPS-1)",
  timeoutMs: 600_000,
  async run(ctx: LabContext) {
    const reportFile = `${ctx.names.runDir}/backup-now.json`;
    const r = await onCallCli(ctx, "backup", ["--now", "--kind", "db,files", "--report", reportFile], 600_000);
    check(r.status === 0, `backup --now exited ${r.status}: ${(r.stdout + r.stderr).trim().split("\n").slice(-6).join(" | ")}`);
    const report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as { seconds: number; runs: { host: string; kind: string; snapshot: string | null; seconds: number }[] };
    const expected = backupPlan(ctx.spec, ["db", "files"]);
    check(report.runs.length === expected.length, `backup --now ran ${report.runs.length} jobs; the stack has ${expected.length}`);
    for (const run of report.runs) {
      check(Boolean(run.snapshot), `${run.host} ${run.kind}: no snapshot id`);
      const listed = inHostOk(ctx, run.host, ["shop-restore", "list", run.kind], 120_000).stdout;
      check(listed.includes(run.snapshot!.slice(0, 8)), `${run.host}: restic does not list ${run.kind} snapshot ${run.snapshot}`);
    }
    const db = report.runs.find((x) => x.kind === "db")!;
    return `backup --now: ${report.runs.length} jobs on ${new Set(report.runs.map((x) => x.host)).size} hosts in ${report.seconds.toFixed(1)} s (db dump on ${db.host} ${db.seconds.toFixed(1)} s, snapshot ${db.snapshot!.slice(0, 8)}); every id listed by restic on the Storage Box stand-in`;
  },
};
