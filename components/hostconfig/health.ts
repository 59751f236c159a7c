import { webhookSecretName } from "./secretsEnv";
import type { NodeSpec, ShopSpec } from "../config";
import { backupJobs, BACKUP_STATE_DIR, TEXTFILE_DIR } from "./backup";
import type { BundleFile, BundleRenderer } from "./types";
import { readShopFile } from "./shopFiles";
import { REDIS_INSTANCES, REDIS_PORT, redisHost } from "./redis";
import { databaseRoleOf, DatabaseRole, HEALTH_CHECK_PATH, isDbNode, liveReplicas, phpFpmUnit } from "../config";
import { SHOP_CURRENT, SHOP_DB_NAME, workerUnitNames } from "./shopware";
import { phpFpmMaxChildren } from "./sizing";
import { STATUS_LISTEN } from "./nginx";
import { FPM_STATUS_PATH } from "./php";
import { unitListFile } from "./units";

export const HEALTH_TOOL = "/usr/local/sbin/shop-health";

/** A unit shop-health expects active; `ifPathExists` skips it until the shop is deployed. */
export interface MonitoredService {
  unit: string;
  ifPathExists?: string;
}

/** What shop-health reads on the host: /etc/shop/health.json (no secrets). */
export interface HealthConfig {
  customer: string;
  stack: string;
  host: string;
  roles: string[];
  cores: number;
  thresholds: ShopSpec["monitoring"]["thresholds"];
  services: MonitoredService[];
  replication: "primary" | "replica" | null;
  /** App nodes: the pool's status page (nginx's local status server) and its worker limit. */
  phpFpm: { statusUrl: string; maxChildren: number } | null;
  /** DB nodes: both local Redis instances, read with the password from secrets.env. */
  redis: { name: string; port: number; policy: string; passwordEnv: string }[];
  /** The DB primary: Shopware's database, whose message queue and scheduled tasks it reads. */
  shopwareDatabase: string | null;
  /** The role the stack gives this MariaDB: only the primary may be writable. */
  databaseRole: DatabaseRole | null;
  backups: { kind: string; maxAgeSeconds: number }[];
  certFiles: string[];
  webhooks: { name: string; type: string; urlEnv: string; routingKeyEnv?: string }[];
  updatesFile: string;
  stateDir: string;
  backupStateDir: string;
  textfileDir: string;
  mysqlDefaultsFile: string | null;
  retryDelaySeconds: number;
  /** App nodes: probes through the public URL; the lowest-ranked live node alerts. */
  outsideIn: OutsideInConfig | null;
}

export interface OutsideInConfig {
  /** 1-based among the app nodes; rank 1 alerts while it is alive. */
  rank: number;
  urls: { name: string; url: string }[];
  /** Each node's liveness lease in the shared Redis (sessions instance, its own database). */
  lease: { host: string; port: number; db: number; passwordEnv: string; ttlSeconds: number };
}

const REDIS_PASSWORD_ENV = "REDIS_PASSWORD";

/** Redis database of the outside-in leases (0 and 1 hold sessions and locks). */
const LEASE_DB = 2;
/** Three missed minutely runs hand the alerting over to the next rank. */
const LEASE_TTL_SECONDS = 180;

export function outsideInConfig(spec: ShopSpec, node: NodeSpec): OutsideInConfig | null {
  const apps = spec.nodes.filter((n) => n.roles.includes("app"));
  const rank = apps.findIndex((n) => n.name === node.name) + 1;
  if (rank === 0) return null;
  return {
    rank,
    urls: [
      { name: "shop", url: `${spec.appUrl}/` },
      { name: "health", url: `${spec.appUrl}${HEALTH_CHECK_PATH}` },
    ],
    lease: { host: redisHost(spec).privateIp, port: REDIS_PORT, db: LEASE_DB, passwordEnv: REDIS_PASSWORD_ENV, ttlSeconds: LEASE_TTL_SECONDS },
  };
}

