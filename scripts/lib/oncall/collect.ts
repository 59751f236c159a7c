import { randomBytes } from "crypto";
import { HEALTH_TOOL } from "../../../components/hostconfig/health";
import { DeployTarget, firstError, runRemote } from "../deploy/exec";

/** One command run on a host, as the on-call user sees it. */
export interface Section {
  name: string;
  command: string;
  status: number;
  output: string;
}

export interface HostSnapshot {
  host: string;
  reachable: boolean;
  /** Why it is not reachable, as ssh said it. */
  error?: string;
  seconds: number;
  sections: Section[];
}

/** What shop-health --report prints (components/files/shop-health.py). */
export interface HealthItem {
  key: string;
  group: string;
  status: "ok" | "warning" | "critical";
  summary: string;
  value: unknown;
  threshold: unknown;
  lastAlert: { status: string; at: number } | null;
}
export interface HealthReport {
  host: string;
  at: number;
  items: HealthItem[];
}

/** The readonly role runs exactly this through sudo (components/hostconfig/users.ts). */
export const HEALTH_REPORT_COMMAND = `sudo -n ${HEALTH_TOOL} --report`;

/** Failed units as the readonly role lists them; status and verify-hosts both read them. */
export const FAILED_UNITS = { name: "failed-units", command: "systemctl --failed --plain --no-legend --no-pager" };

/** The unit names of a FAILED_UNITS section (the first word of each line). */
export function failedUnitsOf(section: Section): string[] {
  return section.output.split("\n").map((l) => l.trim().split(/\s+/)[0]).filter(Boolean);
}

/** Frames each section; random per run, so no command's output can fake a frame. */
export const newMark = () => `@@shop-section-${randomBytes(8).toString("hex")}`;

/** One shell script that runs every command and frames its output and exit status. */
export function sectionScript(commands: { name: string; command: string }[], mark: string): string {
  return commands
    .map(({ name, command }) => {
      if (!/^[a-z-]+$/.test(name)) throw new Error(`section name ${JSON.stringify(name)}: a-z and - only`);
      // A subshell: a command's own `exit` ends its section, not the script. The frame starts on a
      // line of its own even when the output does not end with a newline.
      return `echo '${mark} ${name}'; ( ${command} ) 2>&1; rc=$?; echo; echo "${mark}-rc $rc"`;
    })
    .join("\n");
}

export function parseSections(stdout: string, commands: { name: string; command: string }[], mark: string): Section[] {
  const sections: Section[] = [];
  let current: Section | undefined;
  for (const line of stdout.split("\n")) {
    const rc = line.startsWith(`${mark}-rc `) ? Number(line.slice(mark.length + 4)) : undefined;
    if (line.startsWith(`${mark} `)) {
      const name = line.slice(mark.length + 1);
      current = { name, command: commands.find((c) => c.name === name)?.command ?? "", status: -1, output: "" };
      sections.push(current);
    } else if (rc !== undefined && current) {
      current.status = rc;
      // The framing newline, and the output's own last one.
      current.output = current.output.replace(/\n$/, "").replace(/\n$/, "");
      current = undefined;
    } else if (current) current.output += `${line}\n`;
  }
  return sections;
}

/** Runs the commands on one host in one SSH session, bounded; an unreachable host is a result, not an error. */
export async function snapshotHost(target: DeployTarget, commands: { name: string; command: string }[], timeoutMs = 45_000): Promise<HostSnapshot> {
  const t0 = Date.now();
  const mark = newMark();
  const r = await runRemote(target, sectionScript(commands, mark), { timeoutMs });
  const seconds = (Date.now() - t0) / 1000;
  const sections = parseSections(r.stdout, commands, mark);
  // ssh's own failure (255) before any section ran: the host did not answer.
  if (sections.length === 0) return { host: target.name, reachable: false, error: firstError(r), seconds, sections };
  return { host: target.name, reachable: true, seconds, sections };
}

export function sectionOf(snap: HostSnapshot, name: string): Section | undefined {
  return snap.sections.find((s) => s.name === name);
}

/** The health report section parsed, or why it could not be. */
export function healthReportOf(snap: HostSnapshot, name = "health"): HealthReport | { problem: string } {
  const s = sectionOf(snap, name);
  if (!s) return { problem: "no health report" };
  if (s.status !== 0) return { problem: `${HEALTH_REPORT_COMMAND}: exit ${s.status}: ${s.output.split("\n").slice(-1)[0]}` };
  try {
    const parsed = JSON.parse(s.output.split("\n").filter((l) => l.startsWith("{")).slice(-1)[0] ?? "") as HealthReport;
    if (!Array.isArray(parsed.items)) throw new Error("no items");
    return parsed;
  } catch (err) {
    return { problem: `${HEALTH_REPORT_COMMAND} printed no report (${(err as Error).message})` };
  }
}
