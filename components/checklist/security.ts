import { isWorldOpen, portCovers, sensitivePorts, ShopSpec } from "../config";
import { USERS_CONFIG_PATH } from "../hostconfig/users";
import { DeclaredRule, declaredCloudRules, FirewallRole } from "../security/firewallRules";
import { delivered, merge } from "./hostChecks";
import { bundleFiles, labelsOf, ofType, str, T } from "./resources";
import { l, list } from "./text";
import type { ChecklistRule, DeclaredResource, Localized, Problem } from "./types";

interface FirewallRuleInput {
  direction?: string;
  protocol?: string;
  port?: string;
  sourceIps?: string[];
  description?: string;
}

function inboundRules(firewall: DeclaredResource): FirewallRuleInput[] {
  return ((firewall.inputs.rules as FirewallRuleInput[] | undefined) ?? []).filter((r) => (r.direction ?? "in") === "in");
}

function selectors(firewall: DeclaredResource): string[] {
  return ((firewall.inputs.applyTos as { labelSelector?: string; server?: unknown }[] | undefined) ?? []).map((a) => a.labelSelector ?? `server ${str(a.server)}`);
}

/** The role a firewall serves: its own role label, or the role its label selector picks. */
function roleOf(firewall: DeclaredResource): FirewallRole | undefined {
  const role = labelsOf(firewall).role ?? selectors(firewall).flatMap((s) => s.split(",")).find((p) => p.startsWith("role="))?.slice(5);
  return role === "app" || role === "db" ? role : undefined;
}

/** The built-in rules' descriptions (security/firewallRules.ts) in German; extra rules keep the stack file's own words. */
const BUILT_IN_RULES_DE: Record<string, string> = {
  "SSH from admin and deployer CIDRs": "SSH aus den Admin- und Deployer-CIDRs",
  "ICMP from admin and deployer CIDRs": "ICMP aus den Admin- und Deployer-CIDRs",
  "node_exporter from monitoring CIDRs": "node_exporter aus den Monitoring-CIDRs",
};

const portOf = (r: { protocol?: string; port?: string }) => `${r.protocol ?? "tcp"}/${r.port ?? "any"}`;

/** The stack-file rules for this firewall's role that open this protocol/port to this source. */
function declaringRules(spec: ShopSpec, firewall: DeclaredResource, rule: FirewallRuleInput, source: string): DeclaredRule[] {
  const role = roleOf(firewall);
  if (!role) return [];
  return declaredCloudRules(spec, role).filter((d) => portOf(d) === portOf(rule) && d.sourceIps.includes(source));
}

/**
 * One evidence line per declared rule of a firewall: the rule's description, its keys in the stack
 * file and the sources the firewall really admits for it. Sources no stack-file rule of this role
 * declares get a line of their own, so a merged or foreign source never hides in a list.
 */
function firewallEvidence(spec: ShopSpec, firewall: DeclaredResource): Localized[] {
  const lines: Localized[] = [];
  const target = selectors(firewall).join("; ");
  const rules = inboundRules(firewall);
  if (!rules.length) return [l(`${firewall.name} → ${target}: no inbound rules`, `${firewall.name} → ${target}: keine eingehenden Regeln`)];
  for (const rule of rules) {
    const bySource = new Map<string, string[]>();
    const undeclared: string[] = [];
    const labels = new Map<string, DeclaredRule>();
    for (const source of rule.sourceIps ?? []) {
      const declaredBy = declaringRules(spec, firewall, rule, source);
      if (!declaredBy.length) undeclared.push(source);
      for (const d of declaredBy) {
        const id = `${d.description}|${d.keys.join(",")}`;
        labels.set(id, d);
        bySource.set(id, [...(bySource.get(id) ?? []), source]);
      }
    }
    for (const [id, sources] of bySource) {
      const d = labels.get(id)!;
      const head = (description: string) => `${firewall.name} → ${target}: ${portOf(rule)} "${description}" (${d.keys.join(", ")})`;
      lines.push(l(`${head(d.description)} from ${sources.join(", ")}`, `${head(BUILT_IN_RULES_DE[d.description] ?? d.description)} aus ${sources.join(", ")}`));
    }
    if (undeclared.length) {
      const head = `${firewall.name} → ${target}: ${portOf(rule)}`;
      lines.push(l(`${head} from ${undeclared.join(", ")}: declared by no key of the stack file`, `${head} aus ${undeclared.join(", ")}: von keinem Schlüssel der Stack-Datei deklariert`));
    }
  }
  return lines;
}

