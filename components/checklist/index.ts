import { diskSpace, loadBalancer, mirroredServers, serverLoad, shopMonitoring } from "./hardware";
import { backups, cutover, dedicatedServers, runbook } from "./operations";
import { accessRights, firewall, userManagement } from "./security";
import { shopwareUpdates, softwareUpdates, versionCompatibility } from "./software";
import { placeholderFindings, PlaceholderFinding, PlaceholderKind } from "../config";
import { l } from "./text";
import type { CheckContext, ChecklistRule, Judgement, Localized, Problem, RuleResult } from "./types";

export * from "./types";
export { checkContext, T } from "./resources";

/** Every checklist ID of docs/design.md ("The checklist"), in its order: the one implementation the audit and the policy pack share. */
export const checklistRules: ChecklistRule[] = [
  mirroredServers,
  loadBalancer,
  shopMonitoring,
  serverLoad,
  diskSpace,
  softwareUpdates,
  versionCompatibility,
  shopwareUpdates,
  firewall,
  accessRights,
  userManagement,
  backups,
  runbook,
  dedicatedServers,
  cutover,
];

const placeholderText: Record<PlaceholderKind, Localized> = {
  "documentation-address": l("is a documentation address, not a real one", "ist eine Dokumentationsadresse, keine echte"),
  "repeated-digit-id": l("is a placeholder id", "ist eine Platzhalter-ID"),
  "placeholder-phone": l("is a placeholder phone number", "ist eine Platzhalter-Telefonnummer"),
  "example-domain": l("uses a reserved example domain that reaches nobody", "nutzt eine reservierte Beispieldomain, die niemanden erreicht"),
  "unset-secret": l("is not set (the offline plan uses a stand-in)", "ist nicht gesetzt (der Offline-Plan setzt einen Platzhalter ein)"),
};

function placeholderProblem(f: PlaceholderFinding): Problem {
  const value = f.kind === "unset-secret" ? "" : ` ${JSON.stringify(f.value)}`;
  const t = placeholderText[f.kind];
  return { message: l(`${f.key}${value} ${t.en}: replace it`, `${f.key}${value} ${t.de}: durch den echten Wert ersetzen`) };
}

/** The placeholders that make this rule's row untrue (an unedited or example stack). */
export function placeholdersOf(rule: ChecklistRule, ctx: CheckContext): PlaceholderFinding[] {
  return placeholderFindings(ctx.spec).filter((f) => f.checks.includes(rule.id));
}

/** The whole-stack part of a rule plus the placeholders that touch it; the policy pack reports the same. */
export function judgeStack(rule: ChecklistRule, ctx: CheckContext): Judgement {
  const whole = rule.stack(ctx);
  return { evidence: whole.evidence, problems: [...whole.problems, ...placeholdersOf(rule, ctx).map(placeholderProblem)] };
}

/** The whole rule: its stack part plus its resource part over every matching resource. */
export function judge(rule: ChecklistRule, ctx: CheckContext): Judgement {
  const whole = judgeStack(rule, ctx);
  if (!rule.resource) return whole;
  const { types, check } = rule.resource;
  const perResource = ctx.resources.filter((r) => types.includes(r.type)).flatMap((r) => check(r, ctx));
  return { evidence: whole.evidence, problems: [...whole.problems, ...perResource] };
}

/** pass when nothing is wrong, waived when every problem carries a waiver, fail otherwise. */
export function evaluateRule(rule: ChecklistRule, ctx: CheckContext): RuleResult {
  const { evidence, problems } = judge(rule, ctx);
  const open = problems.filter((p) => !p.waiver);
  const waivers = [...new Map(problems.flatMap((p) => (p.waiver ? [[p.waiver.key, p.waiver] as const] : []))).values()];
  return {
    id: rule.id,
    title: rule.title,
    level: rule.level,
    status: open.length ? "fail" : problems.length ? "waived" : "pass",
    evidence,
    problems: problems.map((p) =>
      p.waiver
        ? l(`${p.message.en} — waived (${p.waiver.key}): ${p.waiver.reason}`, `${p.message.de} — Ausnahme (${p.waiver.key}): ${p.waiver.reason}`)
        : p.message,
    ),
    waivers,
    placeholders: placeholdersOf(rule, ctx).map((f) => f.key),
    fix: rule.fix,
  };
}

export function evaluateChecklist(ctx: CheckContext): RuleResult[] {
  return checklistRules.map((rule) => evaluateRule(rule, ctx));
}

export function mandatoryFailures(results: RuleResult[]): RuleResult[] {
  return results.filter((r) => r.level === "mandatory" && r.status === "fail");
}
