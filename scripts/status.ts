import { CommandSpec, exitWith, fail, parseCommand, runMain } from "./lib/cli";
import { snapshotHost } from "./lib/oncall/collect";
import { checkPublicUrl } from "./lib/oncall/publicCheck";
import { renderStatus, shopHealthUrl, STATUS_COMMANDS, statusReport } from "./lib/oncall/status";
import { REACH_OPTIONS, reachStack } from "./lib/oncall/targets";

const STATUS_COMMAND: CommandSpec = {
  command: "npm run status --",
  synopsis: "--stack NAME [--json] [options]",
  summary:
    "One screen for on-call: per host reachable, load per core against the stack's thresholds, disk, memory, failed units, the database's role " +
    "and replication, backup age and the last alert sent, and the shop's health check through its public URL with the certificate's expiry. " +
    "Runs as a readonly-role user and changes nothing. Exit status 1 when anything is red.",
  options: [
    { name: "stack", value: "NAME", help: "the stack (stacks/Pulumi.NAME.yaml)" },
    { name: "json", help: "print the report as JSON instead of the screen" },
    ...REACH_OPTIONS("readonly"),
  ],
};
const USAGE = `usage: ${STATUS_COMMAND.command} ${STATUS_COMMAND.synopsis}`;

async function main(): Promise<void> {
  const { flags, positional } = parseCommand(process.argv.slice(2), STATUS_COMMAND);
  if (positional.length) fail(`error: unexpected argument ${JSON.stringify(positional[0])}\n${USAGE}`);
  const stack = typeof flags.stack === "string" ? flags.stack : fail(`error: --stack NAME is required\n${USAGE}`);
  const reach = reachStack(stack, flags, "readonly", USAGE);
  const now = new Date();
  const [snaps, check] = await Promise.all([
    Promise.all([...reach.targets.values()].map((t) => snapshotHost(t, STATUS_COMMANDS))),
    checkPublicUrl(shopHealthUrl(reach.spec), reach.shopOrigin, now),
  ]);
  const report = statusReport(reach.spec, snaps, check, now, reach.lab);
  exitWith(report.level === "red" ? 1 : 0, 1, flags.json ? JSON.stringify(report, null, 2) : renderStatus(report, reach.lab));
}

runMain(main);
