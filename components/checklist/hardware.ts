import { HEALTH_CHECK_PATH } from "../config";
import { appNodes, CHECKLY_FREE_RUNS_PER_MONTH, checklyRunsPerMonth, dbReplicas } from "../config";
import { storageQuota } from "./cost";
import { delivered, merge } from "./hostChecks";
import { bundleFiles, labelsOf, ofType, str, T } from "./resources";
import { l, list, num } from "./text";
import type { ChecklistRule, Judgement, Localized, Problem } from "./types";

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
    if (apps.length < 2) problems.push({ message: l(`${apps.length} app server(s) declared; at least 2 are needed`, `${apps.length} App-Server deklariert; mindestens 2 sind nötig`) });
    const ungrouped = apps.filter((s) => s.inputs.placementGroupId === undefined).map((s) => s.name);
    if (ungrouped.length)
      problems.push({ message: l(`app servers outside a placement group: ${ungrouped.join(", ")}`, `App-Server ohne Placement Group: ${ungrouped.join(", ")}`) });
    if (!spread.some((g) => labelsOf(g).role === "app"))
      problems.push({ message: l("no spread placement group for the app servers", "keine Spread-Placement-Group für die App-Server") });
    if (primaries.length !== 1)
      problems.push({ message: l(`${primaries.length} DB primary server(s); exactly 1 is needed`, `${primaries.length} DB-Primary-Server; genau 1 ist nötig`) });
    if (replicas.length < 1) problems.push({ message: l("no DB replica server", "kein DB-Replica-Server") });
    const appList = apps.map((s) => `${s.name} (${str(s.inputs.serverType)}, ${str(s.inputs.location)})`);
    const names = (xs: typeof servers) => xs.map((s) => s.name);
    return {
      evidence: [
        l(`app servers: ${list(appList, "en")}`, `App-Server: ${list(appList, "de")}`),
        l(`DB primary: ${list(names(primaries), "en")}; replica(s): ${list(names(replicas), "en")}`, `DB-Primary: ${list(names(primaries), "de")}; Replica(s): ${list(names(replicas), "de")}`),
        l(`spread placement groups: ${list(names(spread), "en")}`, `Spread-Placement-Groups: ${list(names(spread), "de")}`),
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
        return r.inputs.usePrivateIp === true
          ? []
          : [{ message: l(`${r.name}: target does not use the private IP (usePrivateIp is not true)`, `${r.name}: das Ziel nutzt nicht die private IP (usePrivateIp ist nicht true)`) }];
      const hc = r.inputs.healthCheck as { protocol?: string; http?: { path?: string } } | undefined;
      if (!hc)
        return [
          {
            message: l(
              `${r.name}: no explicit health check (the API default is a TCP check that passes on a hung backend)`,
              `${r.name}: kein ausdrücklicher Health-Check (der API-Standard ist ein TCP-Check, der auch bei hängendem Backend besteht)`,
            ),
          },
        ];
      if (hc.protocol !== "http" || hc.http?.path !== HEALTH_CHECK_PATH) {
        const found = `${hc.protocol ?? "?"} ${hc.http?.path ?? ""}`;
        return [{ message: l(`${r.name}: health check is ${found}; needs http ${HEALTH_CHECK_PATH}`, `${r.name}: Health-Check ist ${found}; nötig ist http ${HEALTH_CHECK_PATH}`) }];
      }
      return [];
    },
  },
  stack(ctx) {
    const lbs = ofType(ctx, T.loadBalancer);
    const services = ofType(ctx, T.lbService);
    const targets = ofType(ctx, T.lbTarget);
    const problems: Problem[] = [];
    if (!lbs.length) problems.push({ message: l("no hcloud LoadBalancer declared", "kein hcloud-Loadbalancer deklariert") });
    if (!services.length) problems.push({ message: l("the load balancer has no service", "der Loadbalancer hat keinen Service") });
    if (!targets.length) problems.push({ message: l("the load balancer has no targets", "der Loadbalancer hat keine Ziele") });
    if (!ofType(ctx, T.lbNetwork).length)
      problems.push({ message: l("the load balancer is not attached to the private network", "der Loadbalancer hängt nicht am privaten Netz") });
    const failover = ctx.spec.loadBalancer.failoverSeconds;
    return {
      evidence: [
        ...lbs.map((lb) => {
          const what = `${str(lb.inputs.loadBalancerType)} in ${str(lb.inputs.location)}`;
          const algorithm = str((lb.inputs.algorithm as { type?: string } | undefined)?.type);
          return l(`${lb.name}: ${what}, algorithm ${algorithm}`, `${lb.name}: ${what}, Verfahren ${algorithm}`);
        }),
        ...services.map((s) => {
          const hc = s.inputs.healthCheck as { protocol?: string; interval?: number; retries?: number; timeout?: number; http?: { path?: string } } | undefined;
          const ports = `${s.name}: ${str(s.inputs.protocol)} ${str(s.inputs.listenPort)}→${str(s.inputs.destinationPort)}`;
          const check = `${hc?.protocol ?? "-"} ${hc?.http?.path ?? ""}`;
          return l(
            `${ports}, health check ${check} every ${hc?.interval ?? "?"} s × ${hc?.retries ?? "?"}`,
            `${ports}, Health-Check ${check} alle ${hc?.interval ?? "?"} s × ${hc?.retries ?? "?"}`,
          );
        }),
        ...targets.map((t) => {
          const what = `${t.name}: ${str(t.inputs.type)} ${str(t.inputs.labelSelector ?? "")}, usePrivateIp=${str(t.inputs.usePrivateIp)}`;
          return l(what, what.replace(": label_selector", ": Label-Selector"));
        }),
        l(`failover after ≈${failover} s`, `Umschalten nach ≈${failover} s`),
      ],
      problems,
    };
  },
};

