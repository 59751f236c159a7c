import { placeholderFindings, PlaceholderFinding } from "../config";
import { estimateCost, storageQuota, StorageQuota, CostEstimate } from "./cost";
import { markdown, markdownCode } from "../hostconfig/escape";
import { evaluateChecklist, mandatoryFailures } from "./index";
import { PRICE_TABLE_MAX_AGE_MONTHS } from "./prices";
import { euro, num, provenanceLines } from "./text";
import { topologyMermaid } from "./topology";
import type { CheckContext, Lang, Provenance, RuleResult, Status } from "./types";

/** Everything the audit reports for one stack; audit.json is exactly this. */
export interface AuditReport {
  stack: string;
  customer: string;
  environment: string;
  provenance: Provenance;
  /** Made-up values that validate (components/config/placeholders.ts); each fails the rows it touches. */
  placeholders: PlaceholderFinding[];
  items: RuleResult[];
  summary: Record<Status, number> & { mandatoryFailed: string[] };
  cost: CostEstimate;
  storage: StorageQuota;
  topology: { en: string; de: string };
}

export function auditReport(ctx: CheckContext, provenance: Provenance): AuditReport {
  const items = evaluateChecklist(ctx);
  const count = (s: Status) => items.filter((i) => i.status === s).length;
  return {
    stack: ctx.spec.stack,
    customer: ctx.spec.customer,
    environment: ctx.spec.environment,
    provenance,
    placeholders: placeholderFindings(ctx.spec),
    items,
    summary: { pass: count("pass"), fail: count("fail"), waived: count("waived"), mandatoryFailed: mandatoryFailures(items).map((i) => i.id) },
    cost: estimateCost(ctx, new Date(provenance.generatedAt)),
    storage: storageQuota(ctx),
    topology: { en: topologyMermaid(ctx, "en"), de: topologyMermaid(ctx, "de") },
  };
}

/** The audit's result in one line, as the plan and audit CLIs print it. */
export function auditOneLine(r: AuditReport, lang: Lang): string {
  const w = words[lang];
  return w.summary(r);
}

const words = {
  en: {
    title: (r: AuditReport) => `# Audit: ${r.customer} (stack ${r.stack}, ${r.environment})`,
    provenance: "**Provenance**",
    intro: "Judged from the offline plan (the resources actually declared) and the validated stack config. No cloud credentials were used.",
    placeholders: (n: number) =>
      `**This stack holds ${n} placeholder value(s).** They validate, but they are not a real customer's; every row they touch fails until they are replaced:`,
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
    costHead: "| Item | Resource | per month |",
    total: "Total",
    money: (n: number, currency: string) => `${currency} ${euro(n, "en")}`,
    asOf: (c: CostEstimate) => `Prices as of ${c.pricesAsOf}, ${c.source}. Traffic beyond the included quotas is not included.`,
    stale: (c: CostEstimate) =>
      `**Warning: the price table is ${c.ageMonths} months old** (older than ${PRICE_TABLE_MAX_AGE_MONTHS}): check the figures in components/checklist/prices.ts against the providers' price lists and update its date.`,
    unpriced: "No price in the table (counted as 0)",
    storage: "## Storage Box vs expected backup volume",
    storageLine: (s: StorageQuota) =>
      s.capacityGb === undefined
        ? `No Storage Box is declared; expected backup volume ≈${num(s.expectedGb, "en")} GB.`
        : `${s.storageBoxType} holds ${num(s.capacityGb, "en")} GB; expected backup volume ≈${num(s.expectedGb, "en")} GB (${Math.round((100 * s.expectedGb) / s.capacityGb)}% full) with ${s.retainedSnapshots} retained snapshots.`,
    assumptions: "Estimate: DB hosts back up about half their disk, app hosts a tenth; each retained snapshot adds 2% churn.",
  },
  de: {
    title: (r: AuditReport) => `# Prüfbericht: ${r.customer} (Stack ${r.stack}, ${r.environment === "production" ? "Produktion" : "Staging"})`,
    provenance: "**Herkunft**",
    intro: "Geprüft anhand des Offline-Plans (der tatsächlich deklarierten Ressourcen) und der validierten Stack-Konfiguration. Es wurden keine Cloud-Zugangsdaten verwendet.",
    placeholders: (n: number) =>
      `**Dieser Stack enthält ${n} Platzhalterwert(e).** Sie sind formal gültig, gehören aber keinem echten Kunden; jeder Prüfpunkt, den sie berühren, ist nicht erfüllt, bis sie ersetzt sind:`,
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
    costHead: "| Posten | Ressource | pro Monat |",
    total: "Summe",
    money: (n: number, currency: string) => `${euro(n, "de")} ${currency === "EUR" ? "€" : "US-$"}`,
    asOf: (c: CostEstimate) => `Preisstand ${c.pricesAsOf}, Quellen: ${c.source.replace("net EUR/month, DE/FI locations, excl. VAT", "netto EUR/Monat, Standorte DE/FI, ohne USt.")}. Traffic über die Inklusivmengen hinaus ist nicht enthalten.`,
    stale: (c: CostEstimate) =>
      `**Warnung: die Preistabelle ist ${c.ageMonths} Monate alt** (älter als ${PRICE_TABLE_MAX_AGE_MONTHS}): die Werte in components/checklist/prices.ts mit den Preislisten der Anbieter abgleichen und das Datum nachziehen.`,
    unpriced: "Ohne Preis in der Tabelle (mit 0 gerechnet)",
    storage: "## Speicherplatz: Storage Box und erwartetes Backup-Volumen",
    storageLine: (s: StorageQuota) =>
      s.capacityGb === undefined
        ? `Keine Storage Box deklariert; erwartetes Backup-Volumen ≈${num(s.expectedGb, "de")} GB.`
        : `${s.storageBoxType} fasst ${num(s.capacityGb, "de")} GB; erwartetes Backup-Volumen ≈${num(s.expectedGb, "de")} GB (${Math.round((100 * s.expectedGb) / s.capacityGb)} % belegt) bei ${s.retainedSnapshots} aufbewahrten Snapshots.`,
    assumptions: "Schätzung: DB-Hosts sichern etwa die Hälfte ihrer Platte, App-Hosts ein Zehntel; jeder aufbewahrte Snapshot bringt 2 % Änderungen.",
  },
} as const;

