import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument } from "yaml";
import { checkContext, CheckContext, DeclaredResource, evaluateChecklist, RuleResult } from "../../components/checklist";
import type { ShopSpec } from "../../components/config";
import type { Plan } from "../../scripts/lib/offlinePlan";
import { planCli, readJson, ROOT, STACKS_DIR, stackSpec } from "./stacks";
import { run, RunResult } from "./tools";
import { TS_NODE_ARGS } from "../../scripts/lib/cli";

/** The demo stack's real plan.json, rendered by the plan CLI in a child process (mocks are per process). */
export function demoPlan(): Plan {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "checklist-plan-"));
  try {
    const r = planCli(["--stack", "demo"], out);
    if (r.status !== 0) throw new Error(`plan failed: ${r.stderr}`);
    return readJson<Plan>(path.join(out, "demo", "plan.json"));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** A deep copy, so each test mutates its own plan and spec. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

export function contextOf(resources: DeclaredResource[], spec: ShopSpec): CheckContext {
  return checkContext(resources, spec);
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
  return evaluateChecklist({ ...checkContext(resources, spec), bundles: checkContext(resources, demoSpec()).bundles });
}

/** The demo spec, fresh for each call (tests mutate it). */
export function demoSpec(): ShopSpec {
  return stackSpec("demo");
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