function webhookJudgement(ctx: Parameters<ChecklistRule["stack"]>[0]): Judgement {
  const hooks = ctx.spec.monitoring.webhooks;
  const names = hooks.map((h) => `${h.name} (${h.type})`).join(", ");
  if (hooks.length) return { evidence: [l(`alert webhooks: ${names}`, `Alarm-Webhooks: ${names}`)], problems: [] };
  const waiver = ctx.spec.waivers.find((w) => w.checkId === "HW-3");
  return {
    evidence: [],
    problems: [{ message: l("no alert webhook is configured (shop:monitoring.webhooks is empty)", "kein Alarm-Webhook eingetragen (shop:monitoring.webhooks ist leer)"), waiver }],
  };
}

/** Outside-in probes as the app nodes' rendered health.json declares them (shop-health, every minute). */
function onHostOutsideIn(ctx: Parameters<ChecklistRule["stack"]>[0]): Localized[] {
  const ranked = appNodes(ctx.spec).flatMap((n) => {
    const file = bundleFiles(ctx, n.name, /^\/etc\/shop\/health\.json$/)[0];
    const out = file ? (JSON.parse(file.content) as { outsideIn?: { rank: number; urls: { url: string }[] } | null }).outsideIn : null;
    return out?.urls.length ? [{ name: n.name, ...out }] : [];
  });
  if (!ranked.length) return [];
  const urls = ranked[0].urls.map((u) => u.url).join(", ");
  const order = ranked.map((r) => `${r.rank}. ${r.name}`).join(", ");
  return [
    l(
      `outside-in: ${urls} through Cloudflare every minute from ${ranked.length} app nodes; one alerts, by rank (${order}), the next taking over when it is down`,
      `von außen: ${urls} über Cloudflare jede Minute von ${ranked.length} App-Knoten; einer alarmiert, nach Rang (${order}), der nächste übernimmt, wenn er ausfällt`,
    ),
  ];
}

/** The dead-man's switch: without it nothing notices every host gone at once. */
function heartbeatJudgement(ctx: Parameters<ChecklistRule["stack"]>[0]): Judgement {
  if (!ctx.spec.monitoring.heartbeatUrl)
    return {
      evidence: [],
      problems: [{ message: l("no dead-man's switch (shop:monitoring.heartbeatUrl is not set)", "kein Totmannschalter (shop:monitoring.heartbeatUrl ist nicht gesetzt)") }],
    };
  const n = ctx.spec.nodes.length;
  return {
    evidence: [
      l(
        `dead-man's switch: shop:monitoring.heartbeatUrl (secret), pinged /start and success or /fail each minute by shop-health on all ${n} hosts`,
        `Totmannschalter: shop:monitoring.heartbeatUrl (Geheimnis), jede Minute von shop-health auf allen ${n} Hosts mit /start und Erfolg oder /fail angepingt`,
      ),
    ],
    problems: [],
  };
}

