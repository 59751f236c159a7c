import * as path from "path";
import { buildSpec, readStackFile, stackFilePath, stackNameOfFile } from "../components/config";
import { CommandSpec, fail, parseCommand, runMain } from "./lib/cli";

const PROJECT_ROOT = path.resolve(__dirname, "..");

const PLAN_COMMAND: CommandSpec = {
  command: "npm run plan --",
  synopsis: "--stack NAME | --file PATH [--out DIR] [--diff]",
  summary: "Plans a stack offline (Pulumi's runtime mocks, no token) and writes out/<stack>/: plan.json, host files, audit and runbook.",
  options: [
    { name: "stack", value: "NAME", help: "plan stacks/Pulumi.NAME.yaml (with --file: the stack name for that file)" },
    { name: "file", value: "PATH", help: "plan any stack file (the stack is named after Pulumi.<stack>.yaml)" },
    { name: "out", value: "DIR", help: "write to DIR/<stack>/ instead of out/<stack>/" },
    { name: "diff", help: "also print what changed since the last plan in that directory: resources and host files" },
  ],
};

runMain(async () => {
  const { flags, positional } = parseCommand(process.argv.slice(2), PLAN_COMMAND);
  const usage = `usage: ${PLAN_COMMAND.command} ${PLAN_COMMAND.synopsis}`;
  if (positional.length) fail(`error: unexpected argument ${positional[0]}\n${usage}`);
  const stack = typeof flags.stack === "string" ? flags.stack : undefined;
  const file = typeof flags.file === "string" ? path.resolve(flags.file) : undefined;
  if (!stack && !file) fail(`error: name a stack (--stack NAME) or a stack file (--file PATH)\n${usage}`);
  const outRoot = typeof flags.out === "string" ? path.resolve(flags.out) : path.join(PROJECT_ROOT, "out");
  const stackPath = file ?? stackFilePath(path.join(PROJECT_ROOT, "stacks"), stack!);
  const { removingStaleReportsOnFailure } = await import("./lib/writePlan");

  await removingStaleReportsOnFailure(outRoot, stack ?? stackNameOfFile(stackPath), async () => {
    const stackFile = readStackFile(stackPath, stack);
    // Validate before loading Pulumi: bad input fails fast and leaves nothing behind.
    buildSpec(stackFile.raw, { stack: stackFile.stack });

    const { planStack, writePlanDir } = await import("./lib/writePlan");
    const { printSummary, printEnding } = await import("./lib/summary");
    const { diffPlans, readPreviousPlan, renderDiff } = await import("./lib/planDiff");
    const planned = await planStack(stackFile, outRoot);
    for (const w of planned.warnings) process.stderr.write(`warning: ${w}\n`);
    const target = path.join(outRoot, planned.run.spec.stack);
    const previous = flags.diff ? readPreviousPlan(target) : undefined;
    const dir = writePlanDir(outRoot, planned.run.spec.stack, planned.files);
    const shown = path.relative(process.cwd(), dir) || dir;
    printSummary(planned.run, shown);
    const { run } = planned;
    const { scopesFor } = await import("../components/cloud/tokenScopes");
    const scopes = scopesFor(run.plan.resources.map((r) => r.type)).map((s) => `  ${s.token.padEnd(21)} ${s.scope.padEnd(36)} ${s.for}`);
    const later = run.spec.dns.target === "lb" ? [] : ["  (the cutover to dns.target: lb adds Zone · Zone Settings · Edit)"];
    process.stdout.write(["", "Token scopes pulumi up needs for this stack:", ...scopes, ...later].join("\n") + "\n");
    if (previous) process.stdout.write("\n" + renderDiff(diffPlans(previous.plan, planned.run.plan, previous.files, planned.files), previous.writtenAt));
    printEnding(planned, shown);
  });
});