export const firewall: ChecklistRule = {
  id: "SEC-1",
  title: { en: "Firewall", de: "Firewall" },
  level: "mandatory",
  fix: {
    en: "Keep a Hetzner Cloud Firewall per role and host nftables; open SSH only to shop:adminCidrs/deployerCidrs, name the roles of each shop:firewall.extraRules entry, and never open 22/3306/6379 to the world without a waiver.",
    de: "Pro Rolle eine Hetzner-Cloud-Firewall plus nftables auf dem Host; SSH nur für shop:adminCidrs/deployerCidrs öffnen, bei jeder Regel in shop:firewall.extraRules die Rollen (`roles`) angeben und 22/3306/6379 nie ohne Ausnahmegrund (`waiver`) weltweit freigeben.",
  },
  resource: {
    types: [T.firewall],
    check(r, ctx) {
      const problems: Problem[] = [];
      // Rules are merged per port, so sources are judged one by one against what declared them for this role.
      for (const rule of inboundRules(r)) {
        const protocol = rule.protocol ?? "tcp";
        const opened = sensitivePorts.filter((p) => portCovers(rule.port, protocol, p));
        if (!opened.length) continue;
        for (const source of rule.sourceIps ?? []) {
          const declaredBy = declaringRules(ctx.spec, r, rule, source);
          const what = `${r.name}: ${protocol}/${rule.port ?? "any"} (${opened.join(", ")})`;
          if (isWorldOpen(source)) {
            const waiver = ctx.spec.waivers.find((w) => w.checkId === "SEC-1" && declaredBy.some((d) => d.keys.includes(w.key)));
            problems.push({ message: l(`${what} is open to the world (${source})`, `${what} ist weltweit offen (${source})`), waiver });
          } else if (!declaredBy.length)
            problems.push({
              message: l(
                `${what} is open to ${source}, outside adminCidrs/deployerCidrs and the shop:firewall.extraRules for role ${roleOf(r) ?? "?"}`,
                `${what} ist für ${source} offen, außerhalb von adminCidrs/deployerCidrs und den shop:firewall.extraRules für die Rolle ${roleOf(r) ?? "?"}`,
              ),
            });
        }
      }
      return problems;
    },
  },
  stack(ctx) {
    const firewalls = ofType(ctx, T.firewall);
    const problems: Problem[] = [];
    // Every role label the servers carry needs a firewall (profile small has only role=app).
    const roles = new Set(ofType(ctx, T.server).map((s) => labelsOf(s).role ?? "unlabelled"));
    for (const role of roles)
      if (!firewalls.some((f) => selectors(f).some((s) => s.split(",").includes(`role=${role}`))))
        problems.push({
          message: l(
            `no Hetzner Cloud Firewall applies to the ${role} servers (labelSelector role=${role})`,
            `keine Hetzner-Cloud-Firewall gilt für die ${role}-Server (labelSelector role=${role})`,
          ),
        });
    const evidence = firewalls.flatMap((f) => firewallEvidence(ctx.spec, f));
    return merge({ evidence, problems }, delivered(ctx, ctx.spec.nodes, l("host nftables", "Host-nftables"), /nftables/));
  },
};

/** App nodes take HTTP only from the LB's private IP (D5): a public web port bypasses Cloudflare and the LB. */
const WEB_PORTS = [80, 443];

export const accessRights: ChecklistRule = {
  id: "SEC-2",
  title: { en: "Access rights", de: "Zugriffsberechtigungen" },
  level: "mandatory",
  fix: {
    en: "Give users the least role they need (admin/deploy/readonly), keep shop:dns.cloudflareOnly on while proxied, no public web ports on the servers, and a WAF rule when shop:access.adminAllowlist is set.",
    de: "Benutzern nur die nötige Rolle geben (admin/deploy/readonly), shop:dns.cloudflareOnly bei Proxy-Betrieb anlassen, keine öffentlichen Web-Ports auf den Servern, WAF-Regel bei gesetzter shop:access.adminAllowlist.",
  },
  resource: {
    types: [T.firewall],
    check(r) {
      return inboundRules(r)
        .filter((rule) => WEB_PORTS.some((p) => portCovers(rule.port, rule.protocol ?? "tcp", p)) && (rule.sourceIps ?? []).some(isWorldOpen))
        .map((rule) => ({
          message: l(
            `${r.name}: ${rule.protocol}/${rule.port ?? "any"} is open to the world; the origin must only be reached through the LB`,
            `${r.name}: ${rule.protocol}/${rule.port ?? "any"} ist weltweit offen; der Ursprung darf nur über den LB erreichbar sein`,
          ),
        }));
    },
  },
  stack(ctx) {
    const { spec } = ctx;
    const problems: Problem[] = [];
    const roles = spec.roles.map((role) => `${role} ${spec.users.filter((u) => u.role === role).map((u) => u.name).join(", ") || "—"}`).join("; ");
    const lb = spec.network.lbPrivateIp;
    const evidence = [
      l(`roles: ${roles}`, `Rollen: ${roles}`),
      l(
        `origin lock-down: DNS ${spec.dns.proxied ? "proxied" : "not proxied"}, nginx Cloudflare-only ${spec.dns.cloudflareOnly ? "on" : "off"}, app HTTP only from LB ${lb}`,
        `Ursprungsschutz: DNS ${spec.dns.proxied ? "über den Cloudflare-Proxy" : "ohne Proxy"}, nginx nur für Cloudflare ${spec.dns.cloudflareOnly ? "an" : "aus"}, App-HTTP nur vom LB ${lb}`,
      ),
    ];
    if (spec.dns.proxied && !spec.dns.cloudflareOnly)
      problems.push({
        message: l(
          "traffic is proxied but shop:dns.cloudflareOnly is off: the origin accepts requests that bypass Cloudflare",
          "der Verkehr läuft über den Proxy, aber shop:dns.cloudflareOnly ist aus: der Ursprung nimmt Anfragen an Cloudflare vorbei an",
        ),
      });
    const wafRules = ofType(ctx, T.ruleset).filter((r) => r.inputs.phase === "http_request_firewall_custom");
    if (spec.access.adminAllowlist.length) {
      const allow = spec.access.adminAllowlist.join(", ");
      const names = wafRules.map((r) => r.name);
      evidence.push(l(`/admin allow-list: ${allow} via ${list(names, "en")}`, `/admin-Freigabeliste: ${allow} über ${list(names, "de")}`));
      for (const d of spec.domains)
        if (!wafRules.some((r) => r.inputs.zoneId === d.zoneId))
          problems.push({
            message: l(
              `zone ${d.zone}: no Cloudflare WAF ruleset (http_request_firewall_custom) enforces shop:access.adminAllowlist`,
              `Zone ${d.zone}: kein Cloudflare-WAF-Regelwerk (http_request_firewall_custom) setzt shop:access.adminAllowlist durch`,
            ),
          });
    } else
      evidence.push(
        l("/admin allow-list: none declared (shop:access.adminAllowlist is empty)", "/admin-Freigabeliste: keine eingetragen (shop:access.adminAllowlist ist leer)"),
      );
    return merge({ evidence, problems }, delivered(ctx, spec.nodes, l("sudo rules per role", "sudo-Regeln pro Rolle"), /sudoers/));
  },
};

