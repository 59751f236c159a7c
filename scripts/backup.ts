import * as fs from "fs";
import type { BackupKind } from "../components/hostconfig/backup";
import { CommandSpec, exitWith, fail, parseCommand, runMain } from "./lib/cli";
import { backupNow, backupPlan, NOW_KINDS } from "./lib/oncall/backupNow";
import { REACH_OPTIONS, reachStack } from "./lib/oncall/targets";

const BACKUP_COMMAND: CommandSpec = {
  command: "npm run backup --",
  synopsis: "--stack NAME --now [--kind db,files,media] [options]",
  summary:
    "A backup now, before a risky change: starts each job's own unit (shop-backup@KIND.service, as the timer would) on every host that runs it, " +
    "nodes in parallel, and prints the snapshot ids to restore from. Without --now it prints what it would run. Exit status 1 when a job failed.",
  options: [
    { name: "stack", value: "NAME", help: "the stack (stacks/Pulumi.NAME.yaml)" },
    { name: "now", help: "take the backups (without it: print the jobs it would start)" },
    { name: "kind", value: "LIST", help: "comma-separated kinds: db (the dump host), files (every host), media (the bucket mirror) (default: all three)" },
    { name: "report", value: "FILE", help: "also write the runs, snapshot ids and timings as JSON" },
    ...REACH_OPTIONS("admin"),
  ],
};
const USAGE = `usage: ${BACKUP_COMMAND.command} ${BACKUP_COMMAND.synopsis}`;

function kindsOf(value: string | true | undefined): BackupKind[] {
  if (value === undefined) return NOW_KINDS;
  const kinds = typeof value === "string" ? value.split(",").map((k) => k.trim()) : [];
  const bad = kinds.filter((k) => !(NOW_KINDS as string[]).includes(k));
  if (!kinds.length || bad.length) fail(`error: --kind: found ${JSON.stringify(value)}; allowed: a comma-separated list of ${NOW_KINDS.join(", ")}\n${USAGE}`);
  return kinds as BackupKind[];
}

async function main(): Promise<void> {
  const { flags, positional } = parseCommand(process.argv.slice(2), BACKUP_COMMAND);
  if (positional.length) fail(`error: unexpected argument ${JSON.stringify(positional[0])}\n${USAGE}`);
  const stack = typeof flags.stack === "string" ? flags.stack : fail(`error: --stack NAME is required\n${USAGE}`);
  const kinds = kindsOf(flags.kind);
  const reach = reachStack(stack, flags, "admin", USAGE);
  const plan = backupPlan(reach.spec, kinds);
  if (!flags.now) exitWith(0, 1, [...plan.map((p) => `would start shop-backup@${p.kind}.service on ${p.host}`), "add --now to take them"].join("\n"));
  const t0 = Date.now();
  const runs = await backupNow(reach.spec, reach.targets, kinds, (line) => process.stdout.write(`${line}\n`));
  const seconds = (Date.now() - t0) / 1000;
  const failed = runs.filter((r) => !r.ok);
  if (typeof flags.report === "string") fs.writeFileSync(flags.report, JSON.stringify({ ok: !failed.length, seconds, runs }, null, 2) + "\n");
  const ids = runs.filter((r) => r.snapshot).map((r) => `${r.host} ${r.kind} ${r.snapshot}`);
  exitWith(
    failed.length ? 1 : 0,
    1,
    `backup: ${runs.length - failed.length}/${runs.length} job(s) done in ${seconds.toFixed(1)} s${failed.length ? `; FAILED: ${failed.map((f) => `${f.host} ${f.kind}`).join(", ")}` : ""}\n` +
      (ids.length ? `restore from: ${ids.join("; ")} (shop-restore db|files --snapshot ID)` : "no snapshot taken"),
  );
}

runMain(main);
