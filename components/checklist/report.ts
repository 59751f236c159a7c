import { estimateCost, storageQuota, StorageQuota, CostEstimate } from "./cost";
import { evaluateChecklist, mandatoryFailures } from "./index";
import { topologyMermaid } from "./topology";
import type { CheckContext, Lang, RuleResult, Status } from "./types";

/** Everything the audit reports for one stack; audit.json is exactly this. */
export interface AuditReport {
  stack: string;
  customer: string;
  environment: string;
  items: RuleResult[];
  summary: Record<Status, number> & { mandatoryFailed: string[] };
  cost: CostEstimate;
  storage: StorageQuota;
  topology: string;
}

export function auditReport(ctx: CheckContext): AuditReport {
  const items = evaluateChecklist(ctx);
  const count = (s: Status) => items.filter((i) => i.status === s).length;
  return {
    stack: ctx.spec.stack,
    customer: ctx.spec.customer,
    environment: ctx.spec.environment,
    items,
    summary: { pass: count("pass"), fail: count("fail"), waived: count("waived"), mandatoryFailed: mandatoryFailures(items).map((i) => i.id) },
    cost: estimateCost(ctx),
    storage: storageQuota(ctx),
    topology: topologyMermaid(ctx),
  };
}

const words = {
  en: {
    title: (r: AuditReport) => `# Audit: ${r.customer} (stack ${r.stack}, ${r.environment})`,
    intro: "Judged from the offline plan (the resources actually declared) and the validated stack config. No cloud credentials were used.",
    summary: (r: AuditReport) =>
      `${r.summary.pass} pass, ${r.summary.waived} waived, ${r.summary.fail} fail. ` +
      (r.summary.mandatoryFailed.length ? `Mandatory items failing: ${r.summary.mandatoryFailed.join(", ")}.` : "No mandatory item fails."),
    head: "| ID | Item | Level | Status |",
    status: { pass: "pass", fail: "FAIL", waived: "waived" },
    level: { mandatory: "mandatory", advisory: "advisory" },
    evidence: "Evidence",
    problems: "Findings",
    fix: "What to change",
    topology: "## Topology",
    cost: "## Monthly cost estimate",
    costHead: "| Item | Resource | EUR/month |",
    total: "Total",
    asOf: (c: CostEstimate) => `Prices as of ${c.pricesAsOf}, ${c.source}. Object storage and traffic are not included.`,
    unpriced: "No price in the table (counted as 0)",
    storage: "## Storage Box vs expected backup volume",
    storageLine: (s: StorageQuota) =>
      s.capacityGb === undefined
        ? `No Storage Box is declared; expected backup volume ≈${s.expectedGb} GB.`
        : `${s.storageBoxType} holds ${s.capacityGb} GB; expected backup volume ≈${s.expectedGb} GB (${Math.round((100 * s.expectedGb) / s.capacityGb)}% full) with ${s.retainedSnapshots} retained snapshots.`,
    assumptions: "Estimate: DB hosts back up about half their disk, app hosts a tenth; each retained snapshot adds 2% churn.",
  },
  de: {
    title: (r: AuditReport) => `# Prüfbericht: ${r.customer} (Stack ${r.stack}, ${r.environment})`,
    intro: "Geprüft anhand des Offline-Plans (der tatsächlich deklarierten Ressourcen) und der validierten Stack-Konfiguration. Es wurden keine Cloud-Zugangsdaten verwendet.",
    summary: (r: AuditReport) =>
      `${r.summary.pass} erfüllt, ${r.summary.waived} mit Ausnahme, ${r.summary.fail} nicht erfüllt. ` +
      (r.summary.mandatoryFailed.length ? `Nicht erfüllte Pflichtpunkte: ${r.summary.mandatoryFailed.join(", ")}.` : "Alle Pflichtpunkte sind erfüllt."),
    head: "| ID | Prüfpunkt | Stufe | Status |",
    status: { pass: "erfüllt", fail: "NICHT ERFÜLLT", waived: "Ausnahme" },
    level: { mandatory: "Pflicht", advisory: "Empfehlung" },
    evidence: "Nachweis",
    problems: "Befunde",
    fix: "Was zu ändern ist",
    topology: "## Topologie",
    cost: "## Geschätzte monatliche Kosten (Tarif- und Hostingmodell)",
    costHead: "| Posten | Ressource | EUR/Monat |",
    total: "Summe",
    asOf: (c: CostEstimate) => `Preisstand ${c.pricesAsOf}, ${c.source}. Object Storage und Traffic sind nicht enthalten.`,
    unpriced: "Ohne Preis in der Tabelle (mit 0 gerechnet)",
    storage: "## Speicherplatz: Storage Box und erwartetes Backup-Volumen",
    storageLine: (s: StorageQuota) =>
      s.capacityGb === undefined
        ? `Keine Storage Box deklariert; erwartetes Backup-Volumen ≈${s.expectedGb} GB.`
        : `${s.storageBoxType} fasst ${s.capacityGb} GB; erwartetes Backup-Volumen ≈${s.expectedGb} GB (${Math.round((100 * s.expectedGb) / s.capacityGb)}% belegt) bei ${s.retainedSnapshots} aufbewahrten Snapshots.`,
    assumptions: "Schätzung: DB-Hosts sichern etwa die Hälfte ihrer Platte, App-Hosts ein Zehntel; jeder aufbewahrte Snapshot bringt 2 % Änderungen.",
  },
} as const;

