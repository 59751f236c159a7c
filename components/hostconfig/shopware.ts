import { createHash } from "crypto";
import { Document, isMap, isScalar, parse as parseYaml, parseDocument, YAMLMap } from "yaml";
import type { NodeSpec, ShopSpec } from "../config";
import { cloudflareFallbackRanges } from "../config/cloudflareRanges";
import { dbPrimary, liveReplicas, phpFpmUnit } from "../config";
import { compareVersions } from "../config/compat";
import type { BundleFile, BundleRenderer } from "./types";
import { REDIS_CACHE_PORT, REDIS_PORT, redisHost } from "./redis";
import { consumerCount } from "./sizing";
import { readShopFile } from "./shopFiles";
import { unitListFile } from "./units";
import { dotenvValue, noTemplateToken } from "./escape";

/** Release layout: releases/<id>, shared/ (env, cluster config) and the `current` symlink. */
export const SHOP_DIR = "/var/www/shop";
export const SHOP_SHARED = `${SHOP_DIR}/shared`;
export const SHOP_CURRENT = `${SHOP_DIR}/current`;
export const SHOP_DB_NAME = "shopware";
export const SHOP_DB_USER = "shop";
export const MARIADB_PORT = 3306;
const SCHEDULER_UNIT = "shop-scheduler.service";
/** The tokens .env.local carries: Shopware's own secret, its database, Redis and bucket credentials. */
const ENV_LOCAL_SECRETS = ["APP_SECRET", "DB_SHOP_PASSWORD", "REDIS_PASSWORD", "MEDIA_ACCESS_KEY", "MEDIA_SECRET_KEY"];

const CLUSTER_CONFIG = readShopFile("shopware/zz-cluster.yaml");

/** Shopware's named Redis connections exist from this version on (zz-cluster.redis.yaml). */
const REDIS_CONNECTIONS_FROM = "6.6.8.0";
const SHOPWARE_6_7 = "6.7.0.0";

/** Whether the stack's Shopware is `version` or newer. */
const reaches = (spec: ShopSpec, version: string) => compareVersions(spec.shopware.version, version) >= 0;

/**
 * What the cluster config adds from a Shopware version on, each a real file merged into
 * zz-cluster.yaml (one file, so the release links stay as they are).
 */
const CLUSTER_ADDITIONS: { from: string; file: string }[] = [
  { from: REDIS_CONNECTIONS_FROM, file: "shopware/zz-cluster.redis.yaml" },
  { from: SHOPWARE_6_7, file: "shopware/zz-cluster.6.7.yaml" },
];

/** Merges `from`'s mappings into `into`, key by key, keeping both files' comments. */
function mergeMaps(into: YAMLMap, from: YAMLMap): void {
  for (const pair of from.items) {
    const existing = into.get(pair.key, true);
    if (isMap(existing) && isMap(pair.value)) mergeMaps(existing, pair.value);
    else into.set(pair.key, pair.value);
  }
}

/** A file's header comment, which YAML attaches to the document or to its first key, taken off. */
function takeHeader(doc: Document): string {
  const first = isMap(doc.contents) ? doc.contents.items[0]?.key : undefined;
  const header = doc.commentBefore ?? (isScalar(first) ? first.commentBefore : undefined) ?? "";
  doc.commentBefore = null;
  if (isScalar(first)) first.commentBefore = undefined;
  return header;
}

/** zz-cluster.yaml for the stack's Shopware version: the base plus every addition it has reached. */
export function clusterConfig(spec: ShopSpec): string {
  const doc = parseDocument(CLUSTER_CONFIG);
  const headers = [takeHeader(doc)];
  for (const add of CLUSTER_ADDITIONS) {
    if (!reaches(spec, add.from)) continue;
    const part = parseDocument(readShopFile(add.file));
    if (!isMap(doc.contents) || !isMap(part.contents)) throw new Error(`${add.file}: not a YAML mapping`);
    headers.push(takeHeader(part));
    mergeMaps(doc.contents, part.contents);
  }
  doc.commentBefore = headers.filter(Boolean).join("\n");
  return doc.toString({ indent: 4, lineWidth: 0 });
}

/**
 * The key prefix the cluster config gives Shopware's public filesystem, read from the file the
 * hosts get: Shopware links a public file as S3_PUBLIC_URL + "/" + its key *below* that prefix,
 * so the public URL must end in it (else media, theme and asset URLs 404).
 */
const PUBLIC_FILES_ROOT = (parseYaml(CLUSTER_CONFIG) as { shopware: { filesystem: { public: { config: { root: string } } } } }).shopware.filesystem.public.config.root;

