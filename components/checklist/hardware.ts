import { HEALTH_CHECK_PATH } from "../config";
import { appNodes, dbReplicas } from "../config";
import { storageQuota } from "./cost";
import { delivered, merge } from "./hostChecks";
import { labelsOf, ofType, str, T } from "./resources";
import type { ChecklistRule, Judgement, Problem } from "./types";

/** The on-host health checker (shop-health) and its timer, as the monitoring renderer ships them. */
const HEALTH_FILES = /shop-health/;

export const mirroredServers: ChecklistRule = {
  id: "HW-1",
  title: { en: "Mirrored servers", de: "Gespiegelte Serversysteme" },
  level: "mandatory",
  fix: {
    en: "Run at least 2 app nodes (shop:appNodes or profile standard/large) in a spread placement group, with a DB primary and a replica.",
    de: "Mindestens 2 App-Knoten (shop:appNodes oder Profil standard/large) in einer Spread-Placement-Group betreiben, dazu DB-Primary und Replica.",
  },
  stack(ctx) {
    const servers = ofType(ctx, T.server);
    const apps = servers.filter((s) => labelsOf(s).role === "app");
    const primaries = servers.filter((s) => labelsOf(s)["db-role"] === "primary");
    const replicas = servers.filter((s) => labelsOf(s)["db-role"] === "replica");
    const spread = ofType(ctx, T.placementGroup).filter((g) => g.inputs.type === "spread");
    const problems: Problem[] = [];
    if (apps.length < 2) problems.push({ message: `${apps.length} app server(s) declared; at least 2 are needed` });
    const ungrouped = apps.filter((s) => s.inputs.placementGroupId === undefined);
    if (ungrouped.length) problems.push({ message: `app servers outside a placement group: ${ungrouped.map((s) => s.name).join(", ")}` });
    if (!spread.some((g) => labelsOf(g).role === "app")) problems.push({ message: "no spread placement group for the app servers" });
    if (primaries.length !== 1) problems.push({ message: `${primaries.length} DB primary server(s); exactly 1 is needed` });
    if (replicas.length < 1) problems.push({ message: "no DB replica server" });
    return {
      evidence: [
        `app servers: ${apps.map((s) => `${s.name} (${str(s.inputs.serverType)}, ${str(s.inputs.location)})`).join(", ") || "none"}`,
        `DB primary: ${primaries.map((s) => s.name).join(", ") || "none"}; replica(s): ${replicas.map((s) => s.name).join(", ") || "none"}`,
        `spread placement groups: ${spread.map((g) => g.name).join(", ") || "none"}`,
      ],
      problems,
    };
  },
};

