import * as path from "path";
import type { NodeSpec, ShopSpec } from "../config";
import { appNodes, dbPrimary, dbReplicas, isOutOfService, liveReplicas } from "../config";
import { compareVersions } from "../config/compat";
import type { BundleRenderer } from "./types";
import { commentText } from "./escape";
import { innodbBufferPoolMb, mariadbMaxConnections } from "./sizing";
import { readShopFile } from "./shopFiles";
import { MARIADB_PORT, SHOP_DB_NAME, SHOP_DB_USER } from "./shopware";

export const MARIADB_CONF_PATH = "/etc/mysql/mariadb.conf.d/60-shop.cnf";
export const MARIADB_ROLE_PATH = "/etc/mysql/mariadb.conf.d/61-shop-role.cnf";
export const DB_ENV_PATH = "/etc/shop/db.env";
export const REPLICATION_USER = "replicator";

/**
 * MariaDB for Shopware (Shopware docs "Requirements"; docs/design.md §8), GTID replication with semi-sync
 * (docs/design.md D6). The file sorts after Debian's 50-server.cnf, so its bind-address wins.
 */
/**
 * O_DIRECT and file-per-table are MariaDB's defaults since 10.6. 10.11 gets them stated, as
 * running stacks always had them (a changed file restarts MariaDB); 11.x deprecates both
 * options (mariadbd warns on start), so there they are left to the default.
 */
function legacyInnodbOptions(node: NodeSpec): string {
  return compareVersions(node.os.mariadb, "11.0") < 0 ? "innodb_flush_method = O_DIRECT\ninnodb_file_per_table = ON\n" : "";
}

function mariadbConf(spec: ShopSpec, node: NodeSpec): string {
  const pool = innodbBufferPoolMb(node);
  // Role-free, so a failover never restarts MariaDB: the role is in roleConf.
  return `# Managed by the shop blueprint (host config, mariadb.ts): database node ${commentText(node.name)}.
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
${legacyInnodbOptions(node)}table_open_cache = 4000
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
relay_log_recovery = ON
# Semi-sync (enabled by role): a commit waits until one replica has the event, or falls back to
# async after 10 s (monitoring alerts on Rpl_semi_sync_master_status=OFF).
rpl_semi_sync_master_timeout = 10000
# The role (read_only, semi-sync) is in ${path.basename(MARIADB_ROLE_PATH)}: a failover changes only that file.
`;
}

/**
 * The node's role as MariaDB reads it at start. Every setting here is dynamic: the bootstrap hook
 * sets the same values on the running server (and promotes or demotes replication), so a
 * failover needs no MariaDB restart and a later reboot keeps the role.
 */
function roleConf(spec: ShopSpec, node: NodeSpec): string {
  const head = `# Managed by the shop blueprint (host config, mariadb.ts): the role of ${commentText(node.name)}; apply.d/60-mariadb-bootstrap sets it live.\n[mariadbd]\n`;
  if (node.roles.includes("db-primary"))
    return `${head}read_only = OFF
rpl_semi_sync_slave_enabled = OFF
${
  semiSync(spec)
    ? `# Semi-sync: no commit is acknowledged before a replica has it, so a failover loses none.
rpl_semi_sync_master_enabled = ON`
    : `# No replica in service (shop:database.outOfService): nothing to wait for until the re-seed.
rpl_semi_sync_master_enabled = OFF`
}
`;
  return `${head}# Writes only through replication; a failover promotes the replica by changing this file.
read_only = ON
rpl_semi_sync_master_enabled = OFF
rpl_semi_sync_slave_enabled = ON
${isOutOfService(spec, node) ? "# Out of service (shop:database.outOfService): re-seed it with npm run failover -- --rebuild.\n" : ""}`;
}

const semiSync = (spec: ShopSpec) => liveReplicas(spec).length > 0;

/** Rebuilds a replica from a hot copy of the primary at its GTID position (components/files/shop-db-reseed.sh). */
export const RESEED_TOOL = "/usr/local/sbin/shop-db-reseed";
/** The first series whose server brings a TLS certificate and whose replicas require TLS (MDEV-31855, MDEV-31857). */
const MARIADB_TLS_BY_DEFAULT = "11.4";
const MARIADB_DATADIR = "/var/lib/mysql";

/** What the 60-mariadb-bootstrap hook and shop-db-reseed read; passwords stay in secrets.env. */
function dbEnv(spec: ShopSpec, node: NodeSpec): string {
  const primary = dbPrimary(spec);
  return [
    `DB_ROLE=${node.roles.includes("db-primary") ? "primary" : "replica"}`,
    // The primary waits for a replica's ack only while one is in service (61-shop-role.cnf).
    `DB_SEMI_SYNC=${semiSync(spec) ? "ON" : "OFF"}`,
    "DB_SOCKET=/run/mysqld/mysqld.sock",
    // Debian's datadir; shop-db-reseed swaps it for a fresh copy of the primary.
    `DB_DATADIR=${MARIADB_DATADIR}`,
    `DB_NAME=${SHOP_DB_NAME}`,
    `DB_SHOP_USER=${SHOP_DB_USER}`,
    `DB_REPLICATION_USER=${REPLICATION_USER}`,
    `DB_PRIMARY_HOST=${primary.privateIp}`,
    `DB_PRIMARY_PORT=${MARIADB_PORT}`,
    // MariaDB 11.4+ serves TLS out of the box and its replicas require it; 10.11 serves none
    // unless configured, so a replica (of any series) connects to it in plain text (D19).
    `DB_PRIMARY_TLS=${compareVersions(primary.os.mariadb, MARIADB_TLS_BY_DEFAULT) >= 0 ? "ON" : "OFF"}`,
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
    // No restart: the bootstrap hook applies the role to the running server.
    { path: MARIADB_ROLE_PATH, mode: "0644", owner: "root:root", content: roleConf(spec, node) },
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
