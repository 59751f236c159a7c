import * as fs from "fs";
import * as path from "path";
import { buildSpec, readStackFile, ShopSpec, stackFilePath } from "../components/config";
import { RELEASES_KEPT } from "../components/hostconfig/release";
import { CommandSpec, fail, parseCommand, runMain } from "./lib/cli";
import { PROJECT_ROOT } from "./lib/offlinePlan";
import { inspectRelease, openRelease, packRelease } from "./lib/deploy/release";
import { DeployNode, DeployReport, maintenance, rollback, rollingDeploy, RunContext } from "./lib/deploy/run";
import { RELEASE_ID_PATTERN, releaseId } from "./lib/deploy/steps";
import { hostsJson } from "./lib/deploy/hosts";
import { nodesFromHosts, soleUserOfRole } from "./lib/deploy/targets";
import { WarmOrigin, warmFromSitemap } from "./lib/deploy/warm";
import { labDeployTargets } from "./lab/deployTargets";

const DEPLOY_COMMAND: CommandSpec = {
  command: "npm run deploy --",
  synopsis: "--stack NAME (--release PATH | --rollback | --maintenance on|off) [options]",
  summary:
    "Rolls a built Shopware release onto every app node, one at a time, drained while it switches, as a deploy-role user (SW-3). " +
    "Stops at the first failure; --rollback returns every node to the release before.",
  options: [
    { name: "stack", value: "NAME", help: "the stack (stacks/Pulumi.NAME.yaml)" },
    { name: "release", value: "PATH", help: "a built Shopware project: a directory or a .tar.gz of one" },
    { name: "rollback", help: "switch every node back to the release before the last deploy" },
    { name: "to", value: "ID", help: "with --rollback: the release id to return to" },
    { name: "maintenance", value: "on|off", help: "planned downtime: every node serves the maintenance page (503), the LB keeps them" },
    { name: "hosts", value: "FILE", help: "node addresses: pulumi stack output --json saved to FILE (default: runs pulumi stack output)" },
    { name: "lab", help: "target the stack's running lab (npm run lab -- up) as its deploy user" },
    { name: "user", value: "NAME", help: "SSH user, a deploy-role user of the stack (default: the stack's only one)" },
    { name: "key", value: "FILE", help: "SSH private key (default: your SSH agent and config)" },
    { name: "id", value: "ID", help: "release id (default: UTC time and content hash, such as 20261202T221500Z-3fa9c2d1)" },
    { name: "keep", value: "N", help: `releases kept per node, current and previous included (default ${RELEASES_KEPT})` },
    { name: "no-warm", help: "skip warming the storefront cache from the sitemap afterwards" },
    { name: "report", value: "FILE", help: "also write the steps, timings and outcome as JSON" },
  ],
};
const USAGE = `usage: ${DEPLOY_COMMAND.command} ${DEPLOY_COMMAND.synopsis}`;

function stackSpec(stack: string): ShopSpec {
  return buildSpec(readStackFile(stackFilePath(path.join(PROJECT_ROOT, "stacks"), stack), stack).raw, { stack }).spec;
}

function deployUser(spec: ShopSpec, given: string | undefined): string {
  const found = soleUserOfRole(spec, "deploy", given);
  return "user" in found ? found.user : fail(`error: ${found.problem}\n${USAGE}`);
}

interface Targets {
  spec: ShopSpec;
  nodes: DeployNode[];
  warmOrigin: WarmOrigin;
}

function targets(stack: string, flags: Record<string, string | true>): Targets {
  const user = typeof flags.user === "string" ? flags.user : undefined;
  if (flags.lab) {
    if (flags.hosts || flags.key) fail(`error: --lab brings its own hosts and key; drop --hosts and --key\n${USAGE}`);
    return labDeployTargets(stack, user);
  }
  const spec = stackSpec(stack);
  const { json, source } = hostsJson(stack, typeof flags.hosts === "string" ? flags.hosts : undefined);
  const found = nodesFromHosts(spec, json, source, deployUser(spec, user), typeof flags.key === "string" ? flags.key : undefined);
  if ("problems" in found) fail(`${found.problems.map((p) => `error: ${p}`).join("\n")}\nnothing was changed.`);
  return { spec, nodes: found.nodes, warmOrigin: {} };
}

