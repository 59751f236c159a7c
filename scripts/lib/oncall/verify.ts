import * as fs from "fs";
import * as path from "path";
import { isDbNode, NodeSpec, shortNodeName, ShopSpec } from "../../../components/config";
import type { HostVerification } from "../../../components/checklist";
import { markdownCode } from "../../../components/hostconfig/escape";
import { FAILED_UNITS, failedUnitsOf, HEALTH_REPORT_COMMAND, healthReportOf, HostSnapshot, Section, sectionOf } from "./collect";

/** OPS-3 on the real hosts: what the previous hoster's "server" could not even run, as the readonly role. */
export function verifyCommands(node: NodeSpec): { name: string; command: string }[] {
  return [
    { name: "uname", command: "uname -a" },
    { name: "os", command: "grep '^VERSION_CODENAME=' /etc/os-release" },
    ...(node.roles.includes("app") ? [{ name: "php", command: "php -v" }] : []),
    { name: "top", command: "top -bn1 | head -15" },
    { name: "df", command: "df -h" },
    FAILED_UNITS,
    ...(isDbNode(node) ? [{ name: "mariadb", command: "mariadb --version" }] : []),
    { name: "health", command: HEALTH_REPORT_COMMAND },
  ];
}

export interface VerifiedHost {
  host: string;
  ok: boolean;
  kernel: string;
  php: string | null;
  problems: string[];
  sections: Section[];
}

export interface VerifyRecord {
  stack: string;
  at: string;
  ok: boolean;
  hosts: VerifiedHost[];
}

/**
 * What the host runs against what the stack declares for it (shop:nodeImages, else shop:image):
 * its Debian release, and the PHP and MariaDB series that release ships. A host on another
 * release than the stack renders for gets host files for the wrong versions (a php8.4-fpm unit
 * on a PHP 8.2 host, say).
 */
function versionProblems(snap: HostSnapshot, spec: ShopSpec): string[] {
  const problems: string[] = [];
  const node = spec.nodes.find((n) => n.name === snap.host);
  const [image, os] = node ? [node.image, node.os] : [spec.image, spec.os];
  const key = node && node.image !== spec.image ? `shop:nodeImages.${shortNodeName(spec.stack, node.name)}` : "shop:image";
  const declared = `the stack declares ${key} ${image} (${os.codename}: PHP ${os.php}, MariaDB ${os.mariadb})`;
  const codename = /^VERSION_CODENAME=(\S+)$/m.exec(sectionOf(snap, "os")?.output ?? "")?.[1];
  if (codename && codename !== os.codename) problems.push(`runs Debian ${codename}; ${declared}`);
  const php = /^PHP (\d+\.\d+)\./m.exec(sectionOf(snap, "php")?.output ?? "")?.[1];
  if (php && php !== os.php) problems.push(`runs PHP ${php}; ${declared}`);
  const mariadb = /\b(\d+\.\d+)\.\d+-MariaDB\b/.exec(sectionOf(snap, "mariadb")?.output ?? "")?.[1];
  if (mariadb && mariadb !== os.mariadb) problems.push(`runs MariaDB ${mariadb}; ${declared}`);
  return problems;
}

/**
 * Judges one host's answers: every command ran and said something; no failed unit; the database
 * and replication items are ok; it runs the release, PHP and MariaDB the stack declares.
 */
export function verifiedHost(snap: HostSnapshot, spec: ShopSpec): VerifiedHost {
  const problems: string[] = [];
  if (!snap.reachable) return { host: snap.host, ok: false, kernel: "", php: null, problems: [`unreachable over SSH: ${snap.error}`], sections: [] };
  for (const s of snap.sections) {
    if (s.name === FAILED_UNITS.name) {
      if (s.status !== 0) problems.push(`\`${s.command}\` exit ${s.status}`);
      for (const unit of failedUnitsOf(s)) problems.push(`unit ${unit} failed`);
    } else if (s.status !== 0 || !s.output.trim()) problems.push(`\`${s.command}\` ${s.status !== 0 ? `exit ${s.status}` : "printed nothing"}: ${s.output.trim().split("\n").slice(-1)[0] ?? ""}`.trim());
  }
  const report = healthReportOf(snap);
  if ("problem" in report) problems.push(report.problem);
  else for (const it of report.items) if ((it.group === "database" || it.group === "replication") && it.status !== "ok") problems.push(it.summary);
  problems.push(...versionProblems(snap, spec));
  const php = sectionOf(snap, "php");
  return {
    host: snap.host,
    ok: problems.length === 0,
    kernel: (sectionOf(snap, "uname")?.output.trim() ?? "").split(" ").slice(0, 3).join(" "),
    php: php ? (php.output.split("\n")[0] ?? "").split(" (")[0] : null,
    problems,
    sections: snap.sections,
  };
}

