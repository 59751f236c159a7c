import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument } from "yaml";
import { checkContext, CheckContext, DeclaredResource, evaluateChecklist, Provenance, RuleResult } from "../../components/checklist";
import { buildSpec, readStackFile, ShopSpec } from "../../components/config";
import type { Plan } from "../../scripts/lib/offlinePlan";
import { planCli, readJson, ROOT, STACKS_DIR } from "./stacks";
import { run, RunResult } from "./tools";
import { TS_NODE_ARGS } from "../../scripts/lib/cli";

/**
 * The demo stack with real-looking values in place of its documentation addresses, example
 * domains and unset secrets (the committed demo fails those rows on purpose): the baseline that
 * passes every mandatory item, so each test can break exactly one thing.
 */
export function withRealValues(config: Record<string, unknown>): void {
  config["shop:adminCidrs"] = ["85.215.10.10/32", "2a01:4f8:c0c:1::/64"];
  config["shop:deployerCidrs"] = ["85.215.10.20/32"];
  const contacts = config["shop:contacts"] as Record<string, { email: string }>;
  for (const c of Object.values(contacts)) c.email = c.email.replace(/@agentur\.example$/, "@agentur-nord.de");
  config["shop:monitoring"] = { webhooks: [{ name: "ops-slack", type: "slack", url: { secure: "v1:test:slack-url" } }], heartbeatUrl: { secure: "v1:test:heartbeat-url" } };
  config["shop:media"] = { ...(config["shop:media"] as object), accessKey: { secure: "v1:test:access" }, secretKey: { secure: "v1:test:secret" } };
}

const realDemoDir = fs.mkdtempSync(path.join(os.tmpdir(), "checklist-real-demo-"));
process.on("exit", () => fs.rmSync(realDemoDir, { recursive: true, force: true }));
/** stacks/Pulumi.demo.yaml with withRealValues applied, as a file named for stack demo. */
export const REAL_DEMO_FILE = writeDemoVariant(realDemoDir, "demo", withRealValues);

/** The real-valued demo stack's plan.json, rendered by the plan CLI in a child process (mocks are per process). */
export function demoPlan(): Plan {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "checklist-plan-"));
  try {
    const r = planCli(["--file", REAL_DEMO_FILE], out);
    if (r.status !== 0) throw new Error(`plan failed: ${r.stderr}`);
    return readJson<Plan>(path.join(out, "demo", "plan.json"));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** Provenance for reports rendered inside a test (the CLIs gather the real one). */
export const TEST_PROVENANCE: Provenance = {
  generatedAt: "2026-11-22T10:00:00.000Z",
  commit: "0123456789abcdef0123456789abcdef01234567",
  dirty: false,
  stackFile: "stacks/Pulumi.demo.yaml",
  stackFileSha256: "0".repeat(64),
  tool: "shop-hosting-blueprint test",
};

/** A deep copy, so each test mutates its own plan and spec. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

export function contextOf(resources: DeclaredResource[], spec: ShopSpec): CheckContext {
  return checkContext(resources, spec, new Date(TEST_PROVENANCE.generatedAt));
}

export function row(results: RuleResult[], id: string): RuleResult {
  const found = results.find((r) => r.id === id);
  if (!found) throw new Error(`no row ${id}`);
  return found;
}

/**
 * Judges a (mutated) plan against a (mutated) spec. The host bundles are those of the demo plan
 * (its converge triggers carry their hashes), so a config-level mutation is judged by the rules
 * as it would be before a new plan is rendered.
 */
export function evaluate(resources: DeclaredResource[], spec: ShopSpec): RuleResult[] {
  return evaluateChecklist({ ...contextOf(resources, spec), bundles: contextOf(resources, demoSpec()).bundles });
}

/** The real-valued demo spec, fresh for each call (tests mutate it). */
export function demoSpec(): ShopSpec {
  return buildSpec(readStackFile(REAL_DEMO_FILE, "demo").raw, { stack: "demo", today: new Date("2026-11-22") }).spec;
}

/** Writes a variant of the demo stack file (edited as YAML) into dir as Pulumi.<name>.yaml. */
export function writeDemoVariant(dir: string, name: string, edit: (config: Record<string, unknown>) => void): string {
  const doc = parseDocument(fs.readFileSync(path.join(STACKS_DIR, "Pulumi.demo.yaml"), "utf8"));
  const config = doc.toJS().config as Record<string, unknown>;
  edit(config);
  const file = path.join(dir, `Pulumi.${name}.yaml`);
  fs.writeFileSync(file, JSON.stringify({ config }, null, 2));
  return file;
}

/** Runs a repository CLI script (scripts/NAME.ts) in a child process. */
export function scriptCli(script: string, args: string[]): RunResult {
  return run(process.execPath, [...TS_NODE_ARGS, path.join(ROOT, "scripts", `${script}.ts`), ...args], { cwd: ROOT, timeout: 300_000 });
}
