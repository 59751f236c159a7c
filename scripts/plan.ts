import * as path from "path";
import { buildSpec, readStackFile, stackFilePath } from "../components/config";
import { fail, parseArgs, rejectUnknownFlags, runMain } from "./lib/cli";

const USAGE = "usage: npm run plan -- --stack NAME | --file PATH [--out DIR]";
const PROJECT_ROOT = path.resolve(__dirname, "..");

runMain(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2));
  rejectUnknownFlags(flags, ["stack", "file", "out"], USAGE);
  if (positional.length) fail(`error: unexpected argument ${positional[0]}\n${USAGE}`);
  const stack = typeof flags.stack === "string" ? flags.stack : undefined;
  const file = typeof flags.file === "string" ? path.resolve(flags.file) : undefined;
  if (!stack && !file) fail(`error: name a stack\n${USAGE}`);

  const stackFile = readStackFile(file ?? stackFilePath(path.join(PROJECT_ROOT, "stacks"), stack!), stack);
  // Validate before loading Pulumi: bad input fails fast and leaves nothing behind.
  buildSpec(stackFile.raw, { stack: stackFile.stack });

  const { runOfflinePlan } = await import("./lib/offlinePlan");
  const { planFiles, writePlanDir } = await import("./lib/writePlan");
  const { printSummary } = await import("./lib/summary");
  const run = await runOfflinePlan(stackFile);
  for (const w of [...stackFile.warnings, ...run.warnings]) process.stderr.write(`warning: ${w}\n`);
  const outRoot = typeof flags.out === "string" ? path.resolve(flags.out) : path.join(PROJECT_ROOT, "out");
  const dir = writePlanDir(outRoot, run.spec.stack, planFiles(run));
  printSummary(run, path.relative(process.cwd(), dir) || dir);
  const { scopesFor } = await import("../components/cloud/tokenScopes");
  const scopes = scopesFor(run.plan.resources.map((r) => r.type)).map((s) => `  ${s.token.padEnd(21)} ${s.scope.padEnd(36)} ${s.for}`);
  const later = run.spec.dns.target === "lb" ? [] : ["  (the cutover to dns.target: lb adds Zone · Zone Settings · Edit)"];
  process.stdout.write(["", "Token scopes pulumi up needs for this stack:", ...scopes, ...later].join("\n") + "\n");
});
