import type { NodeSpec, ShopSpec } from "../config";
import { appNodes } from "../config";

/**
 * Memory budgets derived from the server type (NodeSpec.facts), in MiB. One place, so the
 * PHP pool, InnoDB, Redis and MariaDB's connection limit stay consistent with each other.
 */

const MIB_PER_GB = 1024;
/** Kernel, sshd, node_exporter, nginx, journald and page-cache headroom on every node. */
const OS_RESERVE_MB = 1024;
/** Average resident size of one Shopware 6.6/6.7 FPM worker; memory_limit only caps outliers. */
export const PHP_WORKER_MB = 128;
/** Shared opcache segment (php.ts sets opcache.memory_consumption to this). */
export const OPCACHE_MB = 256;

export function hasDbRole(node: NodeSpec): boolean {
  return node.roles.some((r) => r === "db-primary" || r === "db-replica");
}

function memoryMb(node: NodeSpec): number {
  return node.facts.memoryGb * MIB_PER_GB;
}

/**
 * InnoDB buffer pool: 60 % of RAM on a dedicated DB node; 25 % when the node also serves PHP
 * (profile small), so both fit. Rounded down to 128 MiB chunks (InnoDB's allocation unit).
 */
export function innodbBufferPoolMb(node: NodeSpec): number {
  const share = node.roles.includes("app") ? 0.25 : 0.6;
  return Math.max(128, Math.floor((memoryMb(node) * share) / 128) * 128);
}

/**
 * Redis sessions/locks instance cap: 3 % of RAM, at least 128 MiB. It never evicts (noeviction):
 * at the cap writes fail with an OOM error instead of the kernel killing InnoDB's node.
 */
export function redisSessionsMaxMemoryMb(node: NodeSpec): number {
  return Math.max(128, Math.floor(memoryMb(node) * 0.03));
}

/** Redis cache instance cap: 5 % of RAM on the node running Redis, at least 256 MiB. */
export function redisCacheMaxMemoryMb(node: NodeSpec): number {
  return Math.max(256, Math.floor(memoryMb(node) * 0.05));
}

/** FPM workers per vCPU: Shopware requests are CPU-bound, so more workers only queue on the cores. */
export const PHP_WORKERS_PER_CORE = 5;

/**
 * The PHP-FPM pool size memory allows.
 *   available = RAM − OS reserve − opcache − (InnoDB buffer pool + 10 % of RAM for Redis
 *               and MariaDB's per-connection buffers, when a DB role shares the node)
 *   bound = floor(available × 0.8 / PHP_WORKER_MB)
 * The 0.8 leaves room for the messenger consumers and the scheduler (same PHP, same size).
 * Example: ccx23 (16 GB) app-only → floor((16384 − 1024 − 256) × 0.8 / 128) = 94 workers.
 */
export function phpFpmMemoryBound(node: NodeSpec): number {
  const db = hasDbRole(node) ? innodbBufferPoolMb(node) + memoryMb(node) * 0.1 : 0;
  const available = memoryMb(node) - OS_RESERVE_MB - OPCACHE_MB - db;
  return Math.floor((available * 0.8) / PHP_WORKER_MB);
}

/**
 * pm.max_children: what memory allows, capped at PHP_WORKERS_PER_CORE per vCPU (ccx23: 4 vCPU →
 * 20, not the 94 memory would allow, each holding a MariaDB connection), at least 4.
 */
export function phpFpmMaxChildren(node: NodeSpec): number {
  return Math.max(4, Math.min(phpFpmMemoryBound(node), node.facts.cores * PHP_WORKERS_PER_CORE));
}

/** Messenger consumers per app node: one per two cores, at least one (D8: on every app node). */
export function consumerCount(node: NodeSpec): number {
  return Math.max(1, Math.floor(node.facts.cores / 2));
}

/**
 * MariaDB max_connections: every FPM worker and consumer of every app node may hold one
 * connection, plus the scheduler, replication, backups and admins.
 */
export function mariadbMaxConnections(spec: ShopSpec): number {
  const apps = appNodes(spec);
  return apps.reduce((sum, n) => sum + phpFpmMaxChildren(n) + consumerCount(n), 0) + 50;
}
