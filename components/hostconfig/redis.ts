import type { NodeSpec, ShopSpec } from "../config";
import { dbPrimary, isDbNode } from "../config";
import { readShopFile } from "./shopFiles";
import type { BundleRenderer } from "./types";
import { redisCacheMaxMemoryMb, redisSessionsMaxMemoryMb } from "./sizing";
import { unitListFile } from "./units";

/**
 * Two Redis instances on every database node, led by the DB primary's, because the two kinds of data need opposite settings:
 * - sessions and locks (port 6379, Debian's redis-server.service): AOF-persisted and
 *   `noeviction`, so a restart or memory pressure never logs customers out or drops a lock;
 * - cache (port 6380, redis-server@cache.service): nothing persisted, capped memory with
 *   `volatile-lru`, the eviction policy Symfony's RedisTagAwareAdapter supports.
 * One instance cannot be both persistent and evicting per database, hence two.
 */
export const REDIS_PORT = 6379;
export const REDIS_CACHE_PORT = 6380;

/** Both instances of a DB node, as shop-health watches them; the policies are the ones the configs below set. */
export const REDIS_INSTANCES = [
  { name: "sessions", port: REDIS_PORT, policy: "noeviction" },
  { name: "cache", port: REDIS_CACHE_PORT, policy: "volatile-lru" },
] as const;
const policyOf = (name: string) => REDIS_INSTANCES.find((i) => i.name === name)!.policy;

/** The app nodes use the Redis beside the MariaDB primary: Shopware's hot path already depends on that node. */
export function redisHost(spec: ShopSpec): NodeSpec {
  return dbPrimary(spec);
}

export const REDIS_ROLE_PATH = "/etc/redis/redis-role.conf";

/**
 * Sessions and locks replicate to the other database nodes all along, so a failover keeps
 * every customer's session. The role is read at start and applied live by apply.d/65-redis-role
 * (REPLICAOF), so a failover restarts no Redis. The cache does not replicate: it refills.
 */
function roleConf(spec: ShopSpec, node: NodeSpec): string {
  const head = `# Managed by the shop blueprint (host config, redis.ts): the role of ${node.name}'s sessions Redis.`;
  if (node.name === redisHost(spec).name) return `${head}\n# Leader: the app nodes write here; the other database nodes follow.\n`;
  return [head, `replicaof ${redisHost(spec).privateIp} ${REDIS_PORT}`, "masterauth {{secret:REDIS_PASSWORD}}", "replica-read-only yes", ""].join("\n");
}

function common(node: NodeSpec, port: number): string[] {
  return [
    "# Managed by the shop blueprint (host config, redis.ts).",
    // Private network for the app nodes, loopback for local tools; nftables limits who connects.
    `bind ${node.privateIp} 127.0.0.1`,
    "protected-mode yes",
    `port ${port}`,
    "tcp-backlog 511",
    "timeout 0",
    "tcp-keepalive 300",
    "daemonize no",
    "loglevel notice",
    'logfile ""',
    "databases 16",
    "dir /var/lib/redis",
    "requirepass {{secret:REDIS_PASSWORD}}",
  ];
}

function sessionsConf(node: NodeSpec): string {
  return [
    ...common(node, REDIS_PORT),
    "pidfile /run/redis/redis-server.pid",
    "# Sessions (db 0) and locks (db 1) survive restarts: append-only file, fsync every second.",
    'save ""',
    "appendonly yes",
    'appendfilename "appendonly.aof"',
    'appenddirname "appendonlydir"',
    "appendfsync everysec",
    "aof-use-rdb-preamble yes",
    `maxmemory ${redisSessionsMaxMemoryMb(node)}mb`,
    `maxmemory-policy ${policyOf("sessions")}`,
    `include ${REDIS_ROLE_PATH}`,
    "",
  ].join("\n");
}

function cacheConf(node: NodeSpec): string {
  return [
    ...common(node, REDIS_CACHE_PORT),
    "pidfile /run/redis-cache/redis-server.pid",
    "# Cache only: never written to disk, evicts the least recently used expiring keys.",
    'save ""',
    "appendonly no",
    `maxmemory ${redisCacheMaxMemoryMb(node)}mb`,
    `maxmemory-policy ${policyOf("cache")}`,
    "",
  ].join("\n");
}

export const redis: BundleRenderer = (spec, node) => {
  if (!isDbNode(node)) return [];
  const leads = node.name === redisHost(spec).name;
  return [
    // No restart: apply.d/65-redis-role applies the role to the running instance.
    { path: REDIS_ROLE_PATH, mode: "0640", owner: "redis:redis", content: roleConf(spec, node), ...(leads ? {} : { template: true, secrets: ["REDIS_PASSWORD"] }) },
    { path: "/usr/local/lib/shop/apply.d/65-redis-role", mode: "0755", owner: "root:root", content: readShopFile("apply.d/65-redis-role") },
    { path: "/etc/redis/redis.conf", mode: "0640", owner: "redis:redis", content: sessionsConf(node), template: true, secrets: ["REDIS_PASSWORD"], restarts: ["redis-server.service"] },
    { path: "/etc/redis/redis-cache.conf", mode: "0640", owner: "redis:redis", content: cacheConf(node), template: true, secrets: ["REDIS_PASSWORD"], restarts: ["redis-server@cache.service"] },
    unitListFile("redis", ["redis-server.service", "redis-server@cache.service"]),
  ];
};
