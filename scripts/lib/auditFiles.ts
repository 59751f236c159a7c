import { checkContext, Provenance, StackRecords } from "../../components/checklist";
import { AuditReport, auditReport, renderAuditMarkdown } from "../../components/checklist/report";
import type { RunbookData } from "../../components/runbook/data";
import { renderRunbook } from "../../components/runbook/render";
import type { OfflineRun } from "./offlinePlan";

/** The audit of an offline run: the checklist judged on its declared resources and spec. */
export function auditOf(run: OfflineRun, provenance: Provenance, records: StackRecords = {}): AuditReport {
  return auditReport(checkContext(run.plan.resources, run.spec, new Date(provenance.generatedAt), records), provenance);
}

/** The reports of one stack, relative to out/<stack>/: a failed plan removes exactly these. */
export const REPORT_FILES = ["audit.md", "audit.de.md", "audit.json", "runbook.md", "runbook.de.md"] as const;

/** audit.md (English), audit.de.md, audit.json, runbook.md (English) and runbook.de.md, relative to out/<stack>/. */
export function auditFiles(run: OfflineRun, report: AuditReport, records: StackRecords = {}): Map<string, string> {
  const runbook = run.plan.outputs.runbook as RunbookData | undefined;
  if (!runbook || typeof runbook !== "object") throw new Error("the program exports no runbook output");
  const files = new Map<(typeof REPORT_FILES)[number], string>([
    ["audit.md", renderAuditMarkdown(report, "en")],
    ["audit.de.md", renderAuditMarkdown(report, "de")],
    ["audit.json", JSON.stringify(report, null, 2) + "\n"],
    ["runbook.md", renderRunbook(runbook, "en", report.provenance, records)],
    ["runbook.de.md", renderRunbook(runbook, "de", report.provenance, records)],
  ]);
  return files;
}
