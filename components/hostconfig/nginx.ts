import { NGINX_CLIENT_MAX_BODY_MB, type NodeSpec, type ShopSpec } from "../config";
import type { BundleRenderer } from "./types";
import { commentText, nginxString } from "./escape";
import { PHP_FPM_SOCKET } from "./php";
import { SHOP_CURRENT } from "./shopware";
import { DRAIN_FLAG, MAINTENANCE_FLAG, MAINTENANCE_PAGE_DIR } from "./release";
import { HEALTH_CHECK_PATH } from "../config/catalog";

/** The security concern writes origin lock-down snippets here; the site includes them. */
export const NGINX_SNIPPET_DIR = "/etc/nginx/shop.d";
/** Local-only status server: stub_status and the FPM pool status, for node_exporter and humans. */
export const STATUS_LISTEN = "127.0.0.1:8080";
/** The deploy's health probe of a drained node sends this header with the value "deploy". */
export const DEPLOY_PROBE_HEADER = "X-Shop-Probe";
/** Backends speak plain HTTP on the private network; the LB terminates TLS (D5). */
export const HTTP_PORT = 80;
/** The health check's path as an nginx regex, with or without a query string. */
const HEALTH_PATH_PATTERN = `${HEALTH_CHECK_PATH.replace(/\./g, "\\.")}(\\?|$)`;

/** Replaces Debian's nginx.conf: only conf.d is included, so the stock default site never loads. */
function nginxConf(node: NodeSpec): string {
  return `# Managed by the shop blueprint (host config). Tuned for a PHP backend behind the Hetzner LB.
user www-data;
worker_processes auto;
worker_rlimit_nofile 65535;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log warn;

events {
    worker_connections ${Math.max(1024, node.facts.cores * 1024)};
    multi_accept on;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    server_tokens off;
    keepalive_timeout 65s;
    # The LB keeps connections open; requests larger than this are rejected (Shopware uploads).
    client_max_body_size ${NGINX_CLIENT_MAX_BODY_MB}M;
    client_body_buffer_size 128k;
    types_hash_max_size 2048;
    server_names_hash_bucket_size 128;

    gzip on;
    gzip_comp_level 5;
    gzip_min_length 1024;
    gzip_proxied any;
    gzip_vary on;
    gzip_types text/plain text/css text/xml application/json application/javascript application/xml application/rss+xml image/svg+xml;

    # $remote_addr is the Cloudflare edge after real_ip (see the site); the visitor is in CF-Connecting-IP.
    log_format shop '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                    '"$http_referer" "$http_user_agent" cf=$http_cf_connecting_ip rt=$request_time';
    access_log /var/log/nginx/access.log shop;

    include /etc/nginx/conf.d/*.conf;
}
`;
}

