import type { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as path from "path";
import { checkContext, checklistRules, ChecklistRule, DeclaredResource, judgeStack } from "../components/checklist";
import { buildSpec, readStackFile, ShopSpec, stackFilePath } from "../components/config";

/**
 * The checklist rules (components/checklist) as CrossGuard policies: one stack policy per ID,
 * plus a per-resource policy for rules with a per-resource part. Enforcement mirrors the audit.
 * This module never constructs the PolicyPack (that starts a gRPC server): tests import it directly.
 */

/** Loads the spec of the stack being previewed; its config is what the rules read beside the resources. */
export type SpecLoader = (stack: string) => ShopSpec;

const STACKS_DIR = path.resolve(__dirname, "..", "stacks");

/** `urn:pulumi:<stack>::<project>::<type>::<name>` → stack. */
export function stackOfUrn(urn: string): string {
  const m = /^urn:pulumi:([^:]+)::/.exec(urn);
  if (!m) throw new Error(`not a Pulumi URN: ${urn}`);
  return m[1];
}

/** The stack file next to the program (stackConfigDir: stacks), validated like the program does. */
export function stackFileSpecLoader(stacksDir = STACKS_DIR): SpecLoader {
  const cache = new Map<string, ShopSpec>();
  return (stack) => {
    let spec = cache.get(stack);
    if (!spec) {
      const file = readStackFile(stackFilePath(stacksDir, stack), stack);
      spec = buildSpec(file.raw, { stack }).spec;
      cache.set(stack, spec);
    }
    return spec;
  };
}

function declared(r: { type: string; name: string; props: Record<string, unknown> }): DeclaredResource {
  return { type: r.type, name: r.name, inputs: r.props };
}

function withSpec(load: SpecLoader, urn: string, report: ReportViolation, judge: (spec: ShopSpec) => void): void {
  let spec: ShopSpec;
  try {
    spec = load(stackOfUrn(urn));
  } catch (err) {
    report(`cannot judge without the stack's config: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  judge(spec);
}

function stackPolicy(rule: ChecklistRule, load: SpecLoader): StackValidationPolicy {
  return {
    name: rule.id,
    description: `${rule.id} ${rule.title.en} (${rule.title.de}). Fix: ${rule.fix.en}`,
    enforcementLevel: rule.level,
    validateStack: (args, report) => {
      const urn = args.resources.find((r: PolicyResource) => r.urn)?.urn;
      if (!urn) return;
      withSpec(load, urn, report, (spec) => {
        const ctx = checkContext(args.resources.map(declared), spec, new Date());
        for (const p of judgeStack(rule, ctx).problems) if (!p.waiver) report(p.message.en);
      });
    },
  };
}

function resourcePolicy(rule: ChecklistRule, load: SpecLoader): ResourceValidationPolicy | undefined {
  const part = rule.resource;
  if (!part) return undefined;
  return {
    name: `${rule.id}-per-resource`,
    description: `${rule.id} ${rule.title.en}, judged per resource (${part.types.join(", ")})`,
    enforcementLevel: rule.level,
    validateResource: (args, report) => {
      if (!part.types.includes(args.type)) return;
      withSpec(load, args.urn, report, (spec) => {
        // Per-resource checks read only the spec (never other resources), so the context holds just this one.
        const ctx = checkContext([declared(args)], spec, new Date());
        for (const p of part.check(declared(args), ctx)) if (!p.waiver) report(p.message.en);
      });
    },
  };
}

export function shopPolicies(load: SpecLoader = stackFileSpecLoader()): (StackValidationPolicy | ResourceValidationPolicy)[] {
  return checklistRules.flatMap((rule) => {
    const perResource = resourcePolicy(rule, load);
    return perResource ? [stackPolicy(rule, load), perResource] : [stackPolicy(rule, load)];
  });
}