export function monitoredServices(node: NodeSpec): MonitoredService[] {
  const deployed = `${SHOP_CURRENT}/bin/console`;
  const services: MonitoredService[] = [];
  if (node.roles.includes("app")) {
    services.push({ unit: "nginx.service" }, { unit: phpFpmUnit(node) });
    for (const unit of workerUnitNames(node)) services.push({ unit, ifPathExists: deployed });
  }
  if (isDbNode(node)) services.push({ unit: "mariadb.service" }, { unit: "redis-server.service" }, { unit: "redis-server@cache.service" });
  return services;
}

export function healthConfig(spec: ShopSpec, node: NodeSpec): HealthConfig {
  return {
    customer: spec.customer,
    stack: spec.stack,
    host: node.name,
    roles: node.roles,
    cores: node.facts.cores,
    thresholds: spec.monitoring.thresholds,
    services: monitoredServices(node),
    replication: node.roles.includes("db-replica") ? "replica" : node.roles.includes("db-primary") && liveReplicas(spec).length ? "primary" : null,
    phpFpm: node.roles.includes("app") ? { statusUrl: `http://${STATUS_LISTEN}${FPM_STATUS_PATH}?json`, maxChildren: phpFpmMaxChildren(node) } : null,
    redis: isDbNode(node) ? REDIS_INSTANCES.map((i) => ({ ...i, passwordEnv: REDIS_PASSWORD_ENV })) : [],
    databaseRole: databaseRoleOf(spec, node),
    // One node reads the shop's queue and tasks, so one alert is sent: the primary, which follows a failover.
    shopwareDatabase: databaseRoleOf(spec, node) === "primary" ? SHOP_DB_NAME : null,
    backups: backupJobs(spec, node).map((j) => ({ kind: j.kind, maxAgeSeconds: j.maxAgeSeconds })),
    // The origin certificate ends at the LB; list PEM files here when a host terminates TLS itself.
    certFiles: [],
    webhooks: spec.monitoring.webhooks.map((w) => ({
      name: w.name,
      type: w.type,
      urlEnv: webhookSecretName(w.name, "URL"),
      ...(w.type === "pagerduty" ? { routingKeyEnv: webhookSecretName(w.name, "ROUTING_KEY") } : {}),
    })),
    updatesFile: "/var/lib/shop/updates.json",
    stateDir: "/var/lib/shop/health",
    backupStateDir: BACKUP_STATE_DIR,
    textfileDir: TEXTFILE_DIR,
    mysqlDefaultsFile: null,
    retryDelaySeconds: 2,
    outsideIn: outsideInConfig(spec, node),
  };
}

function healthSecrets(spec: ShopSpec, node: NodeSpec): string[] {
  const cfg = healthConfig(spec, node);
  const hooks = cfg.webhooks.flatMap((w) => [w.urlEnv, ...(w.routingKeyEnv ? [w.routingKeyEnv] : [])]);
  const redis = [...(cfg.outsideIn ? [cfg.outsideIn.lease.passwordEnv] : []), ...cfg.redis.map((r) => r.passwordEnv)];
  return [...hooks, ...(spec.monitoring.heartbeatUrl ? ["MONITORING_HEARTBEAT_URL"] : []), ...new Set(redis)];
}

const file = (path: string, mode: string, content: string, restarts?: string[]): BundleFile => ({
  path,
  mode,
  owner: "root:root",
  content,
  ...(restarts ? { restarts } : {}),
});

/** shop-health, its config and its minutely timer (HW-3, HW-4, HW-5). */
export const health: BundleRenderer = (spec, node) => [
  // shop-health posts to every webhook and pings the monitoring heartbeat.
  { ...file(HEALTH_TOOL, "0755", readShopFile("shop-health.py")), secrets: healthSecrets(spec, node) },
  file("/etc/shop/health.json", "0644", JSON.stringify(healthConfig(spec, node), null, 2) + "\n"),
  file("/etc/systemd/system/shop-health.service", "0644", readShopFile("systemd/shop-health.service")),
  file("/etc/systemd/system/shop-health.timer", "0644", readShopFile("systemd/shop-health.timer"), ["shop-health.timer"]),
  unitListFile("health", ["shop-health.timer"]),
];
