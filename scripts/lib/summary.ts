import { auditOneLine } from "../../components/checklist/report";
import type { OfflineRun } from "./offlinePlan";
import type { PlannedStack } from "./writePlan";

/** A short, human summary: resource counts by type, hosts, endpoints. */
export function printSummary(run: OfflineRun, dir: string): void {
  const { plan, spec } = run;
  const counts = new Map<string, number>();
  for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  const lines = [`Offline plan of stack ${spec.stack} (${spec.customer}, profile ${spec.profile}, ${spec.environment}) → ${dir}/`, "", "Resources:"];
  for (const [type, n] of [...counts].sort((a, b) => a[0].localeCompare(b[0]))) lines.push(`  ${String(n).padStart(3)}  ${type}`);
  lines.push(`  ${String(plan.resources.length).padStart(3)}  total`, "", "Hosts:");
  const hosts = (plan.outputs.hosts ?? []) as { name: string; roles: string[]; serverType: string; location: string; publicIpv4: string; privateIp: string }[];
  for (const h of hosts)
    lines.push(`  ${h.name.padEnd(24)} ${h.roles.join("+").padEnd(16)} ${h.serverType.padEnd(7)} ${h.location.padEnd(5)} public ${h.publicIpv4.padEnd(15)} private ${h.privateIp}`);
  const lb = plan.outputs.loadBalancer as { ipv4: string; ipv6: string; privateIp: string } | undefined;
  lines.push("", "Endpoints:");
  if (lb) lines.push(`  load balancer  ${lb.ipv4}  ${lb.ipv6}  private ${lb.privateIp}`);
  for (const url of (plan.outputs.urls ?? []) as string[]) lines.push(`  ${url}  (${spec.dns.proxied ? "proxied" : "DNS only"} → ${spec.dns.target})`);
  process.stdout.write(lines.join("\n") + "\n");
}

/** The last lines of a plan: what it wrote, the audit's result in one line, and what to do next. */
export function printEnding(planned: PlannedStack, dir: string): void {
  const { run, report, files } = planned;
  const stack = run.spec.stack;
  const hostFiles = [...files.keys()].filter((f) => f.startsWith("hosts/")).length;
  const reports = [...files.keys()].filter((f) => !f.startsWith("hosts/"));
  const placeholders = report.placeholders.length;
  const next = placeholders
    ? `replace the ${placeholders} placeholder value(s) the warnings name in the stack file, then plan again (npm run plan -- --stack ${stack} --diff)`
    : report.summary.mandatoryFailed.length
      ? `fix ${report.summary.mandatoryFailed.join(", ")} (${dir}/audit.md says what to change), then plan again`
      : `pulumi preview --stack ${stack} --policy-pack policy, then pulumi up, from an address in shop:deployerCidrs or shop:adminCidrs`;
  process.stdout.write(
    [
      "",
      `Wrote ${dir}/: ${reports.join(", ")} and ${hostFiles} host files for ${run.spec.nodes.length} hosts.`,
      `Audit: ${auditOneLine(report, "en")}${placeholders ? ` ${placeholders} placeholder value(s).` : ""}`,
      `Next: ${next}.`,
      "",
    ].join("\n"),
  );
}
