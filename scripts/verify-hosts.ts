import * as path from "path";
import { CommandSpec, exitWith, fail, parseCommand, runMain } from "./lib/cli";
import { snapshotHost } from "./lib/oncall/collect";
import { REACH_OPTIONS, reachStack } from "./lib/oncall/targets";
import { VERIFY_DIR, verifyCommands, verifyRecord, writeVerifyRecord } from "./lib/oncall/verify";
import { PROJECT_ROOT } from "./lib/offlinePlan";
import { stackOutDir } from "./lib/outDir";

const VERIFY_COMMAND: CommandSpec = {
  command: "npm run verify-hosts --",
  synopsis: "--stack NAME [options]",
  summary:
    "OPS-3 on the real hosts: as a readonly-role user, runs uname -a, php -v (app nodes), top -bn1, df -h, systemctl --failed, mariadb --version " +
    "(DB nodes) and the host's own checks (the database's role, replication) on every node, and stores every command's output with a timestamp " +
    "in out/NAME/verify/ (JSON and Markdown); the next audit quotes the newest record as OPS-3 evidence. Changes nothing on the hosts. " +
    "Exit status 1 when a host failed a check.",
  options: [
    { name: "stack", value: "NAME", help: "the stack (stacks/Pulumi.NAME.yaml)" },
    { name: "out", value: "DIR", help: "output root (default: out/ in the project)" },
    ...REACH_OPTIONS("readonly"),
  ],
};
const USAGE = `usage: ${VERIFY_COMMAND.command} ${VERIFY_COMMAND.synopsis}`;

async function main(): Promise<void> {
  const { flags, positional } = parseCommand(process.argv.slice(2), VERIFY_COMMAND);
  if (positional.length) fail(`error: unexpected argument ${JSON.stringify(positional[0])}\n${USAGE}`);
  const stack = typeof flags.stack === "string" ? flags.stack : fail(`error: --stack NAME is required\n${USAGE}`);
  const outRoot = typeof flags.out === "string" ? path.resolve(flags.out) : path.join(PROJECT_ROOT, "out");
  const dir = path.join(stackOutDir(outRoot, stack), VERIFY_DIR);
  const reach = reachStack(stack, flags, "readonly", USAGE);
  const at = new Date();
  const snaps = await Promise.all(reach.spec.nodes.map((n) => snapshotHost(reach.targets.get(n.name)!, verifyCommands(n))));
  const record = verifyRecord(reach.spec, snaps, at);
  const file = writeVerifyRecord(dir, record);
  const lines = record.hosts.map((h) => `${h.ok ? "ok  " : "FAIL"} ${h.host.padEnd(18)} ${[h.kernel, h.php].filter(Boolean).join(", ")}${h.problems.length ? `: ${h.problems.join("; ")}` : ""}`);
  const shown = path.relative(process.cwd(), file) || file;
  exitWith(record.ok ? 0 : 1, 1, [...lines, `verify-hosts: ${record.hosts.filter((h) => h.ok).length}/${record.hosts.length} hosts passed; wrote ${shown} and ${shown.replace(/\.json$/, ".md")}`].join("\n"));
}

runMain(main);
