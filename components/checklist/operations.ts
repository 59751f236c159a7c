import { dbPrimary, dbReplicas, serverTypes } from "../config";
import { delivered, merge } from "./hostChecks";
import { ofType, serverOf, str, T } from "./resources";
import type { ChecklistRule, Problem } from "./types";

export const backups: ChecklistRule = {
  id: "OPS-1",
  title: { en: "Backups: scheduled, fresh, restorable", de: "Datensicherung: geplant, aktuell, wiederherstellbar" },
  level: "mandatory",
  fix: {
    en: "Keep shop:serverBackups true, a protected Storage Box with a snapshot plan and a subaccount per host, and the backup timers plus shop-restore on the DB hosts.",
    de: "shop:serverBackups auf true lassen, eine geschützte Storage Box mit Snapshot-Plan und einem Subaccount pro Host, Backup-Timer und shop-restore auf den DB-Hosts.",
  },
  resource: {
    types: [T.server, T.storageBox],
    check(r) {
      if (r.type === T.server) return r.inputs.backups === true ? [] : [{ message: `${r.name}: Hetzner server backups are off (backups: ${str(r.inputs.backups)})` }];
      const problems: Problem[] = [];
      if (r.inputs.deleteProtection !== true) problems.push({ message: `${r.name}: Storage Box without delete protection` });
      if (!r.inputs.snapshotPlan) problems.push({ message: `${r.name}: Storage Box without a snapshot plan` });
      return problems;
    },
  },
  stack(ctx) {
    const { spec } = ctx;
    const problems: Problem[] = [];
    const boxes = ofType(ctx, T.storageBox);
    const subaccounts = ofType(ctx, T.storageBoxSubaccount);
    if (!boxes.length) problems.push({ message: "no Storage Box (hcloud StorageBox) is declared for off-host backups" });
    if (subaccounts.length < spec.nodes.length) problems.push({ message: `${subaccounts.length} Storage Box subaccount(s) for ${spec.nodes.length} hosts; each host needs its own` });
    const r = spec.backup.retention;
    const evidence = [
      `server backups: ${ofType(ctx, T.server).map((s) => `${s.name}=${str(s.inputs.backups)}`).join(", ")}`,
      ...boxes.map((b) => `${b.name}: ${str(b.inputs.storageBoxType)} in ${str(b.inputs.location)}, deleteProtection=${str(b.inputs.deleteProtection)}`),
      `subaccounts: ${subaccounts.map((s) => s.name).join(", ") || "none"}`,
      `schedules: DB ${spec.backup.dbSchedule}, files ${spec.backup.filesSchedule}, media ${spec.backup.mediaMirror ? spec.backup.mediaSchedule : "off"}, check ${spec.backup.checkSchedule} (${spec.backup.checkReadDataSubset})`,
      `retention: ${r.hourly} hourly, ${r.daily} daily, ${r.weekly} weekly, ${r.monthly} monthly; heartbeat ${spec.backup.heartbeatUrl ? "set" : "not set"}`,
    ];
    const dumpHosts = dbReplicas(spec).length ? dbReplicas(spec) : [dbPrimary(spec)];
    return merge(
      { evidence, problems },
      delivered(ctx, spec.nodes, "backup timers", /backup.*\.timer$/),
      delivered(ctx, dumpHosts, "restore command", /shop-restore/),
    );
  },
};

export const runbook: ChecklistRule = {
  id: "OPS-2",
  title: { en: "Contacts and server data findable", de: "Kontakt- und Serverdaten auffindbar" },
  level: "mandatory",
  fix: {
    en: "Fill shop:contacts (owner, onCall, agency, hoster with phone and email); the runbook (out/<stack>/runbook.md and the stack output runbook) is generated from it.",
    de: "shop:contacts ausfüllen (owner, onCall, agency, hoster mit Telefon und E-Mail); daraus entsteht das Betriebshandbuch (out/<stack>/runbook.md und der Stack-Output runbook).",
  },
  stack(ctx) {
    const { spec } = ctx;
    const problems: Problem[] = [];
    const c = spec.contacts;
    const evidence = (["owner", "onCall", "agency", "hoster"] as const).map((role) => {
      const who = c[role];
      return who ? `${role}: ${who.name}, ${who.phone}, ${who.email}` : `${role}: not declared`;
    });
    for (const node of spec.nodes) if (!serverOf(ctx, node.name)) problems.push({ message: `host ${node.name} has no server resource, so the runbook cannot list it` });
    evidence.push(`hosts in the runbook: ${spec.nodes.map((n) => n.name).join(", ")}`);
    return { evidence, problems };
  },
};