export const loadBalancer: ChecklistRule = {
  id: "HW-2",
  title: { en: "Load balancer", de: "Loadbalancer" },
  level: "mandatory",
  fix: {
    en: `Keep the Hetzner LB with private-IP label-selector targets and an HTTP health check on ${HEALTH_CHECK_PATH} (shop:loadBalancer).`,
    de: `Hetzner-Loadbalancer mit privaten Label-Selector-Zielen und HTTP-Health-Check auf ${HEALTH_CHECK_PATH} beibehalten (shop:loadBalancer).`,
  },
  resource: {
    types: [T.lbService, T.lbTarget],
    check(r) {
      if (r.type === T.lbTarget)
        return r.inputs.usePrivateIp === true ? [] : [{ message: `${r.name}: target does not use the private IP (usePrivateIp is not true)` }];
      const hc = r.inputs.healthCheck as { protocol?: string; http?: { path?: string } } | undefined;
      if (!hc) return [{ message: `${r.name}: no explicit health check (the API default is a TCP check that passes on a hung backend)` }];
      if (hc.protocol !== "http" || hc.http?.path !== HEALTH_CHECK_PATH)
        return [{ message: `${r.name}: health check is ${hc.protocol ?? "?"} ${hc.http?.path ?? ""}; needs http ${HEALTH_CHECK_PATH}` }];
      return [];
    },
  },
  stack(ctx) {
    const lbs = ofType(ctx, T.loadBalancer);
    const services = ofType(ctx, T.lbService);
    const targets = ofType(ctx, T.lbTarget);
    const problems: Problem[] = [];
    if (!lbs.length) problems.push({ message: "no hcloud LoadBalancer declared" });
    if (!services.length) problems.push({ message: "the load balancer has no service" });
    if (!targets.length) problems.push({ message: "the load balancer has no targets" });
    if (!ofType(ctx, T.lbNetwork).length) problems.push({ message: "the load balancer is not attached to the private network" });
    return {
      evidence: [
        ...lbs.map((lb) => `${lb.name}: ${str(lb.inputs.loadBalancerType)} in ${str(lb.inputs.location)}, algorithm ${str((lb.inputs.algorithm as { type?: string } | undefined)?.type)}`),
        ...services.map((s) => {
          const hc = s.inputs.healthCheck as { protocol?: string; interval?: number; retries?: number; timeout?: number; http?: { path?: string } } | undefined;
          return `${s.name}: ${str(s.inputs.protocol)} ${str(s.inputs.listenPort)}→${str(s.inputs.destinationPort)}, health check ${hc?.protocol ?? "none"} ${hc?.http?.path ?? ""} every ${hc?.interval ?? "?"} s × ${hc?.retries ?? "?"}`;
        }),
        ...targets.map((t) => `${t.name}: ${str(t.inputs.type)} ${str(t.inputs.labelSelector ?? "")}, usePrivateIp=${str(t.inputs.usePrivateIp)}`),
        `failover after ≈${ctx.spec.loadBalancer.failoverSeconds} s`,
      ],
      problems,
    };
  },
};

function webhookJudgement(ctx: Parameters<ChecklistRule["stack"]>[0]): Judgement {
  const hooks = ctx.spec.monitoring.webhooks;
  if (hooks.length) return { evidence: [`alert webhooks: ${hooks.map((h) => `${h.name} (${h.type})`).join(", ")}`], problems: [] };
  const waiver = ctx.spec.waivers.find((w) => w.checkId === "HW-3");
  return { evidence: [], problems: [{ message: "no alert webhook is configured (shop:monitoring.webhooks is empty)", waiver }] };
}

export const shopMonitoring: ChecklistRule = {
  id: "HW-3",
  title: { en: "Shop monitoring", de: "Shop-Monitoring" },
  level: "mandatory",
  fix: {
    en: "Add at least one alert webhook (shop:monitoring.webhooks) and keep shop-health on every host; for multi-region checks set shop:monitoring.cloudflareHealthchecks.",
    de: "Mindestens einen Alarm-Webhook eintragen (shop:monitoring.webhooks) und shop-health auf jedem Host behalten; für Multi-Region-Checks shop:monitoring.cloudflareHealthchecks setzen.",
  },
  stack(ctx) {
    const external: Judgement = { evidence: [], problems: [] };
    const checks = ofType(ctx, T.healthcheck);
    const policies = ofType(ctx, T.notificationPolicy).filter((p) => p.inputs.alertType === "health_check_status_notification");
    if (ctx.spec.monitoring.cloudflareHealthchecks) {
      if (!checks.length) external.problems.push({ message: "monitoring.cloudflareHealthchecks is on but no Cloudflare Healthcheck is declared" });
      if (!policies.length) external.problems.push({ message: "no Cloudflare NotificationPolicy (health_check_status_notification) sends health-check alerts" });
      external.evidence.push(
        ...checks.map((c) => `${c.name}: ${str(c.inputs.address)} ${str((c.inputs.httpConfig as { path?: string } | undefined)?.path ?? "")} from ${str(c.inputs.checkRegions ?? "default regions")}`),
        ...policies.map((p) => `${p.name}: alerts ${str(p.inputs.alertType)}`),
      );
    } else external.evidence.push("external multi-region checks: off (shop:monitoring.cloudflareHealthchecks is false; needs a paid Cloudflare plan)");
    return merge(webhookJudgement(ctx), delivered(ctx, ctx.spec.nodes, "shop-health", HEALTH_FILES), external);
  },
};

