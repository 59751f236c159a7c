import { phpFpmUnit } from "../config";
import type { NodeSpec, ShopSpec } from "../config";
import type { BundleRenderer } from "./types";
import { iniValue } from "./escape";
import { workerUnits } from "./shopware";
import { OPCACHE_MB, phpFpmMaxChildren } from "./sizing";

/** nginx's upstream (nginx.ts) and the pool's listen socket. */
export const PHP_FPM_SOCKET = "/run/php/php-fpm-shop.sock";
export const FPM_STATUS_PATH = "/fpm-status";
export const FPM_PING_PATH = "/fpm-ping";

/**
 * The pool replaces Debian's www.conf (same file), so exactly one pool runs. Sizing: sizing.ts.
 * Workers recycle after 1000 requests to bound slow leaks in extensions.
 */
/** How long a reload waits for running requests: requests queue meanwhile, so it stays short. */
export const PHP_FPM_RELOAD_GRACE_SECONDS = 10;

function pool(spec: ShopSpec, node: NodeSpec): string {
  const max = phpFpmMaxChildren(node);
  const minSpare = Math.min(max, node.facts.cores * 2);
  const maxSpare = Math.min(max, node.facts.cores * 4);
  return `; Managed by the shop blueprint. pm.max_children = ${max} from ${node.facts.memoryGb} GB RAM (formula: components/hostconfig/sizing.ts).
[shop]
user = www-data
group = www-data
listen = ${PHP_FPM_SOCKET}
listen.owner = www-data
listen.group = www-data
listen.mode = 0660
pm = dynamic
pm.max_children = ${max}
pm.start_servers = ${minSpare}
pm.min_spare_servers = ${minSpare}
pm.max_spare_servers = ${maxSpare}
pm.max_requests = 1000
pm.status_path = ${FPM_STATUS_PATH}
ping.path = ${FPM_PING_PATH}
request_terminate_timeout = ${spec.php.maxExecutionTime + 5}s
catch_workers_output = yes
decorate_workers_output = no
clear_env = no

; A reload (converge, deploy) lets running requests finish for up to this long; php-fpm's
; default of 0 kills them at once, and the visitor gets a 502 (lab scenario 40 saw one).
[global]
process_control_timeout = ${PHP_FPM_RELOAD_GRACE_SECONDS}s
`;
}

/**
 * Shopware's production settings (Shopware docs: "Performance tweaks", docs/design.md §8).
 * validate_timestamps=0: deploys reload PHP-FPM on every node to pick up new code.
 */
function phpIni(spec: ShopSpec): string {
  return `; Managed by the shop blueprint: Shopware production settings.
memory_limit = ${iniValue(spec.php.memoryLimit)}
max_execution_time = ${spec.php.maxExecutionTime}
upload_max_filesize = ${iniValue(spec.php.uploadMaxFilesize)}
post_max_size = ${iniValue(spec.php.uploadMaxFilesize)}
max_input_vars = 10000
display_errors = Off
display_startup_errors = Off
log_errors = On
expose_php = Off
date.timezone = UTC
zend.assertions = -1
realpath_cache_size = 4096K
realpath_cache_ttl = 3600
session.use_strict_mode = 1
session.cookie_httponly = 1

opcache.enable = 1
opcache.enable_cli = 0
opcache.memory_consumption = ${OPCACHE_MB}
opcache.interned_strings_buffer = 20
opcache.max_accelerated_files = 20000
opcache.validate_timestamps = 0
opcache.enable_file_override = 1
opcache.jit = off
`;
}

export const php: BundleRenderer = (spec, node) => {
  if (!node.roles.includes("app")) return [];
  const v = node.os.php;
  const fpmUnit = phpFpmUnit(node);
  return [
    { path: `/etc/php/${v}/fpm/pool.d/www.conf`, mode: "0644", owner: "root:root", content: pool(spec, node), restarts: [`reload:${fpmUnit}`] },
    { path: `/etc/php/${v}/fpm/conf.d/90-shop.ini`, mode: "0644", owner: "root:root", content: phpIni(spec), restarts: [`reload:${fpmUnit}`] },
    // The console (deploys, consumers, scheduler) runs with the same settings.
    { path: `/etc/php/${v}/cli/conf.d/90-shop.ini`, mode: "0644", owner: "root:root", content: phpIni(spec), restarts: workerUnits(node) },
  ];
};
