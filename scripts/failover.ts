import * as fs from "fs";
import * as path from "path";
import { buildSpec, DB_NODE_NAME, readStackFile, ShopSpec, stackFilePath } from "../components/config";
import { CommandSpec, fail, parseCommand, runMain } from "./lib/cli";
import { hostsJson } from "./lib/deploy/hosts";
import { nodesFromHosts, soleUserOfRole } from "./lib/deploy/targets";
import { DeployTarget } from "./lib/deploy/exec";
import { failover, FailoverContext, FailoverError, FailoverReport, rebuild } from "./lib/failover/run";
import { specFromText } from "./lib/failover/stackEdit";
import { PROJECT_ROOT } from "./lib/offlinePlan";
import { labAdminTargets } from "./lab/deployTargets";

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
    { name: "hosts", value: "FILE", help: "node addresses: pulumi stack output --json saved to FILE (default: runs pulumi stack output)" },
    { name: "lab", help: "act on the stack's running lab (npm run lab -- up) as its admin user" },
    { name: "user", value: "NAME", help: "SSH user, an admin-role user of the stack (default: the stack's only one)" },
    { name: "key", value: "FILE", help: "SSH private key (default: your SSH agent and config)" },
    { name: "report", value: "FILE", help: "also write the steps, timings and outcome as JSON" },
  ],
};
const USAGE = `usage: ${FAILOVER_COMMAND.command} ${FAILOVER_COMMAND.synopsis}`;

function adminUser(spec: ShopSpec, given: string | undefined): string {
  const found = soleUserOfRole(spec, "admin", given);
  return "user" in found ? found.user : fail(`error: ${found.problem}\n${USAGE}`);
}

function context(stack: string, flags: Record<string, string | true>): FailoverContext {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const specOf = specFromText(stack);
  if (flags.lab) {
    if (flags.hosts || flags.key) fail(`error: --lab brings its own hosts and key; drop --hosts and --key\n${USAGE}`);
    const lab = labAdminTargets(stack);
    return { stackFile: lab.stackFile, targets: lab.targets, specOf, log };
  }
  const stackFile = stackFilePath(path.join(PROJECT_ROOT, "stacks"), stack);
  const spec = buildSpec(readStackFile(stackFile, stack).raw, { stack }).spec;
  const { json, source } = hostsJson(stack, typeof flags.hosts === "string" ? flags.hosts : undefined);
  const found = nodesFromHosts(spec, json, source, adminUser(spec, typeof flags.user === "string" ? flags.user : undefined), typeof flags.key === "string" ? flags.key : undefined, spec.nodes);
  if ("problems" in found) fail(`${found.problems.map((p) => `error: ${p}`).join("\n")}\nnothing was changed.`);
  return { stackFile, targets: new Map<string, DeployTarget>(found.nodes.map((n) => [n.node.name, n.target])), specOf, log };
}

async function main(): Promise<void> {
  const { flags, positional } = parseCommand(process.argv.slice(2), FAILOVER_COMMAND);
  if (positional.length) fail(`error: unexpected argument ${JSON.stringify(positional[0])}\n${USAGE}`);
  const stack = typeof flags.stack === "string" ? flags.stack : fail(`error: --stack NAME is required\n${USAGE}`);
  if (flags.to !== undefined && flags.rebuild !== undefined) fail(`error: give --to or --rebuild, not both\n${USAGE}`);
  for (const key of ["to", "rebuild"] as const) {
    const v = flags[key];
    if (v !== undefined && (typeof v !== "string" || !DB_NODE_NAME.test(v))) fail(`error: --${key}: found ${JSON.stringify(v)}; allowed: a node name without the stack prefix, such as db-2 (profile small: app-2)`);
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
