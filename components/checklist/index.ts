import { diskSpace, loadBalancer, mirroredServers, serverLoad, shopMonitoring } from "./hardware";
import { backups, cutover, dedicatedServers, runbook } from "./operations";
import { accessRights, firewall, userManagement } from "./security";
import { shopwareUpdates, softwareUpdates, versionCompatibility } from "./software";
import type { CheckContext, ChecklistRule, Judgement, RuleResult } from "./types";

export * from "./types";
export { checkContext, T } from "./resources";

/** Every checklist ID of DESIGN §1, in its order: the one implementation the audit and the policy pack share. */
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

/** The whole rule: its stack part plus its resource part over every matching resource. */
export function judge(rule: ChecklistRule, ctx: CheckContext): Judgement {
  const whole = rule.stack(ctx);
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
    problems: problems.map((p) => (p.waiver ? `${p.message} — waived (${p.waiver.key}): ${p.waiver.reason}` : p.message)),
    waivers,
    fix: rule.fix,
  };
}

export function evaluateChecklist(ctx: CheckContext): RuleResult[] {
  return checklistRules.map((rule) => evaluateRule(rule, ctx));
}

export function mandatoryFailures(results: RuleResult[]): RuleResult[] {
  return results.filter((r) => r.level === "mandatory" && r.status === "fail");
}