/** Shopware's nginx site (Shopware docs, "nginx configuration"), adapted to the cluster layout. */
function shopSite(spec: ShopSpec, node: NodeSpec): string {
  const servedBy = `add_header X-Served-By ${nginxString(node.name)} always;`;
  return `# Managed by the shop blueprint: the Shopware site on ${commentText(node.name)}.
upstream shop_php {
    server unix:${PHP_FPM_SOCKET};
}

# Deploy gates (shop-release): the LB's health check (1) is told apart from every other request
# (0), which reaches the front controller through the same location, and from the deploy's own
# probe of a drained node (p: header ${DEPLOY_PROBE_HEADER}, passes every gate; it only reads health).
map "$http_${DEPLOY_PROBE_HEADER.toLowerCase().replace(/-/g, "_")}:$request_uri" $shop_health_check {
    "~^:${HEALTH_PATH_PATTERN}" 1;
    "~^deploy:${HEALTH_PATH_PATTERN}" p;
    default 0;
}

server {
    # Only the private network: the LB reaches us here, nftables admits only the LB (D5).
    listen ${node.privateIp}:${HTTP_PORT} default_server;
    server_name ${spec.hostnames.join(" ")};
    root ${SHOP_CURRENT}/public;
    index index.php;
    client_max_body_size ${NGINX_CLIENT_MAX_BODY_MB}M;

    # The LB is the only proxy we trust to name the client: behind Cloudflare that is the
    # Cloudflare edge, which the origin lock-down in shop.d checks.
    set_real_ip_from ${spec.network.lbPrivateIp};
    real_ip_header X-Forwarded-For;
    real_ip_recursive on;

    # Which node answered: watched during cutovers and rolling deploys.
    ${servedBy}

    include ${NGINX_SNIPPET_DIR}/*.conf;

    # Domain checks (Apple Pay, PayPal, ACME) read files under /.well-known/: served, never run.
    location ^~ /.well-known/ {
        location ~ \\.php$ {
            return 404;
        }
        try_files $uri =404;
    }

    location ~ /\\. {
        deny all;
    }

    # Uploaded or built files are never executed.
    location ~ ^/(media|thumbnail|theme|bundles|sitemap).*\\.php$ {
        deny all;
    }

    location ~ ^/(theme|media|thumbnail|bundles|css|fonts|js|recovery|sitemap)/ {
        expires 1y;
        add_header Cache-Control "public, must-revalidate, proxy-revalidate";
        ${servedBy}
        log_not_found off;
        tcp_nodelay off;
        open_file_cache max=3000 inactive=120s;
        open_file_cache_valid 45s;
        open_file_cache_min_uses 2;
        open_file_cache_errors off;
        try_files $uri /index.php$is_args$args;
    }

    location ~* ^.+\\.(?:css|cur|js|jpe?g|gif|ico|png|svg|webp|avif|woff|woff2|xml)$ {
        expires 1y;
        add_header Cache-Control "public, must-revalidate, proxy-revalidate";
        ${servedBy}
        access_log off;
        log_not_found off;
        tcp_nodelay off;
        try_files $uri /index.php$is_args$args;
    }

    location / {
        try_files $uri /index.php$is_args$args;
    }

    # Shopware has one front controller; any other .php under public/ is not executed.
    location = /index.php {
        # Drained: only the health check fails (503), so the LB takes the node out while
        # requests in flight finish. Maintenance: everything else answers 503, the health check
        # stays as it is, so the LB keeps the node and the page is served from every node.
        set $shop_gate $shop_health_check;
        if (-f ${DRAIN_FLAG}) {
            set $shop_gate "\${shop_gate}d";
        }
        if (-f ${MAINTENANCE_FLAG}) {
            set $shop_gate "\${shop_gate}m";
        }
        if ($shop_gate ~ ^1d) {
            return 503;
        }
        if ($shop_gate ~ ^0d?m$) {
            return 503;
        }
        error_page 503 @shop_maintenance;
        fastcgi_split_path_info ^(.+\\.php)(/.+)$;
        include /etc/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $realpath_root$fastcgi_script_name;
        fastcgi_param DOCUMENT_ROOT $realpath_root;
        fastcgi_param HTTP_PROXY "";
        fastcgi_buffers 8 16k;
        fastcgi_buffer_size 32k;
        fastcgi_read_timeout ${spec.php.maxExecutionTime + 10}s;
        client_body_buffer_size 128k;
        fastcgi_pass shop_php;
    }

    location ~ \\.php$ {
        return 404;
    }

    location @shop_maintenance {
        root ${MAINTENANCE_PAGE_DIR};
        ${servedBy}
        add_header Retry-After 300 always;
        add_header Cache-Control "no-store" always;
        rewrite ^ /index.html break;
    }
}

# Local only: bound to loopback and restricted again, in case the listen line is ever widened.
server {
    listen ${STATUS_LISTEN};
    server_name localhost;
    access_log off;
    allow 127.0.0.1;
    deny all;

    location = /nginx-status {
        stub_status;
    }

    location ~ ^/(fpm-status|fpm-ping)$ {
        include /etc/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $uri;
        fastcgi_pass shop_php;
    }
}
`;
}

export const nginx: BundleRenderer = (spec, node) => {
  if (!node.roles.includes("app")) return [];
  return [
    { path: "/etc/nginx/nginx.conf", mode: "0644", owner: "root:root", content: nginxConf(node), restarts: ["reload:nginx.service"] },
    { path: "/etc/nginx/conf.d/shop.conf", mode: "0644", owner: "root:root", content: shopSite(spec, node), restarts: ["reload:nginx.service"] },
  ];
};