/** Checkly's declared checks (monitoring.checkly): where from, how often, which webhooks they alert. */
function checklyEvidence(ctx: Parameters<ChecklistRule["stack"]>[0], external: Judgement): Localized[] {
  const config = ctx.spec.monitoring.checkly;
  const checks = ofType(ctx, T.checklyCheck);
  const channels = ofType(ctx, T.checklyAlertChannel);
  if (!config) return [l("Checkly checks: off (shop:monitoring.checkly)", "Checkly-Prüfungen: aus (shop:monitoring.checkly)")];
  if (!checks.length) external.problems.push({ message: l("monitoring.checkly is set but no Checkly check is declared", "monitoring.checkly ist gesetzt, aber keine Checkly-Prüfung ist deklariert") });
  if (ctx.spec.monitoring.webhooks.length && channels.length < ctx.spec.monitoring.webhooks.length)
    external.problems.push({ message: l("a stack webhook has no Checkly alert channel", "ein Webhook des Stacks hat keinen Checkly-Alarmkanal") });
  const runs = checklyRunsPerMonth(config);
  return checks.map((c) => {
    const url = str((c.inputs.request as { url?: unknown } | undefined)?.url);
    const where = Array.isArray(c.inputs.locations) ? c.inputs.locations.map(str).join(", ") : str(c.inputs.locations);
    return l(
      `Checkly: ${url} every ${str(c.inputs.frequency)} min from ${where}, ${runs} runs a month (free plan: ${CHECKLY_FREE_RUNS_PER_MONTH}), alerting ${channels.length} webhook(s)`,
      `Checkly: ${url} alle ${str(c.inputs.frequency)} min aus ${where}, ${runs} Läufe im Monat (kostenloser Tarif: ${CHECKLY_FREE_RUNS_PER_MONTH}), alarmiert ${channels.length} Webhook(s)`,
    );
  });
}

