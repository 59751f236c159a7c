import type { BundleFile } from "../hostconfig/types";
import type { ShopSpec, WaiverSpec } from "../config";

export type Lang = "en" | "de";
export type Level = "mandatory" | "advisory";
export type Status = "pass" | "fail" | "waived";

/** Text in both report languages. */
export interface Localized {
  en: string;
  de: string;
}

/** One declared resource, as plan.json lists it and as CrossGuard hands it to a policy. */
export interface DeclaredResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** What every rule judges: the declared resources, the validated spec and the rendered host bundles. */
export interface CheckContext {
  resources: DeclaredResource[];
  spec: ShopSpec;
  /** Host name → the files converge delivers to it. */
  bundles: Map<string, BundleFile[]>;
  /** The day the lifecycle dates are judged against (SW-1, SW-2); injected, never read from a clock here. */
  today: Date;
  /** The newest `npm run verify-hosts` record of this stack (out/<stack>/verify/), when there is one. */
  verification?: HostVerification;
  /** The newest `npm run cutover` record of this stack (out/<stack>/cutover/), when there is one. */
  cutover?: CutoverEvidence;
}

/** What was done on the real stack, as out/<stack>/ records it: the audit and the runbook quote it. */
export type StackRecords = Pick<CheckContext, "verification" | "cutover">;

/** A DNS cutover or rollback (OPS-4) as npm run cutover recorded it. */
export interface CutoverEvidence {
  /** ISO time the flip started. */
  at: string;
  /** The record's file name in out/<stack>/cutover/. */
  file: string;
  /** shop:dns.target before and after. */
  from: string;
  to: string;
  ok: boolean;
  /** Seconds from the flip until every resolver answered from `to`; null: not within the watch. */
  switchedAfter: number | null;
  perResolver: { resolver: string; switchedAfter: number | null }[];
}

/** What the readonly role found on the real hosts (OPS-3), as verify-hosts recorded it. */
export interface HostVerification {
  /** ISO time of the run. */
  at: string;
  /** The record's file name in out/<stack>/verify/. */
  file: string;
  hosts: { host: string; ok: boolean; kernel: string; php: string | null; problems: string[] }[];
}

/** Something wrong, named with the resource or key it is about; a matching waiver turns it into "waived". */
export interface Problem {
  message: Localized;
  waiver?: WaiverSpec;
}

export interface Judgement {
  evidence: Localized[];
  problems: Problem[];
}

/** A per-resource part of a rule: the policy pack runs it as validateResource. */
export interface ResourceCheck {
  types: string[];
  check(resource: DeclaredResource, ctx: CheckContext): Problem[];
}

/** One checklist item (docs/design.md, "The checklist"), shared by the audit and the policy pack. */
export interface ChecklistRule {
  id: string;
  title: Localized;
  level: Level;
  /** What to change when the item fails. */
  fix: Localized;
  resource?: ResourceCheck;
  /** The whole-stack part: the policy pack runs it as validateStack. */
  stack(ctx: CheckContext): Judgement;
}

export interface RuleResult {
  id: string;
  title: Localized;
  level: Level;
  status: Status;
  evidence: Localized[];
  problems: Localized[];
  waivers: WaiverSpec[];
  /** Placeholder values (components/config/placeholders.ts) that fail this row, by key. */
  placeholders: string[];
  fix: Localized;
}

/** Where a report comes from, so a reader can tell a current report from a stale one. */
export interface Provenance {
  /** ISO 8601, UTC; SOURCE_DATE_EPOCH pins it for reproducible output. */
  generatedAt: string;
  /** The repository commit the tool ran from, or "unknown" outside a git checkout. */
  commit: string;
  /** Uncommitted changes in the checkout (undefined when unknown). */
  dirty?: boolean;
  /** The stack file as given, and the sha256 of its bytes. */
  stackFile: string;
  stackFileSha256: string;
  /** package name and version. */
  tool: string;
}
