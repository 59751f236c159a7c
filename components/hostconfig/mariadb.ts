import type { NodeSpec, ShopSpec } from "../config";
import { appNodes, dbPrimary, dbReplicas } from "../config";
import type { BundleRenderer } from "./types";
import { commentText } from "./escape";
import { innodbBufferPoolMb, mariadbMaxConnections } from "./sizing";
import { readShopFile } from "./shopFiles";
import { MARIADB_PORT, SHOP_DB_NAME, SHOP_DB_USER } from "./shopware";

export const MARIADB_CONF_PATH = "/etc/mysql/mariadb.conf.d/60-shop.cnf";
export const DB_ENV_PATH = "/etc/shop/db.env";
export const REPLICATION_USER = "replicator";

/**
 * MariaDB for Shopware (Shopware docs "Requirements"; docs/design.md §8), GTID replication with semi-sync
 * (docs/design.md D6). The file sorts after Debian's 50-server.cnf, so its bind-address wins.
 */
function mariadbConf(spec: ShopSpec, node: NodeSpec): string {
  const primary = node.roles.includes("db-primary");
  const pool = innodbBufferPoolMb(node);
  return `# Managed by the shop blueprint (host config, mariadb.ts): ${primary ? "primary" : "replica"} ${commentText(node.name)}.
[mariadbd]
bind-address = ${node.privateIp}
port = ${MARIADB_PORT}
skip-name-resolve = ON
max_connections = ${mariadbMaxConnections(spec)}

# Shopware's requirements.
max_allowed_packet = 64M
group_concat_max_len = 320000
sql_mode = STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci

# InnoDB sized from ${node.facts.memoryGb} GB RAM (components/hostconfig/sizing.ts).
innodb_buffer_pool_size = ${pool}M
innodb_log_file_size = ${Math.min(2048, Math.max(256, Math.floor(pool / 4)))}M
innodb_flush_log_at_trx_commit = 1
innodb_flush_method = O_DIRECT
innodb_file_per_table = ON
table_open_cache = 4000
tmp_table_size = 64M
max_heap_table_size = 64M

# Replication: GTID, row-based binlog on every node (a replica can be promoted as it is).
server_id = ${node.serverId}
log_bin = mariadb-bin
relay_log = mariadb-relay
binlog_format = ROW
sync_binlog = 1
binlog_expire_logs_seconds = 604800
# Shopware's blue-green migrations create triggers; with the binlog on they fail with error 1419 otherwise.
log_bin_trust_function_creators = ON
log_slave_updates = ON
gtid_strict_mode = ON
${
  primary
    ? `# Semi-sync: a commit waits until one replica has the event, or falls back to async after 10 s
# (monitoring alerts on Rpl_semi_sync_master_status=OFF).
rpl_semi_sync_master_enabled = ON
rpl_semi_sync_master_timeout = 10000
read_only = OFF`
    : `rpl_semi_sync_slave_enabled = ON
relay_log_recovery = ON
# Writes only through replication; promotion (runbook) turns this off.
read_only = ON`
}
`;
}

/** Rebuilds a replica from a hot copy of the primary at its GTID position (components/files/shop-db-reseed.sh). */
export const RESEED_TOOL = "/usr/local/sbin/shop-db-reseed";
const MARIADB_DATADIR = "/var/lib/mysql";

/** What the 60-mariadb-bootstrap hook and shop-db-reseed read; passwords stay in secrets.env. */
function dbEnv(spec: ShopSpec, node: NodeSpec): string {
  const primary = dbPrimary(spec);
  return [
    `DB_ROLE=${node.roles.includes("db-primary") ? "primary" : "replica"}`,
    "DB_SOCKET=/run/mysqld/mysqld.sock",
    // Debian's datadir; shop-db-reseed swaps it for a fresh copy of the primary.
    `DB_DATADIR=${MARIADB_DATADIR}`,
    `DB_NAME=${SHOP_DB_NAME}`,
    `DB_SHOP_USER=${SHOP_DB_USER}`,
    `DB_REPLICATION_USER=${REPLICATION_USER}`,
    `DB_PRIMARY_HOST=${primary.privateIp}`,
    `DB_PRIMARY_PORT=${MARIADB_PORT}`,
    // Space-separated private IPs: the shop user may connect from app nodes, replication from replicas.
    `DB_APP_HOSTS="${appNodes(spec).map((n) => n.privateIp).join(" ")}"`,
    `DB_REPLICA_HOSTS="${dbReplicas(spec).map((n) => n.privateIp).join(" ")}"`,
    "",
  ].join("\n");
}

export const mariadb: BundleRenderer = (spec, node) => {
  if (!node.roles.includes("db-primary") && !node.roles.includes("db-replica")) return [];
  return [
    { path: MARIADB_CONF_PATH, mode: "0644", owner: "root:root", content: mariadbConf(spec, node), restarts: ["mariadb.service"] },
    { path: DB_ENV_PATH, mode: "0644", owner: "root:root", content: dbEnv(spec, node) },
    {
      path: "/usr/local/lib/shop/apply.d/60-mariadb-bootstrap",
      mode: "0755",
      owner: "root:root",
      content: readShopFile("apply.d/60-mariadb-bootstrap"),
      // It creates the shop and replication users on the primary; a replica connects with the latter.
      secrets: ["DB_SHOP_PASSWORD", "DB_REPLICATION_PASSWORD"],
    },
    { path: RESEED_TOOL, mode: "0755", owner: "root:root", content: readShopFile("shop-db-reseed.sh") },
  ];
};