export const serverLoad: ChecklistRule = {
  id: "HW-4",
  title: { en: "Server load, short/mid/long term", de: "Serverlast kurz-, mittel-, langfristig" },
  level: "mandatory",
  fix: {
    en: "Keep shop-health on every host and tune shop:monitoring.thresholds.load1PerCore/load5PerCore/load15PerCore (short ≥ mid ≥ long).",
    de: "shop-health auf jedem Host behalten und shop:monitoring.thresholds.load1PerCore/load5PerCore/load15PerCore anpassen (kurz ≥ mittel ≥ lang).",
  },
  stack(ctx) {
    const t = ctx.spec.monitoring.thresholds;
    const problems: Problem[] = [];
    if (!(t.load1PerCore >= t.load5PerCore && t.load5PerCore >= t.load15PerCore))
      problems.push({ message: `load thresholds per core ${t.load1PerCore}/${t.load5PerCore}/${t.load15PerCore} should fall from short to long term` });
    const perHost = ctx.spec.nodes.map(
      (n) => `${n.name}: ${n.facts.cores} cores → alert at load ${t.load1PerCore * n.facts.cores}/${t.load5PerCore * n.facts.cores}/${t.load15PerCore * n.facts.cores} (1/5/15 min)`,
    );
    return merge({ evidence: perHost, problems }, webhookJudgement(ctx), delivered(ctx, ctx.spec.nodes, "load check", HEALTH_FILES));
  },
};

export const diskSpace: ChecklistRule = {
  id: "HW-5",
  title: { en: "Disk space and usage", de: "Speicherplatz, Auslastung" },
  level: "mandatory",
  fix: {
    en: "Keep shop-health on every host; set shop:monitoring.thresholds.diskWarnPercent < diskCritPercent, and a Storage Box (shop:backup.storageBoxType) larger than the expected backup volume.",
    de: "shop-health auf jedem Host behalten; shop:monitoring.thresholds.diskWarnPercent < diskCritPercent setzen und eine Storage Box (shop:backup.storageBoxType) größer als das erwartete Backup-Volumen wählen.",
  },
  stack(ctx) {
    const t = ctx.spec.monitoring.thresholds;
    const evidence = [
      `disk warn ${t.diskWarnPercent}% / critical ${t.diskCritPercent}%, inodes ${t.inodePercent}%, memory ${t.memoryPercent}%`,
      `replication lag alert after ${t.replicationLagSeconds} s on ${dbReplicas(ctx.spec).map((n) => n.name).join(", ") || "no replica"}`,
    ];
    const problems: Problem[] = [];
    if (t.diskWarnPercent >= t.diskCritPercent) problems.push({ message: `diskWarnPercent ${t.diskWarnPercent} is not below diskCritPercent ${t.diskCritPercent}` });
    if (!appNodes(ctx.spec).length) problems.push({ message: "no app node to watch" });
    const quota = storageQuota(ctx);
    if (quota.capacityGb === undefined) problems.push({ message: `no Storage Box is declared for an expected backup volume of ≈${quota.expectedGb} GB` });
    else {
      evidence.push(`${quota.box}: ${quota.storageBoxType} holds ${quota.capacityGb} GB; expected backup volume ≈${quota.expectedGb} GB (${quota.retainedSnapshots} retained snapshots)`);
      if (quota.expectedGb > quota.capacityGb)
        problems.push({ message: `expected backup volume ≈${quota.expectedGb} GB exceeds ${quota.storageBoxType} (${quota.capacityGb} GB)` });
    }
    return merge({ evidence, problems }, delivered(ctx, ctx.spec.nodes, "disk/memory check", HEALTH_FILES));
  },
};
