import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, renderAuditMarkdown } from "../../components/checklist/report";
import { markdown, markdownCode } from "../../components/hostconfig/escape";
import { contextOf, demoPlan, demoSpec, TEST_PROVENANCE } from "../helpers/checklist";

/** Evidence and findings quote the stack file (rule descriptions, comments, names): they reach audit.md escaped. */
test("audit.md escapes stack text in evidence, findings and placeholder values", () => {
  const report = auditReport(contextOf(demoPlan().resources, demoSpec()), TEST_PROVENANCE);
  const hostile = "<script>alert(1)</script> [x](javascript:alert(1)) **bold** | cell\n# heading";
  report.items[0].evidence.push({ en: hostile, de: hostile });
  report.items[1].problems.push({ en: hostile, de: hostile });
  report.placeholders.push({ key: "shop:contacts.owner.phone", kind: "placeholder-phone", value: "`x` <b>", checks: ["OPS-2"] });
  for (const lang of ["en", "de"] as const) {
    const md = renderAuditMarkdown(report, lang);
    for (const raw of ["<script>", "](javascript:", "**bold**", "\n# heading"]) assert.ok(!md.includes(raw), `${lang}: ${JSON.stringify(raw)} reached audit.md raw`);
    assert.doesNotMatch(md, /(?<!\\)\| cell/, `${lang}: an unescaped pipe would split the table`);
    assert.ok(md.includes(markdown(hostile)), `${lang}: the escaped line is there`);
    assert.ok(md.includes(markdownCode("`x` <b>")), `${lang}: a placeholder value sits in a code span that its backticks cannot close`);
  }
});
