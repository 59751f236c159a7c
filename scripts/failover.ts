import * as fs from "fs";
import { NODE_NAME } from "../components/config";
import { CommandSpec, fail, parseCommand, runMain } from "./lib/cli";
import { failover, FailoverContext, FailoverError, FailoverReport, rebuild } from "./lib/failover/run";
import { specFromText } from "./lib/stackEdit";
import { REACH_OPTIONS, reachStack } from "./lib/oncall/targets";

const FAILOVER_COMMAND: CommandSpec = {
  command: "npm run failover --",
  synopsis: "--stack NAME [--to NODE | --rebuild NODE] [options]",
  summary:
    "Promotes the database replica when the primary is lost (D6: a human runs it, nothing does it alone): fences the old primary if it answers, " +
    "promotes the replica with everything it received, moves sessions, locks and cache to it, points every app node at it and records " +
    "shop:database in the stack file. --rebuild re-seeds the old primary as the new replica.",
  options: [
    { name: "stack", value: "NAME", help: "the stack (stacks/Pulumi.NAME.yaml, which the command updates)" },
    { name: "to", value: "NODE", help: "the replica to promote, such as db-2 (default: the stack's replica in service)" },
    { name: "rebuild", value: "NODE", help: "re-seed NODE (in shop:database.outOfService) from the primary and put it back in service" },
    ...REACH_OPTIONS("admin"),
    { name: "report", value: "FILE", help: "also write the steps, timings and outcome as JSON" },
  ],
};
const USAGE = `usage: ${FAILOVER_COMMAND.command} ${FAILOVER_COMMAND.synopsis}`;

function context(stack: string, flags: Record<string, string | true>): FailoverContext {
  const reach = reachStack(stack, flags, "admin", USAGE);
  return { stackFile: reach.stackFile, targets: reach.targets, specOf: specFromText(stack), log: (line: string) => process.stdout.write(`${line}\n`) };
}

async function main(): Promise<void> {
  const { flags, positional } = parseCommand(process.argv.slice(2), FAILOVER_COMMAND);
  if (positional.length) fail(`error: unexpected argument ${JSON.stringify(positional[0])}\n${USAGE}`);
  const stack = typeof flags.stack === "string" ? flags.stack : fail(`error: --stack NAME is required\n${USAGE}`);
  if (flags.to !== undefined && flags.rebuild !== undefined) fail(`error: give --to or --rebuild, not both\n${USAGE}`);
  for (const key of ["to", "rebuild"] as const) {
    const v = flags[key];
    if (v !== undefined && (typeof v !== "string" || !NODE_NAME.test(v))) fail(`error: --${key}: found ${JSON.stringify(v)}; allowed: a node name without the stack prefix, such as db-2 (profile small: app-2)`);
  }
  const ctx = context(stack, flags);
  let report: FailoverReport;
  try {
    report = typeof flags.rebuild === "string" ? await rebuild(ctx, flags.rebuild) : await failover(ctx, typeof flags.to === "string" ? flags.to : undefined);
  } catch (err) {
    if (err instanceof FailoverError) fail(`error: ${err.message}\nnothing was changed.`);
    throw err;
  }
  if (typeof flags.report === "string") fs.writeFileSync(flags.report, JSON.stringify(report, null, 2) + "\n");
  if (!report.ok) process.exit(1);
}

runMain(main);