export const dedicatedServers: ChecklistRule = {
  id: "OPS-3",
  title: { en: "Real dedicated servers", de: "Echte dedizierte Server" },
  level: "mandatory",
  fix: {
    en: "Use dedicated-vCPU ccx* types in production (shop:serverTypes.app/db); check the hosts after a deploy (uname -a, php -v, top, df -h).",
    de: "In Produktion dedizierte vCPU-Typen ccx* verwenden (shop:serverTypes.app/db); nach dem Deploy die Hosts prüfen (uname -a, php -v, top, df -h).",
  },
  resource: {
    types: [T.server],
    check(r, ctx) {
      const type = str(r.inputs.serverType);
      const facts = serverTypes[type];
      if (!facts) return [{ message: `${r.name}: unknown server type ${type}` }];
      return ctx.spec.production && !facts.dedicated ? [{ message: `${r.name}: ${type} is shared vCPU in production` }] : [];
    },
  },
  stack(ctx) {
    return {
      evidence: [
        `environment: ${ctx.spec.environment}`,
        ...ofType(ctx, T.server).map((s) => {
          const facts = serverTypes[str(s.inputs.serverType)];
          return `${s.name}: ${str(s.inputs.serverType)} (${facts ? `${facts.cores} ${facts.dedicated ? "dedicated" : "shared"} vCPU, ${facts.memoryGb} GB` : "unknown"})`;
        }),
      ],
      problems: [],
    };
  },
};

export const cutover: ChecklistRule = {
  id: "OPS-4",
  title: { en: "Migration cutover with rollback", de: "Migration: Umschaltung mit Rückfallweg" },
  level: "mandatory",
  fix: {
    en: "Keep shop:dns.proxied true (ttl automatic) so a flip of shop:dns.target between the old host and lb takes seconds, and strict TLS on every zone.",
    de: "shop:dns.proxied auf true lassen (TTL automatisch), damit ein Umstellen von shop:dns.target zwischen Altsystem und lb Sekunden dauert; strenges TLS in jeder Zone.",
  },
  resource: {
    types: [T.dnsRecord],
    check(r) {
      const problems: Problem[] = [];
      if (r.inputs.proxied !== true) problems.push({ message: `${r.name}: DNS record is not proxied through Cloudflare` });
      else if (r.inputs.ttl !== 1) problems.push({ message: `${r.name}: proxied record with ttl ${str(r.inputs.ttl)} (must be 1 = automatic)` });
      return problems;
    },
  },
  stack(ctx) {
    const { spec } = ctx;
    const problems: Problem[] = [];
    const records = ofType(ctx, T.dnsRecord);
    for (const host of spec.hostnames) if (!records.some((r) => r.inputs.name === host)) problems.push({ message: `no DNS record for ${host}` });
    const strict = ofType(ctx, T.zoneSetting).filter((z) => z.inputs.settingId === "ssl" && z.inputs.value === "strict");
    // Zone settings follow the cutover (cloud/dns.ts): before it the old origin keeps the zone's own mode.
    if (spec.dns.target === "lb")
      for (const d of spec.domains) if (!strict.some((z) => z.inputs.zoneId === d.zoneId)) problems.push({ message: `zone ${d.zone}: SSL mode is not Full (strict)` });
    const target = spec.dns.target === "lb" ? "the load balancer (cut over)" : `the old host ${spec.dns.target} (cutover pending: set shop:dns.target to lb)`;
    return {
      evidence: [
        `records: ${records.map((r) => `${str(r.inputs.name)} ${str(r.inputs.type)}→${str(r.inputs.content)} proxied=${str(r.inputs.proxied)} ttl=${str(r.inputs.ttl)}`).join(", ")}`,
        `traffic goes to ${target}; rollback: set shop:dns.target back and run pulumi up`,
      ],
      problems,
    };
  },
};