/** Same on every node (Shopware docs "Cluster setup"; docs/design.md §8), stable for the life of the stack. */
export function instanceId(spec: ShopSpec): string {
  return createHash("sha256").update(`${spec.project}/${spec.stack}`).digest("hex").slice(0, 32);
}

/**
 * Shopware's .env.local (linked into each release by the deploy). Secrets are template tokens
 * that shop-apply fills from /etc/shop/secrets.env; generated passwords are alphanumeric, so
 * they need no URL encoding inside the DSNs.
 */
function envLocal(spec: ShopSpec): string {
  const primary = dbPrimary(spec);
  const replica = liveReplicas(spec)[0] ?? primary;
  const redis = redisHost(spec);
  const db = (host: string) => `mysql://${SHOP_DB_USER}:{{secret:DB_SHOP_PASSWORD}}@${host}:${MARIADB_PORT}/${SHOP_DB_NAME}`;
  const redisDsn = (port: number, index: number) => `redis://{{secret:REDIS_PASSWORD}}@${redis.privateIp}:${port}/${index}`;
  // Stack values pass dotenvValue (Symfony expands `$…` in unquoted values) and may not spell a token.
  const value = (v: string) => dotenvValue(noTemplateToken(".env.local", v));
  const endpointUrl = spec.media.endpoint.replace(/\/$/, "");
  const endpoint = value(endpointUrl);
  // media.publicUrl (a CDN, say) serves the bucket's root, as the path-style endpoint/bucket does.
  const bucketUrl = spec.media.publicUrl?.replace(/\/$/, "") ?? `${endpointUrl}/${spec.media.bucket}`;
  const publicUrl = value(`${bucketUrl}/${PUBLIC_FILES_ROOT}`);
  return [
    "# Managed by the shop blueprint (host config): identical on every app node.",
    "APP_ENV=prod",
    `APP_URL=${value(spec.appUrl)}`,
    "APP_SECRET={{secret:APP_SECRET}}",
    `INSTANCE_ID=${instanceId(spec)}`,
    `DATABASE_URL=${db(primary.privateIp)}`,
    `DATABASE_REPLICA_0_URL=${db(replica.privateIp)}`,
    // Sessions and locks live in the persistent Redis, the cache in the evicting one (redis.ts).
    `REDIS_SESSION_URL=${redisDsn(REDIS_PORT, 0)}`,
    `LOCK_DSN=${redisDsn(REDIS_PORT, 1)}`,
    `REDIS_CACHE_URL=${redisDsn(REDIS_CACHE_PORT, 0)}`,
    // Named connection "persistent" (zz-cluster.yaml): the delayed cache invalidations.
    ...(reaches(spec, REDIS_CONNECTIONS_FROM) ? [`REDIS_PERSISTENT_URL=${redisDsn(REDIS_PORT, 2)}`] : []),
    `TRUSTED_PROXIES=${trustedProxies(spec).join(",")}`,
    // The release is installed by the deploy (system:install): without this every request
    // redirects to /installer and the health check answers 302.
    "SHOPWARE_SKIP_WEBINSTALLER=1",
    // Rolling deploys: migrations keep the schema working for the release still on the other
    // nodes (triggers; MariaDB needs log_bin_trust_function_creators, mariadb.ts).
    "BLUE_GREEN_DEPLOYMENT=1",
    "SHOPWARE_HTTP_CACHE_ENABLED=1",
    "SHOPWARE_HTTP_DEFAULT_TTL=7200",
    "SHOPWARE_ES_ENABLED=0",
    ...lineSettings(spec),
    `S3_ENDPOINT=${endpoint}`,
    `S3_BUCKET=${value(spec.media.bucket)}`,
    `S3_REGION=${value(spec.media.region)}`,
    `S3_PUBLIC_URL=${publicUrl}`,
    "S3_ACCESS_KEY={{secret:MEDIA_ACCESS_KEY}}",
    "S3_SECRET_KEY={{secret:MEDIA_SECRET_KEY}}",
    // Order mails: a relay on 587 (Hetzner blocks 25 and 465). Unset, Shopware uses the Admin's mailer settings.
    ...(spec.mail ? ["MAILER_DSN={{secret:MAILER_DSN}}"] : []),
    "",
  ].join("\n");
}

/**
 * Settings that differ by Shopware line. Before 6.7 Shopware sets group_concat_max_len and
 * sql_mode on every connection unless told the server has them (mariadb.ts sets both); 6.7 no
 * longer reads the switch. 6.7 stacks load plugins from Composer only: with
 * runtime_extension_management off, a plugin is part of the release, never installed at runtime.
 */
