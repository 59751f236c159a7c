import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { buildSpec, isIp, parseIpv4, readStackFile, stackFilePath } from "../components/config";
import { CommandSpec, fail, parseCommand, runMain } from "./lib/cli";
import { CUTOVER_DIR } from "./lib/cutover/record";
import { precheckHostnames } from "./lib/cutover/precheck";
import { cutover, CutoverContext, CutoverError } from "./lib/cutover/run";
import { customerProbe } from "./lib/cutover/watch";
import { hostsJson } from "./lib/deploy/hosts";
import { PROJECT_ROOT } from "./lib/offlinePlan";
import { stackOutDir } from "./lib/outDir";
import { specFromText } from "./lib/stackEdit";
import { labCutoverContext } from "./lab/cutover";

/** Public resolvers of four operators: a switch is done when all of them lead to the new origin. */
const PUBLIC_RESOLVERS = ["1.1.1.1", "8.8.8.8", "9.9.9.9", "208.67.222.222"];

const CUTOVER_COMMAND: CommandSpec = {
  command: "npm run cutover --",
  synopsis: "--stack NAME [--rollback [--to ADDRESS]] [--review] [options]",
  summary:
    "Moves the shop's DNS from the old host to the stack's load balancer (OPS-4): checks that the LB serves every hostname, sets shop:dns.target to lb " +
    "in the stack file, runs pulumi up, and watches several resolvers and HTTPS until every answer comes from the stack's app nodes (X-Served-By); " +
    "prints the time to switch, per resolver, and the last old answer. --rollback flips back to the old host and watches the same way.",
  options: [
    { name: "stack", value: "NAME", help: "the stack (stacks/Pulumi.NAME.yaml, which the command updates)" },
    { name: "rollback", help: "point the names back at the old host (the address the last cutover came from, or --to)" },
    { name: "to", value: "ADDRESS", help: "with --rollback: the old host's public address" },
    { name: "review", help: "check the destination and print the one-line change, then stop: the stack file is under review" },
    { name: "resolve", value: "ADDRESS", help: "the LB's public IPv4 for the check before the flip (default: loadBalancer.ipv4 of the stack's outputs)" },
    { name: "hosts", value: "FILE", help: "the stack's outputs: pulumi stack output --json saved to FILE (default: runs pulumi stack output)" },
    { name: "resolvers", value: "LIST", help: `resolvers to watch through, comma-separated ip or ip:port (default: ${PUBLIC_RESOLVERS.join(",")})` },
    { name: "timeout", value: "SECONDS", help: "how long to watch after the apply before calling the switch failed (default: 300)" },
    { name: "lab", help: "act on the stack's running lab (npm run lab -- up): its stack file, its Cloudflare and resolver stand-ins" },
    { name: "report", value: "FILE", help: "also write the record (times per resolver, last old answer) as JSON" },
  ],
};
const USAGE = `usage: ${CUTOVER_COMMAND.command} ${CUTOVER_COMMAND.synopsis}`;

/** ip, ip:port or [ipv6]:port, as dns.Resolver.setServers takes them. */
function resolverProblem(r: string): string | undefined {
  const m = /^\[([0-9a-fA-F:]+)\](?::(\d{1,5}))?$/.exec(r) ?? /^([0-9.]+)(?::(\d{1,5}))?$/.exec(r) ?? (isIp(r) ? [r, r] : null);
  if (!m || !isIp(m[1]) || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)))
    return `--resolvers: found ${JSON.stringify(r)}; allowed: a comma-separated list of resolver addresses, each ip, ip:port or [ipv6]:port`;
  return undefined;
}

function lbAddress(stack: string, flags: Record<string, string | true>): string {
  if (typeof flags.resolve === "string") {
    if (parseIpv4(flags.resolve) === undefined) fail(`error: --resolve: found ${JSON.stringify(flags.resolve)}; allowed: the LB's public IPv4 address`);
    return flags.resolve;
  }
  const { json, source } = hostsJson(stack, typeof flags.hosts === "string" ? flags.hosts : undefined);
  let ipv4: unknown;
  try {
    ipv4 = (JSON.parse(json) as { loadBalancer?: { ipv4?: unknown } }).loadBalancer?.ipv4;
  } catch {
    ipv4 = undefined;
  }
  if (typeof ipv4 !== "string" || parseIpv4(ipv4) === undefined) fail(`error: ${source} has no loadBalancer.ipv4; give the LB's address with --resolve ADDRESS`);
  return ipv4;
}

