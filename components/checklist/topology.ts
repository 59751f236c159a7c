import { labelsOf, ofType, str, T } from "./resources";
import type { CheckContext, Lang } from "./types";

const words = {
  en: { visitors: "Visitors", proxied: "proxied", dnsOnly: "DNS only", afterCutover: "after cutover", now: "now", oldHost: "old host", private: "private", privateHttp: "private HTTP", replication: "replication", bucket: "S3 bucket", db: "DB" },
  de: { visitors: "Besucher", proxied: "Proxy", dnsOnly: "nur DNS", afterCutover: "nach der Umschaltung", now: "jetzt", oldHost: "Altsystem", private: "privat", privateHttp: "privates HTTP", replication: "Replikation", bucket: "S3-Bucket", db: "DB" },
} as const;

/** Mermaid flowchart of the declared topology: Cloudflare → LB → app nodes → DB, plus backups and media. */
export function topologyMermaid(ctx: CheckContext, lang: Lang): string {
  const { spec } = ctx;
  const w = words[lang];
  const quote = (s: string) => `"${s.replace(/"/g, "'")}"`;
  const lines = ["flowchart LR", `  visitors([${w.visitors}]) --> cf[${quote(`Cloudflare ${spec.dns.proxied ? w.proxied : w.dnsOnly}<br/>${spec.hostnames.join("<br/>")}`)}]`];
  const lbs = ofType(ctx, T.loadBalancer);
  lbs.forEach((lb, i) => lines.push(`  cf -->|${spec.dns.target === "lb" ? "HTTPS" : w.afterCutover}| lb${i}[${quote(`${lb.name}<br/>${str(lb.inputs.loadBalancerType)} · ${w.private} ${spec.network.lbPrivateIp}`)}]`));
  if (spec.dns.target !== "lb") lines.push(`  cf -->|${w.now}| old[${quote(`${w.oldHost} ${spec.dns.target}`)}]`);
  const servers = ofType(ctx, T.server);
  const id = new Map(servers.map((s, i) => [s.name, `n${i}`]));
  const node = spec.nodes;
  for (const s of servers) {
    const n = node.find((x) => x.name === s.inputs.name);
    const dbRole = labelsOf(s)["db-role"];
    const label = quote(`${s.name}<br/>${str(s.inputs.serverType)} · ${n?.privateIp ?? "?"}${dbRole ? `<br/>${w.db} ${dbRole}` : ""}`);
    lines.push(`  ${id.get(s.name)}${labelsOf(s).role === "app" ? `[${label}]` : `[(${label})]`}`);
  }
  const apps = servers.filter((s) => labelsOf(s).role === "app");
  const primary = servers.find((s) => labelsOf(s)["db-role"] === "primary");
  const replicas = servers.filter((s) => labelsOf(s)["db-role"] === "replica");
  lbs.forEach((_, i) => apps.forEach((a) => lines.push(`  lb${i} -->|${w.privateHttp}| ${id.get(a.name)}`)));
  if (primary) for (const a of apps) if (a !== primary) lines.push(`  ${id.get(a.name)} -->|SQL| ${id.get(primary.name)}`);
  if (primary) for (const r of replicas) lines.push(`  ${id.get(primary.name)} -.->|${w.replication}| ${id.get(r.name)}`);
  lines.push(`  media[(${quote(`${w.bucket} ${spec.media.bucket}`)})]`);
  for (const a of apps) lines.push(`  ${id.get(a.name)} --> media`);
  const box = ofType(ctx, T.storageBox)[0];
  if (box) {
    lines.push(`  box[(${quote(`Storage Box ${str(box.inputs.storageBoxType)}<br/>${str(box.inputs.location)}`)})]`);
    for (const s of servers) lines.push(`  ${id.get(s.name)} -.->|restic| box`);
  }
  return lines.join("\n");
}