function lineSettings(spec: ShopSpec): string[] {
  return reaches(spec, SHOPWARE_6_7) ? ["COMPOSER_PLUGIN_LOADER=1"] : ["SQL_SET_DEFAULT_SESSION_VARIABLES=0"];
}

/**
 * The proxies Symfony may believe X-Forwarded-* from, named exactly. After nginx's real_ip
 * (trusting the LB), REMOTE_ADDR is whoever the LB saw: a Cloudflare edge when DNS is proxied,
 * else the visitor, whose own X-Forwarded-For must not be trusted (so never `REMOTE_ADDR`).
 */
export function trustedProxies(spec: ShopSpec): string[] {
  const edges = spec.dns.proxied ? [...cloudflareFallbackRanges.ipv4, ...cloudflareFallbackRanges.ipv6] : [];
  return ["127.0.0.1", spec.network.lbPrivateIp, ...edges];
}

/**
 * Workers to restart when their code or settings change. The consumer glob matches only running
 * instances; the scheduler is named only where it runs, since `restart` would start it (D8).
 */
export function workerUnits(node: NodeSpec): string[] {
  return ["shop-consumer@*.service", ...(node.scheduler ? [SCHEDULER_UNIT] : [])];
}

/** The worker units this node runs, each by name: what an operator stops and starts around a live restore. */
export function workerUnitNames(node: NodeSpec): string[] {
  if (!node.roles.includes("app")) return [];
  const consumers = Array.from({ length: consumerCount(node) }, (_, i) => `shop-consumer@${i + 1}.service`);
  return node.scheduler ? [...consumers, SCHEDULER_UNIT] : consumers;
}

const envLocalFile = (spec: ShopSpec, node: NodeSpec): BundleFile => ({
  path: `${SHOP_SHARED}/.env.local`,
  mode: "0640",
  owner: "root:www-data",
  content: envLocal(spec),
  template: true,
  secrets: [...ENV_LOCAL_SECRETS, ...(spec.mail ? ["MAILER_DSN"] : [])],
  restarts: [`reload:${phpFpmUnit(node)}`, ...workerUnits(node)],
});

/** Days a Shopware log file under shared/var/log is kept after its last write. */
export const SHOP_LOG_DAYS = 14;

function shopLogTmpfiles(): string {
  return [
    "# Managed by the shop blueprint (host config, shopware.ts): age out Shopware's logs.",
    // Age by mtime only: reading a log (atime) or a chown (ctime) must not keep it.
    `e ${SHOP_SHARED}/var/log - - - m:${SHOP_LOG_DAYS}d`,
    "",
  ].join("\n");
}

export const shopware: BundleRenderer = (spec, node) => {
  if (!node.roles.includes("app")) return [];
  return [
    envLocalFile(spec, node),
    // Symfony compiles this into the release's container cache: a change takes effect with the
    // next deploy (cache:clear); the reload below only picks up .env-driven values.
    {
      path: `${SHOP_SHARED}/config/packages/zz-cluster.yaml`,
      mode: "0644",
      owner: "root:www-data",
      content: clusterConfig(spec),
      restarts: [`reload:${phpFpmUnit(node)}`, ...workerUnits(node)],
    },
    { path: "/etc/systemd/system/shop-consumer@.service", mode: "0644", owner: "root:root", content: readShopFile("systemd/shop-consumer@.service"), restarts: ["shop-consumer@*.service"] },
    { path: "/etc/systemd/system/shop-scheduler.service", mode: "0644", owner: "root:root", content: readShopFile("systemd/shop-scheduler.service"), restarts: node.scheduler ? [SCHEDULER_UNIT] : [] },
    // D8: consumers on every app node, the scheduler on exactly one; a moved scheduler stops here.
    unitListFile("shopware", workerUnitNames(node), node.scheduler ? [] : [SCHEDULER_UNIT]),
    // Shopware writes its logs under shared/var/log and removes none of them:
    // systemd-tmpfiles-clean.timer (daily) deletes those untouched for SHOP_LOG_DAYS.
    { path: "/etc/tmpfiles.d/shop-var-log.conf", mode: "0644", owner: "root:root", content: shopLogTmpfiles() },
    { path: "/usr/local/lib/shop/apply.d/30-shop-layout", mode: "0755", owner: "root:root", content: readShopFile("apply.d/30-shop-layout") },
  ];
};
