import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { buildSpec, ShopSpec, StackFile, toPulumiConfig } from "../../components/spec";
import { PlanMocks, PlannedResource, redact } from "./mocks";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** What plan.json holds (DESIGN §5). */
export interface Plan {
  stack: string;
  project: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
}

export interface OfflineRun {
  plan: Plan;
  spec: ShopSpec;
  warnings: string[];
}

async function resolveOutput(value: unknown): Promise<unknown> {
  const out: pulumi.Output<unknown> = pulumi.output(value);
  const secret = await pulumi.isSecret(out);
  const plain = await new Promise<unknown>((resolve) => out.apply((v) => resolve(v)));
  return secret ? "[secret]" : redact(plain);
}

/**
 * Runs the real program (index.ts) under Pulumi's runtime mocks: no CLI, no plugins, no network.
 * The stack file was validated before this runs, so nothing here fails on user input.
 */
export async function runOfflinePlan(file: StackFile): Promise<OfflineRun> {
  // Validate first: a bad config must fail before any Pulumi state exists.
  const { spec, warnings } = buildSpec(file.raw, { stack: file.stack });
  const { config, secretKeys } = toPulumiConfig(file.raw);
  pulumi.runtime.setAllConfig(config, secretKeys);
  const mocks = new PlanMocks(spec);
  await pulumi.runtime.setMocks(mocks, spec.project, spec.stack, false);

  const parents = new Map<string, string | null>();
  // The program logs its spec warnings through pulumi.log, which without an engine uses
  // console.warn; they are printed once, by the caller, so drop only those repeats.
  const consoleWarn = console.warn;
  const runtimePrefix = "warning: [runtime] ";
  console.warn = (...args: unknown[]) => {
    const line = args[0];
    if (typeof line === "string" && line.startsWith(runtimePrefix) && warnings.includes(line.slice(runtimePrefix.length))) return;
    consoleWarn(...args);
  };
  let outputs: Record<string, unknown>;
  try {
    outputs = await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        const parent = args.opts.parent as unknown as { __name?: string } | undefined;
        parents.set(`${args.type}::${args.name}`, parent?.__name ?? null);
        return undefined;
      });
      const program = (await import(path.join(PROJECT_ROOT, "index"))) as Record<string, unknown>;
      const resolved: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(program)) {
        if (key === "__esModule" || key === "default") continue;
        resolved[key] = await resolveOutput(value);
      }
      return resolved;
    }) as Record<string, unknown>;
  } finally {
    console.warn = consoleWarn;
  }
  // Let the last registrations that nothing awaited reach the mocks.
  await new Promise((r) => setImmediate(r));

  const resources = mocks.resources
    .filter((r) => r.type !== "pulumi:pulumi:Stack")
    .map((r) => ({ ...r, parent: parents.get(`${r.type}::${r.name}`) ?? null }));
  return { plan: { stack: spec.stack, project: spec.project, resources, outputs }, spec, warnings };
}
