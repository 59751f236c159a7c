import { spawn } from "child_process";
import * as os from "os";
import * as path from "path";
import type { Lang } from "../components/checklist";
import { AuditReport, auditOneLine, portfolioRow, PortfolioRow, renderAuditMarkdown, renderPortfolio } from "../components/checklist/report";
import { isStackName, listStacks, readStackFile, STACK_NAME_RULE, stackFilePath, stackNameOfFile } from "../components/config";
import { CommandSpec, fail, parseCommand, runMain, TS_NODE_ARGS } from "./lib/cli";
import { PROJECT_ROOT } from "./lib/offlinePlan";
import { planStack, removingStaleReportsOnFailure, writePlanDir } from "./lib/writePlan";

const AUDIT_COMMAND: CommandSpec = {
  command: "npm run audit --",
  synopsis: "--stack NAME | --file PATH | --all [options]",
  summary: "Judges the checklist on a stack's offline plan; writes out/<stack>/ like the plan and prints the report. Exit 1 when a mandatory item fails.",
  options: [
    { name: "stack", value: "NAME", help: "audit stacks/Pulumi.NAME.yaml" },
    { name: "file", value: "PATH", help: "audit any stack file" },
    { name: "all", help: "audit every stack in the stacks directory: one portfolio row each" },
    { name: "lang", value: "en|de", help: "report language (default en)" },
    { name: "format", value: "md|json", help: "Markdown report or the audit.json document (default md)" },
    { name: "out", value: "DIR", help: "write to DIR/<stack>/ instead of out/<stack>/" },
    { name: "stacks-dir", value: "DIR", help: "read stack files from DIR instead of stacks/" },
    { name: "batch", value: "A,B", help: "worker mode of --all", hidden: true },
  ],
};
const USAGE = `usage: ${AUDIT_COMMAND.command} ${AUDIT_COMMAND.synopsis}`;

interface Options {
  lang: Lang;
  format: "md" | "json";
  outRoot: string;
  stacksDir: string;
}

/** One stack in this process: offline plan, out/<stack>/ (plan, bundles, audit, runbook), report on stdout. */
async function auditOne(file: string, stack: string | undefined, opts: Options): Promise<number> {
  const { run, report, files, warnings } = await removingStaleReportsOnFailure(opts.outRoot, stack ?? stackNameOfFile(file), async () => planStack(readStackFile(file, stack), opts.outRoot));
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  const dir = writePlanDir(opts.outRoot, run.spec.stack, files);
  process.stdout.write(opts.format === "json" ? JSON.stringify(report, null, 2) + "\n" : renderAuditMarkdown(report, opts.lang));
  process.stderr.write(`wrote ${path.relative(process.cwd(), dir) || dir}/audit.md, audit.de.md, audit.json, runbook.md, runbook.de.md\naudit: ${auditOneLine(report, opts.lang)}\n`);
  return report.summary.mandatoryFailed.length ? 1 : 0;
}

interface ChildResult {
  stack: string;
  report?: AuditReport;
  error?: string;
}

/** Worker mode (--batch a,b,c): audits its stacks one after another in this process, one JSON line each. */
async function auditBatch(stacks: string[], opts: Options): Promise<void> {
  for (const stack of stacks) {
    let line: ChildResult;
    try {
      const { run, report, files } = await removingStaleReportsOnFailure(opts.outRoot, stack, async () =>
        planStack(readStackFile(stackFilePath(opts.stacksDir, stack), stack), opts.outRoot),
      );
      writePlanDir(opts.outRoot, run.spec.stack, files);
      line = { stack, report };
    } catch (err) {
      line = { stack, error: err instanceof Error ? err.message.split("\n").join("; ") : String(err) };
    }
    process.stdout.write(JSON.stringify(line) + "\n");
  }
}