const euro = (n: number) => n.toFixed(2);

export function renderAuditMarkdown(r: AuditReport, lang: Lang): string {
  const w = words[lang];
  const out: string[] = [w.title(r), "", w.intro, "", w.summary(r), "", w.head, "|---|---|---|---|"];
  for (const i of r.items) out.push(`| ${i.id} | ${i.title[lang]} | ${w.level[i.level]} | ${w.status[i.status]} |`);
  for (const i of r.items) {
    out.push("", `## ${i.id} ${i.title[lang]}: ${w.status[i.status]}`, "", `**${w.evidence}:**`, "");
    out.push(...i.evidence.map((e) => `- ${e}`));
    if (i.problems.length) out.push("", `**${w.problems}:**`, "", ...i.problems.map((p) => `- ${p}`));
    if (i.status !== "pass") out.push("", `**${w.fix}:** ${i.fix[lang]}`);
  }
  out.push("", w.topology, "", "```mermaid", r.topology, "```", "", w.cost, "", w.costHead, "|---|---|---:|");
  out.push(...r.cost.lines.map((l) => `| ${l.item} | ${l.resource} | ${euro(l.eurMonth)} |`), `| **${w.total}** | | **${euro(r.cost.totalEurMonth)}** |`, "", w.asOf(r.cost));
  if (r.cost.unpriced.length) out.push("", `${w.unpriced}: ${r.cost.unpriced.join(", ")}`);
  out.push("", w.storage, "", w.storageLine(r.storage), "", w.assumptions, "");
  return out.join("\n");
}

export interface PortfolioRow {
  stack: string;
  customer: string;
  environment: string;
  pass: number;
  waived: number;
  fail: number;
  mandatoryFailed: string[];
  eurMonth: number;
}

export function portfolioRow(r: AuditReport): PortfolioRow {
  return {
    stack: r.stack,
    customer: r.customer,
    environment: r.environment,
    pass: r.summary.pass,
    waived: r.summary.waived,
    fail: r.summary.fail,
    mandatoryFailed: r.summary.mandatoryFailed,
    eurMonth: r.cost.totalEurMonth,
  };
}

export function renderPortfolio(rows: PortfolioRow[], lang: Lang): string {
  const de = lang === "de";
  const head = de
    ? "| Stack | Kunde | Umgebung | erfüllt | Ausnahme | nicht erfüllt | Pflicht nicht erfüllt | EUR/Monat |"
    : "| Stack | Customer | Environment | pass | waived | fail | mandatory failing | EUR/month |";
  const lines = [head, "|---|---|---|---:|---:|---:|---|---:|"];
  for (const r of rows)
    lines.push(`| ${r.stack} | ${r.customer} | ${r.environment} | ${r.pass} | ${r.waived} | ${r.fail} | ${r.mandatoryFailed.join(", ") || "—"} | ${euro(r.eurMonth)} |`);
  const total = rows.reduce((s, r) => s + r.eurMonth, 0);
  lines.push(`| **${de ? "Summe" : "Total"}** | | | | | | | **${euro(total)}** |`);
  return lines.join("\n") + "\n";
}