export function verifyRecord(spec: ShopSpec, snaps: HostSnapshot[], at: Date): VerifyRecord {
  const hosts = snaps.map((snap) => verifiedHost(snap, spec));
  return { stack: spec.stack, at: at.toISOString(), ok: hosts.every((h) => h.ok), hosts };
}

/** Under out/<stack>/: the plan keeps it when it replaces the directory. */
export const VERIFY_DIR = "verify";

/** 2026-12-03T15:04:05Z → 2026-12-03T15-04-05Z: sortable, and a file name everywhere. */
export const recordStamp = (iso: string) => iso.replace(/\.\d+Z$/, "Z").replace(/:/g, "-");
const RECORD_FILE = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.json$/;

/** The runbook's and the auditor's copy: every command with its output, per host. */
export function renderVerifyMarkdown(r: VerifyRecord): string {
  const lines = [`# Host verification (OPS-3): ${r.stack}`, "", `Run at ${r.at} as the readonly role: ${r.ok ? "every host passed" : "PROBLEMS found"}.`, ""];
  for (const h of r.hosts) {
    lines.push(`## ${h.host}: ${h.ok ? "ok" : "problems"}`, "");
    for (const p of h.problems) lines.push(`- ${markdownCode(p)}`);
    if (h.problems.length) lines.push("");
    for (const s of h.sections) lines.push(`\`${s.command}\` (exit ${s.status}):`, "", "```", s.output.replace(/```/g, "'''"), "```", "");
  }
  return lines.join("\n");
}

/** Writes <stamp>.json and <stamp>.md into dir (out/<stack>/verify), each by temp file + rename. */
export function writeVerifyRecord(dir: string, r: VerifyRecord): string {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, recordStamp(r.at));
  for (const [file, text] of [[`${base}.json`, JSON.stringify(r, null, 2) + "\n"], [`${base}.md`, renderVerifyMarkdown(r)]]) {
    fs.writeFileSync(`${file}.tmp`, text);
    fs.renameSync(`${file}.tmp`, file);
  }
  return `${base}.json`;
}

const PRINTABLE = /^[\x20-\x7e]{0,200}$/;

/**
 * The newest record in dir as the audit quotes it, or undefined. The file is read as untrusted:
 * hosts must be the stack's nodes and every string short printable ASCII, else it is ignored.
 */
export function latestVerification(dir: string, spec: ShopSpec): HostVerification | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => RECORD_FILE.test(n)).sort();
  } catch {
    return undefined;
  }
  const file = names[names.length - 1];
  if (!file) return undefined;
  try {
    const r = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as VerifyRecord;
    const nodeNames = new Set(spec.nodes.map((n) => n.name));
    const text = (v: unknown) => typeof v === "string" && PRINTABLE.test(v);
    if (!text(r.at) || Number.isNaN(Date.parse(r.at)) || !Array.isArray(r.hosts)) return undefined;
    const hosts = r.hosts.map((h) => ({ host: h.host, ok: h.ok === true, kernel: h.kernel, php: h.php ?? null, problems: Array.isArray(h.problems) ? h.problems : [] }));
    if (!hosts.every((h) => nodeNames.has(h.host) && text(h.kernel) && (h.php === null || text(h.php)) && h.problems.every(text))) return undefined;
    return { at: r.at, file, hosts };
  } catch {
    return undefined;
  }
}
