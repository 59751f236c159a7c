import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { buildSpec, ShopSpec, StackFile, toPulumiConfig } from "../../components/config";
import { PlanMocks, PlannedResource, redact, UNKNOWN } from "./mocks";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** What plan.json holds (docs/design.md §5). */
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
  // An unknown never reaches apply's callback (preview mode): say so instead of waiting.
  // (`isKnown` is the SDK's own field on every Output; its .d.ts leaves it out.)
  if (!(await (out as unknown as { isKnown: Promise<boolean> }).isKnown)) return UNKNOWN;
  const secret = await pulumi.isSecret(out);
  const plain = await new Promise<unknown>((resolve) => out.apply((v) => resolve(v)));
  return secret ? "[secret]" : redact(plain);
}

type Named = { __name?: string };

/** The resource options a reviewer needs to see (replacement and protection behaviour). */
function plannedOptions(opts: pulumi.CustomResourceOptions): PlannedResource["options"] {
  const dependsOn = ([] as unknown[]).concat(opts.dependsOn ?? []).map((d) => (d as Named).__name ?? "?");
  const options: NonNullable<PlannedResource["options"]> = {};
  if (dependsOn.length) options.dependsOn = dependsOn;
  if (opts.ignoreChanges?.length) options.ignoreChanges = opts.ignoreChanges;
  if (opts.protect) options.protect = true;
  if (opts.deleteBeforeReplace) options.deleteBeforeReplace = true;
  return Object.keys(options).length ? options : undefined;
}

/**
 * Runs a program under Pulumi's runtime mocks (no CLI, plugins or network) and returns every
 * resource it declared with resolved inputs, plus its resolved outputs. Mocks are process-wide:
 * call this once per process.
 */
export async function runUnderMocks(
  spec: ShopSpec,
  program: () => Promise<Record<string, unknown>>,
  quietWarnings: string[] = [],
  preview = false,
): Promise<Omit<Plan, "stack" | "project">> {
  const mocks = new PlanMocks(spec, preview);
  await pulumi.runtime.setMocks(mocks, spec.project, spec.stack, preview);
  const seen = new Map<string, { parent: string | null; options: PlannedResource["options"] }>();
  // The program logs its spec warnings through pulumi.log, which without an engine uses
  // console.warn; the caller prints them once, so drop only those repeats.
  const consoleWarn = console.warn;
  const runtimePrefix = "warning: [runtime] ";
  console.warn = (...args: unknown[]) => {
    const line = args[0];
    if (typeof line === "string" && line.startsWith(runtimePrefix) && quietWarnings.includes(line.slice(runtimePrefix.length))) return;
    consoleWarn(...args);
  };
  let outputs: Record<string, unknown>;
  try {
    outputs = (await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        seen.set(`${args.type}::${args.name}`, {
          parent: (args.opts.parent as Named | undefined)?.__name ?? null,
          options: plannedOptions(args.opts as pulumi.CustomResourceOptions),
        });
        return undefined;
      });
      const exported = await program();
      const resolved: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(exported)) {
        if (key === "__esModule" || key === "default") continue;
        resolved[key] = await resolveOutput(value);
      }
      return resolved;
    })) as Record<string, unknown>;
  } finally {
    console.warn = consoleWarn;
  }
  // Let registrations that nothing awaited reach the mocks.
  await new Promise((r) => setImmediate(r));
  const resources = mocks.resources
    .filter((r) => r.type !== "pulumi:pulumi:Stack")
    .map((r) => {
      const meta = seen.get(`${r.type}::${r.name}`);
      return { ...r, parent: meta?.parent ?? null, ...(meta?.options ? { options: meta.options } : {}) };
    });
  return { resources, outputs };
}

const PROGRAM = require.resolve(path.join(PROJECT_ROOT, "index"));

/**
 * Runs the real program (index.ts) offline; the stack file was validated before this runs.
 * The program is re-required on every call, so one process can plan many stacks (audit --all):
 * mocks and config are replaced each time and nothing else in the program keeps state.
 * `preview` runs it as `pulumi preview` of a new stack does: ids and computed outputs unknown.
 */
export async function runOfflinePlan(file: StackFile, opts: { preview?: boolean } = {}): Promise<OfflineRun> {
  const { spec, warnings } = buildSpec(file.raw, { stack: file.stack });
  const { config, secretKeys } = toPulumiConfig(file.raw);
  pulumi.runtime.setAllConfig(config, secretKeys);
  const program = async () => {
    // Yield one turn first, as import() would, so registration order (and plan.json) stays the same.
    await new Promise((resolve) => setImmediate(resolve));
    delete require.cache[PROGRAM];
    return require(PROGRAM) as Record<string, unknown>;
  };
  const result = await runUnderMocks(spec, program, warnings, opts.preview ?? false);
  return { plan: { stack: spec.stack, project: spec.project, ...result }, spec, warnings };
}