/** Pulumi mocks are process-wide: each worker process takes a share of the stacks and plans them in turn. */
function auditWorker(stacks: string[], opts: Options): Promise<ChildResult[]> {
  const args = [...TS_NODE_ARGS, __filename, "--batch", stacks.join(","), "--out", opts.outRoot, "--stacks-dir", opts.stacksDir];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000 + 30_000 * stacks.length);
    child.on("close", (code) => {
      clearTimeout(timer);
      const done = stdout.split("\n").flatMap((l) => {
        try {
          return [JSON.parse(l) as ChildResult];
        } catch {
          return []; // empty or cut off by a crash: that stack counts as missing below
        }
      });
      const why = stderr.split("\n").filter((l) => l && !l.startsWith("warning:")).join("; ") || `exit ${String(code)}`;
      // A worker that died mid-way reports the stacks it never finished.
      const missing = stacks.filter((s) => !done.some((d) => d.stack === s)).map((stack) => ({ stack, error: `worker failed: ${why}` }));
      resolve([...done, ...missing]);
    });
  });
}

async function auditAll(opts: Options): Promise<number> {
  const found = listStacks(opts.stacksDir);
  if (!found.length) fail(`error: no stack files (Pulumi.<name>.yaml) in ${opts.stacksDir}`);
  // A file whose name is no valid stack name is reported, never planned (its name would be a path).
  const stacks = found.filter(isStackName);
  const badNames: ChildResult[] = found
    .filter((s) => !isStackName(s))
    .map((s) => ({ stack: JSON.stringify(s), error: `stack: found ${JSON.stringify(s)}; allowed: ${STACK_NAME_RULE}` }));
  const started = Date.now();
  const workers = Math.min(os.availableParallelism(), Math.max(1, stacks.length));
  const shares = Array.from({ length: workers }, (_, w) => stacks.filter((_s, i) => i % workers === w));
  const results = [...badNames, ...(await Promise.all(shares.filter((s) => s.length).map((share) => auditWorker(share, opts)))).flat()];
  results.sort((a, b) => a.stack.localeCompare(b.stack));
  const rows: PortfolioRow[] = results.flatMap((r) => (r.report ? [portfolioRow(r.report)] : []));
  const invalid = results.filter((r) => r.error);
  if (opts.format === "json") process.stdout.write(JSON.stringify({ stacks: rows, invalid }, null, 2) + "\n");
  else {
    process.stdout.write(renderPortfolio(rows, opts.lang));
    for (const r of invalid) process.stdout.write(`\n${r.stack}: ${opts.lang === "de" ? "ungültige Konfiguration" : "invalid config"}: ${r.error}\n`);
  }
  process.stderr.write(`audited ${found.length} stack(s) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return invalid.length || rows.some((r) => r.mandatoryFailed.length) ? 1 : 0;
}

runMain(async () => {
  const { flags, positional } = parseCommand(process.argv.slice(2), AUDIT_COMMAND);
  if (positional.length) fail(`error: unexpected argument ${positional[0]}\n${USAGE}`);
  const lang = flags.lang ?? "en";
  const format = flags.format ?? "md";
  if (lang !== "en" && lang !== "de") fail(`error: --lang: found ${String(lang)}; allowed: en, de`);
  if (format !== "md" && format !== "json") fail(`error: --format: found ${String(format)}; allowed: md, json`);
  const opts: Options = {
    lang,
    format,
    outRoot: typeof flags.out === "string" ? path.resolve(flags.out) : path.join(PROJECT_ROOT, "out"),
    stacksDir: typeof flags["stacks-dir"] === "string" ? path.resolve(flags["stacks-dir"]) : path.join(PROJECT_ROOT, "stacks"),
  };
  if (typeof flags.batch === "string") return auditBatch(flags.batch.split(","), opts); // names checked by auditAll and again by stackFilePath
  const targets = [flags.all, flags.stack, flags.file].filter((f) => f !== undefined).length;
  if (targets !== 1) fail(`error: name exactly one of --stack, --file or --all\n${USAGE}`);
  let code: number;
  if (flags.all) code = await auditAll(opts);
  else if (typeof flags.stack === "string") {
    code = await auditOne(stackFilePath(opts.stacksDir, flags.stack), flags.stack, opts);
  } else code = await auditOne(path.resolve(String(flags.file)), undefined, opts);
  process.exitCode = code;
});