/** The real stack: its stack file, pulumi up, the public resolvers, HTTPS to the LB or the old host. */
function stackContext(stack: string, flags: Record<string, string | true>, resolvers: string[]): Pick<CutoverContext, "stackFile" | "precheck" | "apply" | "applyCommand" | "resolvers" | "probe" | "recordDir"> {
  const stackFile = stackFilePath(path.join(PROJECT_ROOT, "stacks"), stack);
  const spec = buildSpec(readStackFile(stackFile, stack).raw, { stack }).spec;
  const applyArgs = ["up", "--yes", "--stack", stack];
  return {
    stackFile,
    precheck: (target, isDestination) => {
      const address = target === "lb" ? lbAddress(stack, flags) : target;
      // The origins hold Cloudflare's origin certificate, which no client trusts: the check asks whether they serve the shop, not who signed it.
      return precheckHostnames(spec, (hostname) => ({ address, port: 443, hostname, path: "/", tls: true, anyCertificate: true, timeoutMs: 10_000 }), isDestination);
    },
    apply: () =>
      new Promise<void>((resolve, reject) => {
        const child = spawn("pulumi", applyArgs, { cwd: PROJECT_ROOT, stdio: ["ignore", "inherit", "inherit"] });
        child.on("error", (err) => reject(new Error(`pulumi: ${err.message}`)));
        child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`pulumi ${applyArgs.join(" ")} exited with ${code}`))));
      }),
    applyCommand: `pulumi ${applyArgs.join(" ")}`,
    resolvers,
    probe: customerProbe(spec.primaryHost, { timeoutMs: 5000 }),
    recordDir: path.join(stackOutDir(path.join(PROJECT_ROOT, "out"), stack), CUTOVER_DIR),
  };
}

async function main(): Promise<void> {
  const { flags, positional } = parseCommand(process.argv.slice(2), CUTOVER_COMMAND);
  if (positional.length) fail(`error: unexpected argument ${JSON.stringify(positional[0])}\n${USAGE}`);
  const stack = typeof flags.stack === "string" ? flags.stack : fail(`error: --stack NAME is required\n${USAGE}`);
  const problems: string[] = [];
  const resolvers = typeof flags.resolvers === "string" ? flags.resolvers.split(",").map((r) => r.trim()) : PUBLIC_RESOLVERS;
  for (const r of resolvers) {
    const p = resolverProblem(r);
    if (p) problems.push(p);
  }
  const timeout = flags.timeout === undefined ? 300 : Number(flags.timeout);
  if (!Number.isInteger(timeout) || timeout < 10 || timeout > 3600) problems.push(`--timeout: found ${JSON.stringify(flags.timeout)}; allowed: whole seconds from 10 to 3600`);
  if (flags.lab && (flags.resolve || flags.hosts || flags.resolvers)) problems.push("--lab brings its own LB, outputs and resolvers; drop --resolve, --hosts and --resolvers");
  if (problems.length) fail(`${problems.map((p) => `error: ${p}`).join("\n")}\n${USAGE}`);

  const reach = flags.lab ? labCutoverContext(stack) : stackContext(stack, flags, resolvers);
  const ctx: CutoverContext = {
    ...reach,
    specOf: specFromText(stack),
    watch: { intervalMs: 500, timeoutMs: timeout * 1000, stable: 3 },
    log: (line) => process.stdout.write(`${line}\n`),
  };
  let report;
  try {
    report = await cutover(ctx, { rollback: flags.rollback === true, to: typeof flags.to === "string" ? flags.to : undefined, review: flags.review === true });
  } catch (err) {
    if (err instanceof CutoverError) fail(`error: ${err.message}\nnothing was changed.`);
    throw err;
  }
  process.stdout.write(`${report.summary}\n`);
  if (typeof flags.report === "string" && report.record) fs.writeFileSync(flags.report, JSON.stringify(report.record, null, 2) + "\n");
  if (!report.ok) process.exit(1);
}

runMain(main);
