import { databaseRoleOf, DatabaseRole, HEALTH_CHECK_PATH, ShopSpec } from "../../../components/config";
import { FAILED_UNITS, failedUnitsOf, HEALTH_REPORT_COMMAND, HealthItem, healthReportOf, HostSnapshot, sectionOf } from "./collect";
import type { PublicCheck } from "./publicCheck";

export type Level = "green" | "yellow" | "red";

/** What status runs on every host as the readonly role, in one SSH session. */
export const STATUS_COMMANDS = [
  FAILED_UNITS,
  { name: "health", command: HEALTH_REPORT_COMMAND },
];

export interface HostStatus {
  host: string;
  level: Level;
  reachable: boolean;
  load: string;
  disk: string;
  memory: string;
  failedUnits: string[];
  database: string;
  replication: string;
  backup: string;
  lastAlert: string;
  /** Every yellow or red finding, one line each. */
  problems: { level: Level; what: string }[];
}

export interface StatusReport {
  stack: string;
  at: string;
  level: Level;
  shop: PublicCheck & { level: Level; problems: { level: Level; what: string }[] };
  hosts: HostStatus[];
}

const LEVEL_OF: Record<HealthItem["status"], Level> = { ok: "green", warning: "yellow", critical: "red" };
const worst = (levels: Level[]): Level => (levels.includes("red") ? "red" : levels.includes("yellow") ? "yellow" : "green");
const utc = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().replace("T", " ").slice(0, 16) + " UTC";

/** `role`: what the stack file makes a DB node, which may be newer than the host's own files (a node unreachable at a failover). */
function hostStatus(snap: HostSnapshot, role: DatabaseRole | null): HostStatus {
  const blank = { load: "-", disk: "-", memory: "-", failedUnits: [], database: "-", replication: "-", backup: "-", lastAlert: "-" };
  if (!snap.reachable) return { host: snap.host, level: "red", reachable: false, ...blank, problems: [{ level: "red", what: `unreachable over SSH: ${snap.error}` }] };
  const problems: HostStatus["problems"] = [];
  const failed = sectionOf(snap, FAILED_UNITS.name);
  const failedUnits = failed && failed.status === 0 ? failedUnitsOf(failed) : [];
  if (!failed || failed.status !== 0) problems.push({ level: "red", what: `systemctl --failed did not run: ${failed?.output.trim() || "no output"}` });
  for (const unit of failedUnits) problems.push({ level: "red", what: `unit ${unit} failed` });
  const report = healthReportOf(snap);
  if ("problem" in report) {
    problems.push({ level: "red", what: `the host's checks could not be read: ${report.problem}` });
    return { host: snap.host, level: "red", reachable: true, ...blank, failedUnits, problems };
  }
  for (const it of report.items) if (it.status !== "ok") problems.push({ level: LEVEL_OF[it.status], what: it.summary });
  // The host judges itself by its own files; the stack file says what it is now.
  const db = report.items.find((i) => i.key === "database");
  if (db && db.status === "ok" && role && (db.value === "writable") !== (role === "primary"))
    problems.push({
      level: "red",
      what: role === "primary" ? `read-only, but the stack file makes it the primary` : `writable, but the stack file makes it ${role}: its own files are stale; fence it (npm run failover -- --rebuild)`,
    });
  const of = (prefix: string) => report.items.filter((i) => i.key === prefix || i.key.startsWith(`${prefix}:`));
  const num = (v: unknown) => (typeof v === "number" ? v : NaN);
  const load = ["load1", "load5", "load15"].map((k) => report.items.find((i) => i.key === k));
  const disks = of("disk").sort((a, b) => num(b.value) - num(a.value));
  const alerts = report.items.filter((i) => i.lastAlert).sort((a, b) => b.lastAlert!.at - a.lastAlert!.at);
  const backups = of("backup_age");
  return {
    host: snap.host,
    level: worst(problems.map((p) => p.level)),
    reachable: true,
    load: load.every(Boolean) ? `${load.map((i) => num(i!.value).toFixed(2)).join(" ")} /core (limit ${load.map((i) => i!.threshold).join(" ")})` : "-",
    disk: disks.length ? `${disks[0].key.slice("disk:".length)} ${num(disks[0].value)}%` : "-",
    memory: of("memory").length ? `${num(of("memory")[0].value)}%` : "-",
    failedUnits,
    database: of("database")[0]?.summary ?? "-",
    replication: of("replication")[0]?.summary ?? "-",
    backup: backups.length ? backups.map((b) => (typeof b.value === "number" ? `${b.key.slice("backup_age:".length)} ${Math.round(b.value / 60)} min ago` : `${b.key.slice("backup_age:".length)} never`)).join(", ") : "-",
    lastAlert: alerts.length ? `${utc(alerts[0].lastAlert!.at)} ${alerts[0].key} (${alerts[0].lastAlert!.status})` : "none sent",
    problems,
  };
}

