import { FirewallRuleConfig, isWorldOpen, portCovers, sensitivePorts, ShopSpec } from "../config";
import { USERS_CONFIG_PATH } from "../hostconfig/users";
import { delivered, merge } from "./hostChecks";
import { bundleFiles, labelsOf, ofType, str, T } from "./resources";
import type { ChecklistRule, DeclaredResource, Problem } from "./types";

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

/** Declared extra rules (with their index) that open this protocol/port to this source. */
function declaringRules(spec: ShopSpec, rule: FirewallRuleInput, source: string): { config: FirewallRuleConfig; index: number }[] {
  return spec.firewall.extraRules
    .map((config, index) => ({ config, index }))
    .filter(({ config: x }) => x.protocol === (rule.protocol ?? "tcp") && (x.port ?? "any") === (rule.port ?? "any") && x.sourceIps.includes(source));
}

function selectors(firewall: DeclaredResource): string[] {
  return ((firewall.inputs.applyTos as { labelSelector?: string; server?: unknown }[] | undefined) ?? []).map((a) => a.labelSelector ?? `server ${str(a.server)}`);
}

export const firewall: ChecklistRule = {
  id: "SEC-1",
  title: { en: "Firewall", de: "Firewall" },
  level: "mandatory",
  fix: {
    en: "Keep a Hetzner Cloud Firewall per role and host nftables; open SSH only to shop:adminCidrs/deployerCidrs and never open 22/3306/6379 to the world without a waiver in shop:firewall.extraRules.",
    de: "Pro Rolle eine Hetzner-Cloud-Firewall plus nftables auf dem Host; SSH nur für shop:adminCidrs/deployerCidrs öffnen und 22/3306/6379 nie ohne Ausnahmegrund (waiver in shop:firewall.extraRules) weltweit freigeben.",
  },
  resource: {
    types: [T.firewall],
    check(r, ctx) {
      const problems: Problem[] = [];
      // Rules are merged per port, so sources are judged one by one against what declared them.
      for (const rule of inboundRules(r)) {
        const protocol = rule.protocol ?? "tcp";
        const opened = sensitivePorts.filter((p) => portCovers(rule.port, protocol, p));
        if (!opened.length) continue;
        for (const source of rule.sourceIps ?? []) {
          const declaredBy = declaringRules(ctx.spec, rule, source);
          if (isWorldOpen(source)) {
            const waiver = ctx.spec.waivers.find((w) => w.checkId === "SEC-1" && declaredBy.some((d) => w.key === `shop:firewall.extraRules[${d.index}]`));
            problems.push({ message: `${r.name}: ${protocol}/${rule.port ?? "any"} (${opened.join(", ")}) is open to the world (${source})`, waiver });
          } else if (!declaredBy.length && !(opened.every((p) => p === 22) && ctx.spec.sshCidrs.includes(source)))
            problems.push({ message: `${r.name}: ${protocol}/${rule.port ?? "any"} (${opened.join(", ")}) is open to ${source}, outside adminCidrs/deployerCidrs and shop:firewall.extraRules` });
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
        problems.push({ message: `no Hetzner Cloud Firewall applies to the ${role} servers (labelSelector role=${role})` });
    const evidence = firewalls.map(
      (f) =>
        `${f.name} → ${selectors(f).join("; ") || "nothing"}: ${inboundRules(f).map((r) => `${r.protocol ?? "?"}/${r.port ?? "any"} from ${(r.sourceIps ?? []).join(" ")}`).join(", ") || "no inbound rules"}`,
    );
    return merge({ evidence, problems }, delivered(ctx, ctx.spec.nodes, "host nftables", /nftables/));
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
        .map((rule) => ({ message: `${r.name}: ${rule.protocol}/${rule.port ?? "any"} is open to the world; the origin must only be reached through the LB` }));
    },
  },
  stack(ctx) {
    const { spec } = ctx;
    const problems: Problem[] = [];
    const evidence = [
      `roles: ${spec.roles.map((role) => `${role} ${spec.users.filter((u) => u.role === role).map((u) => u.name).join(", ") || "—"}`).join("; ")}`,
      `origin lock-down: DNS ${spec.dns.proxied ? "proxied" : "not proxied"}, nginx Cloudflare-only ${spec.dns.cloudflareOnly ? "on" : "off"}, app HTTP only from LB ${spec.network.lbPrivateIp}`,
    ];
    if (spec.dns.proxied && !spec.dns.cloudflareOnly) problems.push({ message: "traffic is proxied but shop:dns.cloudflareOnly is off: the origin accepts requests that bypass Cloudflare" });
    const wafRules = ofType(ctx, T.ruleset).filter((r) => r.inputs.phase === "http_request_firewall_custom");
    if (spec.access.adminAllowlist.length) {
      evidence.push(`/admin allow-list: ${spec.access.adminAllowlist.join(", ")} via ${wafRules.map((r) => r.name).join(", ") || "nothing"}`);
      for (const d of spec.domains)
        if (!wafRules.some((r) => r.inputs.zoneId === d.zoneId))
          problems.push({ message: `zone ${d.zone}: no Cloudflare WAF ruleset (http_request_firewall_custom) enforces shop:access.adminAllowlist` });
    } else evidence.push("/admin allow-list: none declared (shop:access.adminAllowlist is empty)");
    return merge({ evidence, problems }, delivered(ctx, spec.nodes, "sudo rules per role", /sudoers/));
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
        if (other && other !== u.name) problems.push({ message: `users ${other} and ${u.name} share an SSH key (a shared account)` });
        owners.set(body, u.name);
      }
    if (spec.production && !spec.users.some((u) => u.role === "admin")) problems.push({ message: "no admin user declared for production" });
    // Offboarding works only if each host's users file lists exactly the declared users.
    const declared = spec.users.map((u) => u.name).sort();
    for (const node of spec.nodes) {
      const file = bundleFiles(ctx, node.name, /./).find((f) => f.path === USERS_CONFIG_PATH);
      if (!file) {
        problems.push({ message: `${node.name}: no ${USERS_CONFIG_PATH} in the bundle` });
        continue;
      }
      const onHost = ((JSON.parse(file.content) as { users?: { name: string }[] }).users ?? []).map((u) => u.name).sort();
      if (onHost.join(",") !== declared.join(","))
        problems.push({ message: `${node.name}: ${USERS_CONFIG_PATH} lists ${onHost.join(", ") || "nobody"}, the stack declares ${declared.join(", ") || "nobody"}` });
    }
    return {
      evidence: spec.users.map((u) => `${u.name}: ${u.role}, ${u.sshKeys.length} key(s), ${u.expires ? `expires ${u.expires}` : "no expiry"}${u.comment ? ` (${u.comment})` : ""}`),
      problems,
    };
  },
};