export const userManagement: ChecklistRule = {
  id: "SEC-3",
  title: { en: "User management", de: "Benutzerverwaltung" },
  level: "mandatory",
  fix: {
    en: "Declare every person in shop:users with their own key (no shared keys), an admin for production, and an expires date for temporary access; remove a user to offboard.",
    de: "Jede Person in shop:users mit eigenem Schlüssel eintragen (keine geteilten Schlüssel), in Produktion einen Admin, für befristete Zugänge ein expires-Datum; zum Offboarding den Benutzer entfernen.",
  },
  stack(ctx) {
    const { spec } = ctx;
    const problems: Problem[] = [];
    const owners = new Map<string, string>();
    for (const u of spec.users)
      for (const key of u.sshKeys) {
        const body = key.split(" ").slice(0, 2).join(" ");
        const other = owners.get(body);
        if (other && other !== u.name)
          problems.push({ message: l(`users ${other} and ${u.name} share an SSH key (a shared account)`, `die Benutzer ${other} und ${u.name} teilen einen SSH-Schlüssel (ein geteiltes Konto)`) });
        owners.set(body, u.name);
      }
    if (spec.production && !spec.users.some((u) => u.role === "admin"))
      problems.push({ message: l("no admin user declared for production", "kein Admin-Benutzer für die Produktion eingetragen") });
    // Offboarding works only if each host's users file lists exactly the declared users.
    const declared = spec.users.map((u) => u.name).sort();
    for (const node of spec.nodes) {
      const file = bundleFiles(ctx, node.name, /./).find((f) => f.path === USERS_CONFIG_PATH);
      if (!file) {
        problems.push({ message: l(`${node.name}: no ${USERS_CONFIG_PATH} in the bundle`, `${node.name}: ${USERS_CONFIG_PATH} fehlt im Bundle`) });
        continue;
      }
      const onHost = ((JSON.parse(file.content) as { users?: { name: string }[] }).users ?? []).map((u) => u.name).sort();
      if (onHost.join(",") !== declared.join(","))
        problems.push({
          message: l(
            `${node.name}: ${USERS_CONFIG_PATH} lists ${onHost.join(", ") || "nobody"}, the stack declares ${declared.join(", ") || "nobody"}`,
            `${node.name}: ${USERS_CONFIG_PATH} führt ${onHost.join(", ") || "niemanden"}, der Stack deklariert ${declared.join(", ") || "niemanden"}`,
          ),
        });
    }
    return {
      evidence: spec.users.map((u) => {
        const note = u.comment ? ` (${u.comment})` : "";
        return l(
          `${u.name}: ${u.role}, ${u.sshKeys.length} key(s), ${u.expires ? `expires ${u.expires}` : "no expiry"}${note}`,
          `${u.name}: ${u.role}, ${u.sshKeys.length} Schlüssel, ${u.expires ? `gültig bis ${u.expires}` : "unbefristet"}${note}`,
        );
      }),
      problems,
    };
  },
};