function shopStatus(spec: ShopSpec, check: PublicCheck, lab: boolean): StatusReport["shop"] {
  const problems: StatusReport["shop"]["problems"] = [];
  if (check.error) problems.push({ level: "red", what: `${check.url}: ${check.error}` });
  else if (check.status !== 200) problems.push({ level: "red", what: `${check.url} answered ${check.status}, not 200` });
  const limit = spec.monitoring.thresholds.certExpiryDays;
  if (check.certificate && check.certificate.days < 0) problems.push({ level: "red", what: `the certificate expired on ${check.certificate.validTo}` });
  else if (check.certificate && check.certificate.days < limit) problems.push({ level: "yellow", what: `the certificate expires in ${check.certificate.days.toFixed(0)} days (limit ${limit})` });
  else if (!check.certificate && !check.error && !lab) problems.push({ level: "red", what: `${check.url}: no TLS certificate seen` });
  return { ...check, level: worst(problems.map((p) => p.level)), problems };
}

/** One verdict from what the hosts and the public URL said: red when anything is red. */
export function statusReport(spec: ShopSpec, snaps: HostSnapshot[], check: PublicCheck, now: Date, lab: boolean): StatusReport {
  const hosts = snaps.map((snap) => {
    const node = spec.nodes.find((n) => n.name === snap.host);
    return hostStatus(snap, node ? databaseRoleOf(spec, node) : null);
  });
  const shop = shopStatus(spec, check, lab);
  return { stack: spec.stack, at: now.toISOString(), level: worst([shop.level, ...hosts.map((h) => h.level)]), shop, hosts };
}

export const shopHealthUrl = (spec: ShopSpec) => `${spec.appUrl}${HEALTH_CHECK_PATH}`;

const LABEL: Record<Level, string> = { green: "ok", yellow: "WARN", red: "RED" };

/** The one screen on-call reads: a verdict line, the shop, a line per host, then every finding. */
export function renderStatus(r: StatusReport, lab: boolean): string {
  const cert = r.shop.certificate ? `certificate ${r.shop.certificate.days.toFixed(0)} days left` : lab ? "certificate not checked (the lab's LB stand-in serves plain HTTP)" : "no certificate";
  const answer = r.shop.error ? r.shop.error : `${r.shop.status} in ${r.shop.ms} ms${r.shop.servedBy ? ` from ${r.shop.servedBy}` : ""}`;
  const columns: [string, (h: HostStatus) => string][] = [
    ["HOST", (h) => h.host],
    ["STATE", (h) => LABEL[h.level]],
    ["LOAD", (h) => h.load],
    ["DISK", (h) => h.disk],
    ["MEM", (h) => h.memory],
    ["FAILED", (h) => (h.reachable ? String(h.failedUnits.length) : "-")],
    ["BACKUP", (h) => h.backup],
    ["LAST ALERT", (h) => h.lastAlert],
  ];
  const widths = columns.map(([title, get]) => Math.max(title.length, ...r.hosts.map((h) => get(h).length)));
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const dbLines = r.hosts.filter((h) => h.database !== "-").map((h) => `  ${h.host}: ${h.database}; ${h.replication === "-" ? "no replication" : h.replication}`);
  const findings = [...r.shop.problems.map((p) => ({ ...p, where: "shop" })), ...r.hosts.flatMap((h) => h.problems.map((p) => ({ ...p, where: h.host })))];
  const order: Level[] = ["red", "yellow"];
  return [
    `status ${r.stack} at ${r.at.replace("T", " ").slice(0, 19)} UTC: ${LABEL[r.level]}`,
    `shop  ${r.shop.url}: ${answer}; ${cert}  ${LABEL[r.shop.level]}`,
    "",
    row(columns.map(([title]) => title)),
    ...r.hosts.map((h) => row(columns.map(([, get]) => get(h)))),
    "",
    "database:",
    ...dbLines,
    "",
    findings.length ? "findings:" : "findings: none",
    ...order.flatMap((level) => findings.filter((f) => f.level === level).map((f) => `  ${LABEL[level].padEnd(4)} ${f.where}: ${f.what}`)),
  ].join("\n");
}