function keepOf(value: string | true | undefined): number {
  if (value === undefined) return RELEASES_KEPT;
  const n = typeof value === "string" && /^[0-9]{1,2}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 2 && n <= 99)) fail(`error: --keep: found ${JSON.stringify(value)}; allowed: a number from 2 to 99 (current and previous are always kept)`);
  return n;
}

async function main(): Promise<void> {
  const { flags, positional } = parseCommand(process.argv.slice(2), DEPLOY_COMMAND);
  if (positional.length) fail(`error: unexpected argument ${JSON.stringify(positional[0])}\n${USAGE}`);
  const stack = typeof flags.stack === "string" ? flags.stack : fail(`error: --stack NAME is required\n${USAGE}`);
  const actions = ["release", "rollback", "maintenance"].filter((a) => flags[a] !== undefined);
  if (actions.length !== 1) fail(`error: give exactly one of --release PATH, --rollback, --maintenance on|off (found ${actions.map((a) => `--${a}`).join(", ") || "none"})\n${USAGE}`);
  if (flags.to !== undefined && !flags.rollback) fail(`error: --to ID goes with --rollback\n${USAGE}`);
  for (const key of ["id", "to"] as const) {
    const v = flags[key];
    if (v !== undefined && (typeof v !== "string" || !RELEASE_ID_PATTERN.test(v))) fail(`error: --${key}: found ${JSON.stringify(v)}; allowed: 2-64 of A-Z a-z 0-9 . _ - (not starting with .)`);
  }
  const keep = keepOf(flags.keep);
  const t = targets(stack, flags);
  const ctx: RunContext = { spec: t.spec, nodes: t.nodes, log: (line) => process.stdout.write(`${line}\n`) };
  let report: DeployReport;

  if (flags.maintenance !== undefined) {
    if (flags.maintenance !== "on" && flags.maintenance !== "off") fail(`error: --maintenance: found ${JSON.stringify(flags.maintenance)}; allowed: on, off`);
    report = await maintenance(ctx, flags.maintenance === "on");
  } else if (flags.rollback) {
    report = await rollback(ctx, typeof flags.to === "string" ? flags.to : undefined);
  } else {
    const opened = openRelease(String(flags.release));
    try {
      const inspected = inspectRelease(opened.dir, t.spec);
      for (const note of inspected.notes) process.stdout.write(`${note}\n`);
      if (inspected.problems.length) fail(`${inspected.problems.map((p) => `error: ${p}`).join("\n")}\n${inspected.problems.length} problem(s); no node was changed.`);
      const packed = packRelease(opened.dir);
      try {
        const id = typeof flags.id === "string" ? flags.id : releaseId(new Date(), packed.sha256);
        process.stdout.write(`release ${id}: Shopware ${inspected.version}, ${(inspected.bytes / 1048576).toFixed(1)} MiB, ${t.nodes.length} nodes, keep ${keep}\n`);
        report = await rollingDeploy(ctx, { release: id, tarball: packed.file, releaseBytes: inspected.bytes, keep });
      } finally {
        packed.cleanup();
      }
    } finally {
      opened.cleanup();
    }
  }
  if (report.ok && report.action !== "maintenance" && !flags["no-warm"]) {
    const warm = await warmFromSitemap(t.spec.appUrl, t.warmOrigin, { concurrency: 4, maxUrls: 2000 });
    process.stdout.write(`${warm.line}\n`);
    report = { ...report, warm };
  }
  if (typeof flags.report === "string") fs.writeFileSync(flags.report, JSON.stringify(report, null, 2) + "\n");
  if (!report.ok) process.exit(1);
}

runMain(main);