export const shopMonitoring: ChecklistRule = {
  id: "HW-3",
  title: { en: "Shop monitoring", de: "Shop-Monitoring" },
  level: "mandatory",
  fix: {
    en: "Add at least one alert webhook (shop:monitoring.webhooks) and keep shop-health on every host; for checks from several public locations set shop:monitoring.checkly (free plan) or shop:monitoring.cloudflareHealthchecks (paid plan).",
    de: "Mindestens einen Alarm-Webhook eintragen (shop:monitoring.webhooks) und shop-health auf jedem Host behalten; für Prüfungen von mehreren öffentlichen Standorten shop:monitoring.checkly (kostenloser Tarif) oder shop:monitoring.cloudflareHealthchecks (kostenpflichtiger Tarif) setzen.",
  },
  stack(ctx) {
    const external: Judgement = { evidence: [], problems: [] };
    const checks = ofType(ctx, T.healthcheck);
    const policies = ofType(ctx, T.notificationPolicy).filter((p) => p.inputs.alertType === "health_check_status_notification");
    if (ctx.spec.monitoring.cloudflareHealthchecks) {
      if (!checks.length)
        external.problems.push({
          message: l(
            "monitoring.cloudflareHealthchecks is on but no Cloudflare Healthcheck is declared",
            "monitoring.cloudflareHealthchecks ist an, aber kein Cloudflare-Healthcheck ist deklariert",
          ),
        });
      if (!policies.length)
        external.problems.push({
          message: l(
            "no Cloudflare NotificationPolicy (health_check_status_notification) sends health-check alerts",
            "keine Cloudflare-NotificationPolicy (health_check_status_notification) verschickt Health-Check-Alarme",
          ),
        });
      external.evidence.push(
        ...checks.map((c) => {
          const what = `${c.name}: ${str(c.inputs.address)} ${str((c.inputs.httpConfig as { path?: string } | undefined)?.path ?? "")}`;
          const regions = c.inputs.checkRegions === undefined ? undefined : str(c.inputs.checkRegions);
          return l(`${what} from ${regions ?? "default regions"}`, `${what} aus ${regions ?? "Standardregionen"}`);
        }),
        ...policies.map((p) => l(`${p.name}: alerts ${str(p.inputs.alertType)}`, `${p.name}: alarmiert bei ${str(p.inputs.alertType)}`)),
      );
    } else
      external.evidence.push(
        l(
          "external multi-region checks: off (shop:monitoring.cloudflareHealthchecks is false; needs a paid Cloudflare plan)",
          "externe Prüfungen aus mehreren Regionen: aus (shop:monitoring.cloudflareHealthchecks ist false; braucht einen kostenpflichtigen Cloudflare-Tarif)",
        ),
      );
    external.evidence.push(...checklyEvidence(ctx, external));
    const outsideIn = onHostOutsideIn(ctx);
    external.evidence.push(...outsideIn);
    if (!outsideIn.length && !ctx.spec.monitoring.cloudflareHealthchecks)
      external.problems.push({
        message: l(
          "no outside-in check: no app node probes the public URL and shop:monitoring.cloudflareHealthchecks is off",
          "keine Prüfung von außen: kein App-Knoten prüft die öffentliche URL und shop:monitoring.cloudflareHealthchecks ist aus",
        ),
      });
    return merge(webhookJudgement(ctx), heartbeatJudgement(ctx), delivered(ctx, ctx.spec.nodes, l("shop-health", "shop-health"), HEALTH_FILES), external);
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
      problems.push({
        message: l(
          `load thresholds per core ${t.load1PerCore}/${t.load5PerCore}/${t.load15PerCore} should fall from short to long term`,
          `Lastschwellen pro Kern ${num(t.load1PerCore, "de")}/${num(t.load5PerCore, "de")}/${num(t.load15PerCore, "de")} sollten von kurz- zu langfristig fallen`,
        ),
      });
    const perHost = ctx.spec.nodes.map((n) => {
      const at = (lang: "en" | "de") => [t.load1PerCore, t.load5PerCore, t.load15PerCore].map((x) => num(x * n.facts.cores, lang)).join("/");
      return l(`${n.name}: ${n.facts.cores} cores → alert at load ${at("en")} (1/5/15 min)`, `${n.name}: ${n.facts.cores} Kerne → Alarm ab Last ${at("de")} (1/5/15 min)`);
    });
    return merge({ evidence: perHost, problems }, webhookJudgement(ctx), delivered(ctx, ctx.spec.nodes, l("load check", "Lastprüfung"), HEALTH_FILES));
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
    const replicas = dbReplicas(ctx.spec).map((n) => n.name);
    const evidence = [
      l(
        `disk warn ${t.diskWarnPercent}% / critical ${t.diskCritPercent}%, inodes ${t.inodePercent}%, memory ${t.memoryPercent}% (also each Redis against its maxmemory), MariaDB connections ${t.connectionsPercent}% of max_connections`,
        `Platte Warnung ${t.diskWarnPercent} % / kritisch ${t.diskCritPercent} %, Inodes ${t.inodePercent} %, Arbeitsspeicher ${t.memoryPercent} % (auch jedes Redis gegen sein maxmemory), MariaDB-Verbindungen ${t.connectionsPercent} % von max_connections`,
      ),
      l(
        `replication lag alert after ${t.replicationLagSeconds} s on ${replicas.join(", ") || "no replica"}`,
        `Alarm bei Replikationsverzögerung ab ${t.replicationLagSeconds} s auf ${replicas.join(", ") || "keiner Replica"}`,
      ),
    ];
    const problems: Problem[] = [];
    if (t.diskWarnPercent >= t.diskCritPercent)
      problems.push({
        message: l(
          `diskWarnPercent ${t.diskWarnPercent} is not below diskCritPercent ${t.diskCritPercent}`,
          `diskWarnPercent ${t.diskWarnPercent} liegt nicht unter diskCritPercent ${t.diskCritPercent}`,
        ),
      });
    if (!appNodes(ctx.spec).length) problems.push({ message: l("no app node to watch", "kein App-Knoten zu überwachen") });
    const quota = storageQuota(ctx);
    const gb = (n: number, lang: "en" | "de") => `${num(n, lang)} GB`;
    if (quota.capacityGb === undefined)
      problems.push({
        message: l(
          `no Storage Box is declared for an expected backup volume of ≈${gb(quota.expectedGb, "en")}`,
          `keine Storage Box deklariert für ein erwartetes Backup-Volumen von ≈${gb(quota.expectedGb, "de")}`,
        ),
      });
    else {
      evidence.push(
        l(
          `${quota.box}: ${quota.storageBoxType} holds ${gb(quota.capacityGb, "en")}; expected backup volume ≈${gb(quota.expectedGb, "en")} (${quota.retainedSnapshots} retained snapshots)`,
          `${quota.box}: ${quota.storageBoxType} fasst ${gb(quota.capacityGb, "de")}; erwartetes Backup-Volumen ≈${gb(quota.expectedGb, "de")} (${quota.retainedSnapshots} aufbewahrte Snapshots)`,
        ),
      );
      if (quota.expectedGb > quota.capacityGb)
        problems.push({
          message: l(
            `expected backup volume ≈${gb(quota.expectedGb, "en")} exceeds ${quota.storageBoxType} (${gb(quota.capacityGb, "en")})`,
            `erwartetes Backup-Volumen ≈${gb(quota.expectedGb, "de")} übersteigt ${quota.storageBoxType} (${gb(quota.capacityGb, "de")})`,
          ),
        });
    }
    return merge({ evidence, problems }, delivered(ctx, ctx.spec.nodes, l("disk/memory check", "Platten- und Speicherprüfung"), HEALTH_FILES));
  },
};