const placeholderLine = (f: PlaceholderFinding, lang: Lang) =>
  `- \`${f.key}\`${f.kind === "unset-secret" ? (lang === "de" ? " ist nicht gesetzt" : " is not set") : ` = ${markdownCode(f.value)}`} → ${f.checks.join(", ")}`;

export function renderAuditMarkdown(r: AuditReport, lang: Lang): string {
  const w = words[lang];
  const out: string[] = [w.title(r), "", w.provenance, "", ...provenanceLines(r.provenance, lang), "", w.intro, ""];
  if (r.placeholders.length) out.push(w.placeholders(r.placeholders.length), "", ...r.placeholders.map((f) => placeholderLine(f, lang)), "");
  out.push(w.summary(r), "", w.head, "|---|---|---|---|");
  for (const i of r.items) out.push(`| ${i.id} | ${i.title[lang]} | ${w.level[i.level]} | ${w.status[i.status]} |`);
  for (const i of r.items) {
    out.push("", `## ${i.id} ${i.title[lang]}: ${w.status[i.status]}`, "", `**${w.evidence}:**`, "");
    // Evidence and findings are plain text that quotes the stack file (descriptions, comments): escaped here, once.
    out.push(...i.evidence.map((e) => `- ${markdown(e[lang])}`));
    if (i.problems.length) out.push("", `**${w.problems}:**`, "", ...i.problems.map((p) => `- ${markdown(p[lang])}`));
    if (i.status !== "pass") out.push("", `**${w.fix}:** ${i.fix[lang]}`);
  }
  out.push("", w.topology, "", "```mermaid", r.topology[lang], "```", "", w.cost, "");
  if (r.cost.stale) out.push(w.stale(r.cost), "");
  out.push(w.costHead, "|---|---|---:|");
  out.push(...r.cost.lines.map((c) => `| ${c.item[lang]} | ${c.resource} | ${w.money(c.amount, c.currency)} |`));
  out.push(`| **${w.total}** | | **${w.money(r.cost.totalEurMonth, "EUR")}**${r.cost.totalUsdMonth ? ` + **${w.money(r.cost.totalUsdMonth, "USD")}**` : ""} |`, "", w.asOf(r.cost));
  if (r.cost.unpriced.length) out.push("", `${w.unpriced}: ${r.cost.unpriced.join(", ")}`);
  out.push("", w.storage, "", w.storageLine(r.storage), "", w.assumptions, "");
  return out.join("\n");
}

export interface PortfolioRow {
  stack: string;
  customer: string;
  environment: string;
  /** Placeholder values in the stack file: an unedited or example stack shows here, not only in its failures. */
  placeholders: number;
  pass: number;
  waived: number;
  fail: number;
  mandatoryFailed: string[];
  eurMonth: number;
  usdMonth: number;
}

export function portfolioRow(r: AuditReport): PortfolioRow {
  return {
    stack: r.stack,
    customer: r.customer,
    environment: r.environment,
    placeholders: r.placeholders.length,
    pass: r.summary.pass,
    waived: r.summary.waived,
    fail: r.summary.fail,
    mandatoryFailed: r.summary.mandatoryFailed,
    eurMonth: r.cost.totalEurMonth,
    usdMonth: r.cost.totalUsdMonth,
  };
}

export function renderPortfolio(rows: PortfolioRow[], lang: Lang): string {
  const de = lang === "de";
  const head = de
    ? "| Stack | Kunde | Umgebung | Platzhalter | erfüllt | Ausnahme | nicht erfüllt | Pflicht nicht erfüllt | EUR/Monat | USD/Monat |"
    : "| Stack | Customer | Environment | placeholders | pass | waived | fail | mandatory failing | EUR/month | USD/month |";
  const lines = [head, "|---|---|---|---:|---:|---:|---:|---|---:|---:|"];
  for (const r of rows) {
    const env = de ? (r.environment === "production" ? "Produktion" : "Staging") : r.environment;
    const marked = r.placeholders ? `**${r.placeholders}**` : "0";
    lines.push(`| ${r.stack} | ${r.customer} | ${env} | ${marked} | ${r.pass} | ${r.waived} | ${r.fail} | ${r.mandatoryFailed.join(", ") || "—"} | ${euro(r.eurMonth, lang)} | ${euro(r.usdMonth, lang)} |`);
  }
  const total = rows.reduce((s, r) => s + r.eurMonth, 0);
  const usd = rows.reduce((s, r) => s + r.usdMonth, 0);
  lines.push(`| **${de ? "Summe" : "Total"}** | | | | | | | | **${euro(total, lang)}** | **${euro(usd, lang)}** |`);
  const unedited = rows.filter((r) => r.placeholders);
  if (unedited.length)
    lines.push(
      "",
      de
        ? `Platzhalter: ${unedited.map((r) => r.stack).join(", ")} enthalten Beispielwerte; ihre Zeilen sind keine echten Kunden.`
        : `Placeholders: ${unedited.map((r) => r.stack).join(", ")} hold example values; their rows are not real customers.`,
    );
  return lines.join("\n") + "\n";
}
