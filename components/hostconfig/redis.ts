import type { NodeSpec, ShopSpec } from "../config";
import { dbPrimary } from "../config";
import type { BundleRenderer } from "./types";
import { redisCacheMaxMemoryMb, redisSessionsMaxMemoryMb } from "./sizing";
import { unitListFile } from "./units";

/**
 * Two Redis instances on the DB primary, because the two kinds of data need opposite settings:
 * - sessions and locks (port 6379, Debian's redis-server.service): AOF-persisted and
 *   `noeviction`, so a restart or memory pressure never logs customers out or drops a lock;
 * - cache (port 6380, redis-server@cache.service): nothing persisted, capped memory with
 *   `volatile-lru`, the eviction policy Symfony's RedisTagAwareAdapter supports.
 * One instance cannot be both persistent and evicting per database, hence two.
 */
export const REDIS_PORT = 6379;
export const REDIS_CACHE_PORT = 6380;

/** Redis runs beside MariaDB on the primary: Shopware's hot path already depends on that node. */
export function redisHost(spec: ShopSpec): NodeSpec {
  return dbPrimary(spec);
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
    "maxmemory-policy noeviction",
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
    "maxmemory-policy volatile-lru",
    "",
  ].join("\n");
}

export const redis: BundleRenderer = (spec, node) => {
  if (node.name !== redisHost(spec).name) return [];
  return [
    { path: "/etc/redis/redis.conf", mode: "0640", owner: "redis:redis", content: sessionsConf(node), template: true, secrets: ["REDIS_PASSWORD"], restarts: ["redis-server.service"] },
    { path: "/etc/redis/redis-cache.conf", mode: "0640", owner: "redis:redis", content: cacheConf(node), template: true, secrets: ["REDIS_PASSWORD"], restarts: ["redis-server@cache.service"] },
    unitListFile("redis", ["redis-server.service", "redis-server@cache.service"]),
  ];
};
