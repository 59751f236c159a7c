#!/usr/bin/python3
"""shop-health: on-host checks for HW-3, HW-4, HW-5, SW-1 and OPS-1, run every minute by
shop-health.timer.

Checks load 1/5/15 per core, disk and inode use per mount, memory, services, replication
lag and semi-sync, pending security updates and reboot-required, backup age and certificate
expiry. Every figure goes to the node_exporter textfile collector. Alerts go to each
configured webhook in its own format (Slack, Teams Workflows, PagerDuty Events v2, generic
JSON), only when an item changes between ok, warning and critical, with a reminder at most
every thresholds.alertRepeatMinutes while it keeps firing. Deliveries are retried; a delivery
that still fails is tried again on the next run, because the state records what each webhook
has actually received. Every run pings monitoring.heartbeatUrl (/start, then the URL or /fail
when an alert could not be delivered), so hosts whose checks stop running are noticed from outside.

Settings: $SHOP_ETC/health.json (rendered, no secrets); webhook URLs and routing keys:
$SHOP_ETC/secrets.env. Environment overrides, for tests and one-off runs:
  SHOP_ETC                   directory of health.json and secrets.env (default /etc/shop)
  SHOP_STATE_DIR             alert state; SHOP_TEXTFILE_DIR: node_exporter textfile directory
  SHOP_BACKUP_STATE_DIR      where shop-backup writes its last-success stamps
  SHOP_HEALTH_LOADAVG_FILE   instead of /proc/loadavg; SHOP_HEALTH_MEMINFO_FILE: /proc/meminfo
  SHOP_HEALTH_MOUNTS         colon-separated mount points instead of every real filesystem
  SHOP_HEALTH_SYSTEMCTL      systemctl replacement; SHOP_HEALTH_MYSQL: mariadb client command
  SHOP_UPDATES_FILE          the updates helper's updates.json
  SHOP_REBOOT_REQUIRED_FILE  instead of /run/reboot-required

Usage: shop-health              run every check, notify, write metrics
       shop-health --only GROUP  run one check group (load, disk, memory, services, database,
                                 replication, updates, backup_age, cert, outside_in), print its items
                                 and exit 1 when one fires; no alerts, no state (the freshness check:
                                 shop-health --only backup_age)
       shop-health --report      run every check group and print the items as one JSON object, with
                                 when each item last alerted; no alerts, no state, no metrics. The
                                 readonly role may run exactly this through sudo (npm run status and
                                 npm run verify-hosts read it).
"""

import fcntl
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

REAL_FILESYSTEMS = {"ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "vfat"}
SEVERITY_RANK = {"ok": 0, "warning": 1, "critical": 2}
HTTP_TIMEOUT_SECONDS = 10
DELIVERY_ATTEMPTS = 3


def env_path(name, default):
    return os.environ.get(name) or default


def load_env_file(path):
    """KEY='value' lines as converge writes them; single quotes escaped as '\\''."""
    values = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^([A-Z_][A-Z0-9_]*)=(.*)$", line.rstrip("\n"))
                if not m:
                    continue
                raw = m.group(2)
                if raw.startswith("'") and raw.endswith("'") and len(raw) >= 2:
                    raw = raw[1:-1].replace("'\\''", "'")
                values[m.group(1)] = raw
    except FileNotFoundError:
        pass
    return values


def item(key, status, summary, value=None, threshold=None):
    return {"key": key, "status": status, "summary": summary, "value": value, "threshold": threshold}


# ---------------------------------------------------------------- checks


def check_load(cfg, metrics):
    path = env_path("SHOP_HEALTH_LOADAVG_FILE", "/proc/loadavg")
    with open(path, encoding="ascii") as f:
        fields = f.read().split()
    cores = max(1, int(cfg["cores"]))
    t = cfg["thresholds"]
    out = []
    for window, raw, limit in (("1", fields[0], t["load1PerCore"]), ("5", fields[1], t["load5PerCore"]), ("15", fields[2], t["load15PerCore"])):
        per_core = float(raw) / cores
        metrics.append(("shop_load_per_core", {"window": window}, per_core))
        status = "warning" if per_core > limit else "ok"
        out.append(item(f"load{window}", status, f"load{window} per core {per_core:.2f} (limit {limit})", round(per_core, 3), limit))
    return out


def mount_points():
    override = os.environ.get("SHOP_HEALTH_MOUNTS")
    if override:
        return [m for m in override.split(":") if m]
    seen, mounts = set(), []
    with open("/proc/mounts", encoding="utf-8") as f:
        for line in f:
            device, mount, fstype = line.split()[:3]
            if fstype in REAL_FILESYSTEMS and device not in seen:
                seen.add(device)
                mounts.append(mount.replace("\\040", " "))
    return mounts


def check_disks(cfg, metrics):
    t = cfg["thresholds"]
    out = []
    for mount in mount_points():
        st = os.statvfs(mount)
        used_blocks = st.f_blocks - st.f_bfree
        usable = used_blocks + st.f_bavail  # as df counts it: root's reserve is not available
        disk_pct = 100.0 * used_blocks / usable if usable else 0.0
        metrics.append(("shop_disk_used_ratio", {"mount": mount}, disk_pct / 100))
        metrics.append(("shop_disk_free_bytes", {"mount": mount}, st.f_bavail * st.f_frsize))
        status = "critical" if disk_pct >= t["diskCritPercent"] else "warning" if disk_pct >= t["diskWarnPercent"] else "ok"
        limit = t["diskCritPercent"] if status == "critical" else t["diskWarnPercent"]
        out.append(item(f"disk:{mount}", status, f"disk {mount} {disk_pct:.1f}% used (limit {limit}%)", round(disk_pct, 1), limit))
        if st.f_files:
            inode_pct = 100.0 * (st.f_files - st.f_ffree) / st.f_files
            metrics.append(("shop_inode_used_ratio", {"mount": mount}, inode_pct / 100))
            status = "warning" if inode_pct >= t["inodePercent"] else "ok"
            out.append(item(f"inodes:{mount}", status, f"inodes {mount} {inode_pct:.1f}% used (limit {t['inodePercent']}%)", round(inode_pct, 1), t["inodePercent"]))
    return out


def check_memory(cfg, metrics):
    info = {}
    with open(env_path("SHOP_HEALTH_MEMINFO_FILE", "/proc/meminfo"), encoding="ascii") as f:
        for line in f:
            name, rest = line.split(":", 1)
            info[name] = int(rest.split()[0]) * 1024
    pct = 100.0 * (1 - info["MemAvailable"] / info["MemTotal"])
    metrics.append(("shop_memory_used_ratio", {}, pct / 100))
    limit = cfg["thresholds"]["memoryPercent"]
    return [item("memory", "warning" if pct >= limit else "ok", f"memory {pct:.1f}% used (limit {limit}%)", round(pct, 1), limit)]


def check_services(cfg, metrics):
    systemctl = env_path("SHOP_HEALTH_SYSTEMCTL", "systemctl")
    out = []
    for service in cfg["services"]:
        unit = service["unit"]
        if service.get("ifPathExists") and not os.path.exists(service["ifPathExists"]):
            continue  # e.g. consumers before the first deploy
        r = subprocess.run([systemctl, "is-active", unit], capture_output=True, text=True, timeout=15, check=False)
        state = r.stdout.strip() or "unknown"
        metrics.append(("shop_service_up", {"service": unit}, 1 if state == "active" else 0))
        out.append(item(f"service:{unit}", "ok" if state == "active" else "critical", f"service {unit} is {state}", state, "active"))
    return out


def mysql(cfg, sql, names=False):
    """The client's output; without column names unless asked (\\G output needs them: -N drops
    the field names from every vertical row)."""
    cmd = os.environ.get("SHOP_HEALTH_MYSQL", "").split() or ["mariadb"]
    if cfg.get("mysqlDefaultsFile"):
        cmd.insert(1, f"--defaults-file={cfg['mysqlDefaultsFile']}")
    r = subprocess.run(cmd + ([] if names else ["-N"]) + ["-B", "-e", sql], capture_output=True, text=True, timeout=15, check=False)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip() or f"mariadb exit {r.returncode}")
    return r.stdout


def check_database(cfg, metrics):
    """The server's own view of its role: only the primary may be writable. A fenced former primary
    that comes back writable after a reboot (it was unreachable at the failover) is a split brain
    waiting for a write, so it is critical like a primary that cannot write."""
    role = cfg.get("databaseRole")
    if not role:
        return []
    try:
        version, read_only, gtid = mysql(cfg, "SELECT @@version, @@read_only, @@gtid_current_pos").strip().split("\t")
    except (RuntimeError, ValueError) as e:
        return [item("database", "critical", f"MariaDB unreadable: {e}")]
    writable = read_only == "0"
    metrics.append(("shop_database_writable", {"role": role}, 1 if writable else 0))
    state = f"MariaDB {version.split('-')[0]}, {role}, {'writable' if writable else 'read-only'}, GTID {gtid or 'none'}"
    if role == "primary" and not writable:
        return [item("database", "critical", f"{state}: the primary is read-only, the shop cannot write", "read-only", "writable")]
    if role != "primary" and writable:
        return [item("database", "critical", f"{state}: not the primary but writable (fence it: npm run failover -- --rebuild)", "writable", "read-only")]
    return [item("database", "ok", state, "writable" if writable else "read-only", "writable" if role == "primary" else "read-only")]


def check_connections(cfg, metrics):
    """How close MariaDB is to refusing the shop: connections against max_connections, with the
    counters Prometheus turns into rates (refused at the limit, slow queries)."""
    if not cfg.get("databaseRole"):
        return []
    names = ("Threads_connected", "Max_used_connections", "Connection_errors_max_connections", "Slow_queries")
    try:
        limit_now, slow_log = (int(v) for v in mysql(cfg, "SELECT @@max_connections, @@slow_query_log").split())
        rows = mysql(cfg, f"SHOW GLOBAL STATUS WHERE Variable_name IN ({', '.join(repr(n) for n in names)})")
        status = {k: int(v) for k, v in (line.split("\t", 1) for line in rows.splitlines() if "\t" in line)}
        connected, peak, refused, slow = (status[n] for n in names)
    except (RuntimeError, ValueError, KeyError) as e:
        return [item("connections", "critical", f"MariaDB connections unreadable: {e}")]
    metrics.append(("shop_mariadb_connections", {}, connected))
    metrics.append(("shop_mariadb_max_connections", {}, limit_now))
    metrics.append(("shop_mariadb_connections_refused_total", {}, refused))
    metrics.append(("shop_mariadb_slow_queries_total", {}, slow))
    metrics.append(("shop_mariadb_slow_query_log_enabled", {}, slow_log))
    percent = round(100 * connected / limit_now, 1)
    threshold = cfg["thresholds"]["connectionsPercent"]
    summary = f"MariaDB {connected} of {limit_now} connections ({percent}%; peak {peak}, refused at the limit {refused}, slow queries {slow} since start, slow query log {'on' if slow_log else 'off'})"
    return [item("connections", "warning" if percent >= threshold else "ok", summary, percent, threshold)]


def check_shopware(cfg, metrics):
    """The application's own backlog, read on the primary: messages waiting in Shopware's queue
    (messenger_messages: count, age of the oldest) and scheduled tasks overdue by several of their
    own intervals (the scheduler, or the consumers that run queued tasks, are not working). Times
    are UTC in both tables. Before Shopware's first install the tables do not exist: said so."""
    db = cfg.get("shopwareDatabase")
    if not db:
        return []
    t = cfg["thresholds"]
    try:
        tables = set(mysql(cfg, f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{db}'").split())
    except RuntimeError as e:
        return [item("shopware", "critical", f"Shopware's tables unreadable: {e}")]
    out = []
    if "messenger_messages" not in tables:
        out.append(item("shopware:queue", "ok", f"no messenger_messages table in {db} yet (Shopware not installed)"))
    else:
        count, oldest = mysql(cfg, f"SELECT COUNT(*), COALESCE(TIMESTAMPDIFF(SECOND, MIN(available_at), UTC_TIMESTAMP()), 0) FROM `{db}`.messenger_messages WHERE delivered_at IS NULL AND available_at <= UTC_TIMESTAMP()").split()
        count, oldest = int(count), max(0, int(oldest))
        metrics.append(("shop_messenger_messages", {}, count))
        metrics.append(("shop_messenger_oldest_seconds", {}, oldest))
        summary = f"Shopware queue: {count} messages waiting, the oldest for {oldest} s (limits {t['queueMessages']} messages, {t['queueAgeMinutes']} min)"
        status = "critical" if oldest >= 60 * t["queueAgeMinutes"] else "warning" if count >= t["queueMessages"] else "ok"
        out.append(item("shopware:queue", status, summary, count, t["queueMessages"]))
    if "scheduled_task" not in tables:
        out.append(item("shopware:scheduler", "ok", f"no scheduled_task table in {db} yet (Shopware not installed)"))
    else:
        missed = t["scheduledTaskMissedRuns"]
        rows = mysql(cfg, f"SELECT name, TIMESTAMPDIFF(SECOND, next_execution_time, UTC_TIMESTAMP()) DIV GREATEST(run_interval, 1) AS missed FROM `{db}`.scheduled_task WHERE status IN ('scheduled', 'queued') ORDER BY missed DESC")
        tasks = [(name, int(n)) for name, n in (line.split("\t") for line in rows.splitlines() if "\t" in line)]
        overdue = [(name, n) for name, n in tasks if n >= missed]
        metrics.append(("shop_scheduled_tasks_overdue", {}, len(overdue)))
        if overdue:
            name, n = overdue[0]
            out.append(item("shopware:scheduler", "critical", f"{len(overdue)} scheduled task(s) overdue by {missed} or more runs; {name} missed {n} (is shop-scheduler running on the scheduler node, and the consumers?)", len(overdue), 0))
        else:
            out.append(item("shopware:scheduler", "ok", f"{len(tasks)} scheduled tasks, none overdue by {missed} runs", 0, 0))
    return out


def check_replication(cfg, metrics):
    role = cfg.get("replication")
    if not role:
        return []
    out = []
    if role == "replica":
        out.append(replica_item(cfg, metrics))
    variable = "Rpl_semi_sync_slave_status" if role == "replica" else "Rpl_semi_sync_master_status"
    try:
        status = dict(line.split("\t", 1) for line in mysql(cfg, f"SHOW GLOBAL STATUS LIKE '{variable}'").splitlines() if "\t" in line)
    except RuntimeError as e:
        return out + [item("semisync", "critical", f"semi-sync status unreadable: {e}")]
    on = status.get(variable, "OFF").strip() == "ON"
    metrics.append(("shop_semisync_up", {"role": role}, 1 if on else 0))
    # Semi-sync silently degrades to async after rpl_semi_sync_master_timeout: say so.
    out.append(item("semisync", "ok" if on else "warning", f"semi-sync {'on' if on else 'off (replication fell back to async)'} ({role})", "ON" if on else "OFF", "ON"))
    return out


def check_php_fpm(cfg, metrics):
    """The pool's own counters: busy workers against pm.max_children, requests waiting for one,
    and how often the pool hit its limit since it started (each time, requests queued)."""
    fpm = cfg.get("phpFpm")
    if not fpm:
        return []
    try:
        with urllib.request.urlopen(fpm["statusUrl"], timeout=5) as r:
            status = json.load(r)
        active, queue, reached = int(status["active processes"]), int(status["listen queue"]), int(status["max children reached"])
        slow = int(status.get("slow requests", 0))
    except (OSError, ValueError, KeyError) as e:
        return [item("php-fpm", "critical", f"PHP-FPM status unreadable ({fpm['statusUrl']}): {e}")]
    limit = fpm["maxChildren"]
    metrics.append(("shop_phpfpm_active_processes", {}, active))
    metrics.append(("shop_phpfpm_max_children", {}, limit))
    metrics.append(("shop_phpfpm_listen_queue", {}, queue))
    metrics.append(("shop_phpfpm_max_children_reached_total", {}, reached))
    metrics.append(("shop_phpfpm_slow_requests_total", {}, slow))
    summary = f"PHP-FPM {active} of {limit} workers busy, {queue} requests waiting (limit reached {reached} times since start)"
    return [item("php-fpm", "warning" if queue > 0 or active >= limit else "ok", summary, active, limit)]


def redis_info(instance, secrets):
    """INFO of one local Redis instance as a dict (the bulk reply's `key:value` lines)."""
    with socket.create_connection(("127.0.0.1", instance["port"]), timeout=5) as sock:
        if secrets.get(instance["passwordEnv"]):
            redis_command(sock, "AUTH", secrets[instance["passwordEnv"]])
        body = redis_bulk(sock, "INFO") or ""
    return dict(line.split(":", 1) for line in body.splitlines() if ":" in line and not line.startswith("#"))


def check_redis(cfg, metrics, secrets):
    """Per Redis instance: memory against its maxmemory, and the counters that mean customers were
    refused: evicted keys, rejected connections (maxclients) and OOM errors (a noeviction
    instance at its limit refuses writes: logins and carts fail)."""
    out = []
    limit = cfg["thresholds"]["memoryPercent"]
    for instance in cfg.get("redis") or []:
        name = instance["name"]
        try:
            info = redis_info(instance, secrets)
        except (OSError, ValueError) as e:
            out.append(item(f"redis:{name}", "critical", f"Redis {name} (port {instance['port']}) unreadable: {e}"))
            continue
        used, cap = int(info["used_memory"]), int(info.get("maxmemory", "0"))
        oom = int(re.search(r"count=(\d+)", info.get("errorstat_OOM", "count=0")).group(1))
        labels = {"redis": name}
        metrics.append(("shop_redis_used_memory_bytes", labels, used))
        metrics.append(("shop_redis_maxmemory_bytes", labels, cap))
        metrics.append(("shop_redis_evicted_keys_total", labels, int(info.get("evicted_keys", "0"))))
        metrics.append(("shop_redis_rejected_connections_total", labels, int(info.get("rejected_connections", "0"))))
        metrics.append(("shop_redis_oom_errors_total", labels, oom))
        counters = f"evicted {info.get('evicted_keys', '0')}, rejected connections {info.get('rejected_connections', '0')}, OOM errors {oom} since start"
        if cap == 0:
            out.append(item(f"redis:{name}", "warning", f"Redis {name} has no maxmemory: it can take the node's RAM ({counters})", used, None))
            continue
        percent = round(100 * used / cap, 1)
        status = "warning" if percent >= limit else "ok"
        out.append(item(f"redis:{name}", status, f"Redis {name} uses {percent}% of its maxmemory ({instance['policy']}; {counters})", percent, limit))
    return out


def replica_item(cfg, metrics):
    try:
        rows = mysql_vertical(cfg, "SHOW REPLICA STATUS")
    except RuntimeError as e:
        return item("replication", "critical", f"replication status unreadable: {e}")
    if not rows:
        return item("replication", "critical", "this replica has no replication configured")
    row = rows[0]
    running = row.get("Slave_IO_Running") == "Yes" and row.get("Slave_SQL_Running") == "Yes"
    lag = row.get("Seconds_Behind_Master")
    known = lag not in (None, "NULL", "")
    limit = cfg["thresholds"]["replicationLagSeconds"]
    metrics.append(("shop_replication_running", {}, 1 if running else 0))
    if known:
        metrics.append(("shop_replication_lag_seconds", {}, int(lag)))
    if not running:
        return item("replication", "critical", f"replication stopped (IO {row.get('Slave_IO_Running')}, SQL {row.get('Slave_SQL_Running')}) {row.get('Last_Error', '')}".strip())
    if not known or int(lag) > limit:
        return item("replication", "warning", f"replication lag {lag} s (limit {limit} s)", lag, limit)
    return item("replication", "ok", f"replication lag {lag} s", int(lag), limit)


def mysql_vertical(cfg, sql):
    """Rows of a statement as dicts, from the client's vertical (\\G) output."""
    rows, row = [], None
    for line in mysql(cfg, sql + "\\G", names=True).splitlines():
        if line.startswith("*****"):
            row = {}
            rows.append(row)
        elif row is not None and ":" in line:
            k, v = line.split(":", 1)
            row[k.strip()] = v.strip()
    return rows


def check_updates(cfg, metrics):
    out = []
    path = env_path("SHOP_UPDATES_FILE", cfg["updatesFile"])
    try:
        with open(path, encoding="utf-8") as f:
            updates = json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        updates = None
    metrics.append(("shop_updates_info_present", {}, 0 if updates is None else 1))
    if updates is not None:
        pending = int(updates.get("securityPending", 0))
        metrics.append(("shop_updates_pending", {"origin": "security"}, pending))
        out.append(item("security_updates", "warning" if pending > 0 else "ok", f"{pending} security update(s) pending", pending, 0))
    reboot = os.path.exists(env_path("SHOP_REBOOT_REQUIRED_FILE", "/run/reboot-required")) or bool(updates and updates.get("rebootRequired"))
    metrics.append(("shop_reboot_required", {}, 1 if reboot else 0))
    out.append(item("reboot_required", "warning" if reboot else "ok", "a reboot is required" if reboot else "no reboot required", reboot, False))
    return out


def check_backups(cfg, metrics, now):
    state_dir = env_path("SHOP_BACKUP_STATE_DIR", cfg["backupStateDir"])
    out = []
    for backup in cfg["backups"]:
        kind, max_age = backup["kind"], backup["maxAgeSeconds"]
        since, what = None, "last success"
        for name, label in ((f"last-success-{kind}", "last success"), (f"enabled-{kind}", "enabled, never succeeded")):
            try:
                with open(os.path.join(state_dir, name), encoding="ascii") as f:
                    since, what = int(f.read().strip()), label
                break
            except (FileNotFoundError, ValueError):
                continue
        if since is None:
            out.append(item(f"backup_age:{kind}", "critical", f"backup {kind}: no successful run recorded", None, max_age))
            continue
        age = max(0, now - since)
        metrics.append(("shop_backup_age_seconds", {"kind": kind}, age))
        metrics.append(("shop_backup_max_age_seconds", {"kind": kind}, max_age))
        status = "critical" if age > max_age else "ok"
        out.append(item(f"backup_age:{kind}", status, f"backup {kind}: {what} {age // 60} min ago (limit {max_age // 60} min)", age, max_age))
    return out


def check_certs(cfg, metrics, now):
    out = []
    limit_days = cfg["thresholds"]["certExpiryDays"]
    for path in cfg.get("certFiles", []):
        r = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-in", path], capture_output=True, text=True, timeout=15, check=False)
        if r.returncode != 0:
            out.append(item(f"cert:{path}", "critical", f"certificate {path} unreadable"))
            continue
        not_after = datetime.strptime(r.stdout.strip().split("=", 1)[1], "%b %d %H:%M:%S %Y %Z").replace(tzinfo=timezone.utc).timestamp()
        days = (not_after - now) / 86400
        metrics.append(("shop_cert_expiry_timestamp_seconds", {"path": path}, int(not_after)))
        status = "critical" if days < 0 else "warning" if days < limit_days else "ok"
        out.append(item(f"cert:{path}", status, f"certificate {path} expires in {days:.0f} days (limit {limit_days})", round(days, 1), limit_days))
    return out


def fetch_failure(url):
    """None when the URL answers 2xx/3xx within the timeout, else what failed on the way."""
    req = urllib.request.Request(url, headers={"User-Agent": "shop-health outside-in"})
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT_SECONDS, context=ssl.create_default_context()) as r:
            return None if r.status < 400 else f"HTTP {r.status}"
    except urllib.error.HTTPError as e:
        return f"HTTP {e.code}"
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, ssl.SSLCertVerificationError):
            return f"TLS certificate: {reason.verify_message}"
        if isinstance(reason, ssl.SSLError):
            return f"TLS: {reason.reason or reason}"
        if isinstance(reason, socket.gaierror):
            return f"DNS: {reason.strerror}"
        return f"connection: {reason}"
    except (OSError, ValueError) as e:  # timeouts, resets, malformed answers
        return f"connection: {e}"


def check_outside_in(cfg, metrics):
    """The customer's path (DNS, TLS, Cloudflare, LB, a node): the public URL and the health endpoint."""
    out = cfg.get("outsideIn")
    if not out:
        return []
    items = []
    for probe in out["urls"]:
        failure = fetch_failure(probe["url"])
        metrics.append(("shop_outside_in_up", {"probe": probe["name"]}, 0 if failure else 1))
        summary = f"{probe['url']} from {cfg['host']}: {failure}" if failure else f"{probe['url']} answers"
        items.append(item(f"outside_in:{probe['name']}", "critical" if failure else "ok", summary))
    return items


def resp_request(*args):
    """A command in Redis's wire format (RESP): an array of bulk strings."""
    return f"*{len(args)}\r\n".encode() + b"".join(f"${len(a.encode())}\r\n{a}\r\n".encode() for a in args)


def redis_command(sock, *args):
    """One RESP command; the reply's first line (enough for AUTH, SELECT, SET, EXISTS)."""
    sock.sendall(resp_request(*args))
    reply = sock.makefile("rb").readline().decode().strip()
    if reply.startswith("-"):
        raise OSError(f"redis: {reply[1:]}")
    return reply


def redis_bulk(sock, *args):
    """One RESP command whose reply is a bulk string: its text, or None for a missing key."""
    reader = sock.makefile("rb")
    sock.sendall(resp_request(*args))
    head = reader.readline().decode().strip()
    if head.startswith("-") or not head.startswith("$"):
        raise OSError(f"redis: {head.lstrip('-')}")
    return None if head == "$-1" else reader.read(int(head[1:]) + 2)[:-2].decode()


def lease_connection(cfg, secrets):
    """A socket on the shared Redis of the outside-in leases, authenticated, on their database."""
    lease = cfg["outsideIn"]["lease"]
    sock = socket.create_connection((lease["host"], lease["port"]), timeout=5)
    try:
        if secrets.get(lease["passwordEnv"]):
            redis_command(sock, "AUTH", secrets[lease["passwordEnv"]])
        redis_command(sock, "SELECT", str(lease["db"]))
    except OSError:
        sock.close()
        raise
    return sock


# What the alerting node last sent per outside-in item and webhook, shared in the leases' Redis:
# after a handover the new alerting node knows what its predecessor sent, so a failure sent by
# rank 2 while rank 1 was away is resolved by rank 1, once, and is never resolved twice.
SHARED_SENT_KEY = "shop:outside-in:sent"


def adopt_shared_sent(cfg, secrets, state, now):
    try:
        with lease_connection(cfg, secrets) as sock:
            shared = json.loads(redis_bulk(sock, "GET", SHARED_SENT_KEY) or "{}")
    except (OSError, ValueError) as e:
        print(f"shop-health: outside-in shared state: {e}; this node's own state stands", file=sys.stderr)
        return
    for key, sent in shared.items():
        if key.startswith("outside_in:") and isinstance(sent, dict):
            state.setdefault(key, {"status": "ok", "since": now, "sent": {}, "group": "outside_in"})["sent"] = sent


def publish_shared_sent(cfg, secrets, state):
    shared = {key: record["sent"] for key, record in state.items() if record.get("group") == "outside_in"}
    try:
        with lease_connection(cfg, secrets) as sock:
            redis_command(sock, "SET", SHARED_SENT_KEY, json.dumps(shared, sort_keys=True))
    except OSError as e:
        print(f"shop-health: outside-in shared state: {e}", file=sys.stderr)


def outside_in_alerting(cfg, secrets):
    """Exactly one app node alerts outside-in failures: the lowest rank alive. Each node renews
    its lease in the shared Redis every run; a node alerts when no lower rank holds one. When Redis
    cannot be reached, rank 1 alerts (the others would only repeat it)."""
    out = cfg.get("outsideIn")
    if not out:
        return False
    lease = out["lease"]
    try:
        with lease_connection(cfg, secrets) as sock:
            redis_command(sock, "SET", f"shop:outside-in:alive:{out['rank']}", cfg["host"], "EX", str(lease["ttlSeconds"]))
            return all(redis_command(sock, "EXISTS", f"shop:outside-in:alive:{r}") == ":0" for r in range(1, out["rank"]))
    except OSError as e:
        print(f"shop-health: outside-in lease: {e}; rank 1 alerts", file=sys.stderr)
        return out["rank"] == 1


def run_checks(cfg, metrics, now, secrets, only=None):
    """Runs every check group (or those whose name starts with `only`); items in one list."""
    groups = {
        "load": lambda: check_load(cfg, metrics),
        "disk": lambda: check_disks(cfg, metrics),
        "memory": lambda: check_memory(cfg, metrics),
        "services": lambda: check_services(cfg, metrics),
        "database": lambda: check_database(cfg, metrics),
        "replication": lambda: check_replication(cfg, metrics),
        "redis": lambda: check_redis(cfg, metrics, secrets),
        "php": lambda: check_php_fpm(cfg, metrics),
        "connections": lambda: check_connections(cfg, metrics),
        "shopware": lambda: check_shopware(cfg, metrics),
        "updates": lambda: check_updates(cfg, metrics),
        "backup_age": lambda: check_backups(cfg, metrics, now),
        "cert": lambda: check_certs(cfg, metrics, now),
        "outside_in": lambda: check_outside_in(cfg, metrics),
    }
    items = []
    for name, check in groups.items():
        if only is not None and not name.startswith(only):
            continue
        try:
            items.extend(dict(it, group=name) for it in check())
        except Exception as e:  # one broken probe must not silence the others: it alerts itself
            print(f"shop-health: check {name} failed: {e}", file=sys.stderr)
            metrics.append(("shop_health_check_errors", {"check": name}, 1))
            items.append(item(f"check:{name}", "warning", f"check {name} failed: {e}") | {"group": "check-errors", "failedGroup": name})
    return items


# ---------------------------------------------------------------- webhooks


def payload_for(hook, secrets, alert, cfg):
    firing = alert["status"] != "ok"
    state = "RESOLVED" if not firing else alert["status"].upper()
    title = f"[{state}] {cfg['host']}: {alert['summary']}"
    facts = [("Host", cfg["host"]), ("Stack", cfg["stack"]), ("Item", alert["key"]), ("Since", alert["since"])]
    if hook["type"] == "slack":
        return {
            "text": title,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": f"*{state}* `{alert['key']}` on *{cfg['host']}*\n{alert['summary']}"}},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(f"{k}: {v}" for k, v in facts)}]},
            ],
        }
    if hook["type"] == "teams":
        card = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [
                {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True, "color": "Attention" if firing else "Good"},
                {"type": "FactSet", "facts": [{"title": k, "value": str(v)} for k, v in facts]},
            ],
        }
        return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}
    if hook["type"] == "pagerduty":
        return {
            "routing_key": secrets.get(hook["routingKeyEnv"], ""),
            "event_action": "trigger" if firing else "resolve",
            "dedup_key": f"{cfg['stack']}/{cfg['host']}/{alert['key']}",
            "payload": {
                "summary": title[:1024],
                "severity": "critical" if alert["status"] == "critical" else "warning" if firing else "info",
                "source": cfg["host"],
                "component": alert["key"].split(":", 1)[0],
                "group": cfg["stack"],
                "custom_details": {"value": alert["value"], "threshold": alert["threshold"], "customer": cfg["customer"]},
            },
        }
    return {
        "status": "resolved" if not firing else "firing",
        "severity": alert["status"],
        "item": alert["key"],
        "summary": alert["summary"],
        "value": alert["value"],
        "threshold": alert["threshold"],
        "host": cfg["host"],
        "stack": cfg["stack"],
        "customer": cfg["customer"],
        "since": alert["since"],
    }


def deliver(url, body, retry_delay):
    """POST JSON with retries on network errors, 429 and 5xx. The URL is a secret: never printed."""
    data = json.dumps(body).encode()
    for attempt in range(1, DELIVERY_ATTEMPTS + 1):
        req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json", "User-Agent": "shop-health"})
        try:
            with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT_SECONDS) as resp:
                if 200 <= resp.status < 300:
                    return True
        except urllib.error.HTTPError as e:
            if e.code != 429 and e.code < 500:
                print(f"shop-health: webhook refused the alert (HTTP {e.code})", file=sys.stderr)
                return False
        except (urllib.error.URLError, OSError):
            pass
        if attempt < DELIVERY_ATTEMPTS:
            time.sleep(retry_delay * attempt)
    print("shop-health: webhook unreachable after retries; will retry next run", file=sys.stderr)
    return False


def heartbeat(url, suffix, body):
    """Dead-man's switch (monitoring.heartbeatUrl, healthchecks.io-style): /start when a run
    begins, the bare URL when it ends well, /fail when an alert could not be delivered or the
    run broke. When every host is gone the pings stop and the heartbeat service alerts."""
    if not url:
        return
    req = urllib.request.Request(url.rstrip("/") + suffix, data=body.encode(), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT_SECONDS):
            pass
    except (urllib.error.URLError, OSError):
        print(f"shop-health: heartbeat ping {suffix or '(success)'} failed", file=sys.stderr)


def notify(cfg, secrets, items, state, now, held=()):
    """Sends what each webhook has not yet received: a changed status, or a due reminder.
    Groups in `held` are not this node's to send this run: their last state stands."""
    repeat = cfg["thresholds"]["alertRepeatMinutes"] * 60
    sent_count, undelivered = 0, 0
    for hook in cfg["webhooks"]:
        if not secrets.get(hook["urlEnv"]):
            print(f"shop-health: webhook {hook['name']}: {hook['urlEnv']} is not in secrets.env", file=sys.stderr)
    # An item that is no longer checked (a service or mount removed by converge) resolves once,
    # unless its check group failed this run: then its last state stands.
    current = {it["key"] for it in items}
    failed = {it["failedGroup"] for it in items if "failedGroup" in it} | set(held)
    for key, record in list(state.items()):
        if key not in current and record.get("group") not in failed:
            if all(sent["status"] == "ok" for sent in record["sent"].values()):
                del state[key]
            else:
                items = items + [item(key, "ok", f"{key} is no longer checked") | {"group": record.get("group")}]
    for it in items:
        record = state.setdefault(it["key"], {"status": "ok", "since": now, "sent": {}})
        record["group"] = it.get("group")
        if record["status"] != it["status"]:
            record["status"], record["since"] = it["status"], now
        alert = dict(it, since=datetime.fromtimestamp(record["since"], timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        for hook in cfg["webhooks"]:
            url = secrets.get(hook["urlEnv"])
            if not url:
                continue
            last = record["sent"].get(hook["name"])
            last_status = last["status"] if last else "ok"
            changed = last_status != it["status"]
            reminder = it["status"] != "ok" and last is not None and not changed and now - last["at"] >= repeat
            if not changed and not reminder:
                continue
            if deliver(url, payload_for(hook, secrets, alert, cfg), cfg.get("retryDelaySeconds", 2)):
                record["sent"][hook["name"]] = {"status": it["status"], "at": now}
                sent_count += 1
            else:
                undelivered += 1
    return sent_count, undelivered


# ---------------------------------------------------------------- output


def write_atomic(path, text, mode):
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def prom_labels(labels):
    return "{" + ",".join(f'{k}="{str(v).replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"' for k, v in sorted(labels.items())) + "}" if labels else ""


def render_metrics(cfg, metrics, items, now):
    for name, limit in sorted(cfg["thresholds"].items()):
        metrics.append(("shop_threshold", {"name": name}, limit))
    for it in items:
        metrics.append(("shop_health_item_status", {"item": it["key"]}, SEVERITY_RANK[it["status"]]))
    metrics.append(("shop_health_last_run_timestamp_seconds", {}, now))
    lines, typed = [], set()
    for name, labels, value in metrics:
        if name not in typed:
            typed.add(name)
            lines.append(f"# TYPE {name} {'counter' if name.endswith('_total') else 'gauge'}")
        # Integers exactly: %g keeps 6 digits, which rounds a Unix time by minutes and a counter's steps away.
        shown = str(value) if isinstance(value, int) and not isinstance(value, bool) else f"{float(value):g}"
        lines.append(f"{name}{prom_labels(labels)} {shown}")
    return "\n".join(lines) + "\n"


def report(cfg, items, now):
    """Items with when each last alerted, from the state file (read, never written)."""
    try:
        with open(os.path.join(env_path("SHOP_STATE_DIR", cfg["stateDir"]), "state.json"), encoding="utf-8") as f:
            state = json.load(f)
    except (FileNotFoundError, PermissionError, json.JSONDecodeError):
        state = {}
    last = {}
    for key, record in state.items():
        sent = [s for s in record.get("sent", {}).values() if s.get("status") != "ok"]
        if sent:
            newest = max(sent, key=lambda s: s["at"])
            last[key] = {"status": newest["status"], "at": newest["at"]}
    return {
        "host": cfg["host"],
        "stack": cfg["stack"],
        "at": now,
        "thresholds": cfg["thresholds"],
        "items": [dict(it, lastAlert=last.get(it["key"])) for it in items],
    }


def main(argv):
    etc = env_path("SHOP_ETC", "/etc/shop")
    with open(os.path.join(etc, "health.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    only = argv[argv.index("--only") + 1] if "--only" in argv else None
    now = int(time.time())
    metrics = []
    secrets = load_env_file(os.path.join(etc, "secrets.env"))
    if "--report" in argv:
        print(json.dumps(report(cfg, run_checks(cfg, metrics, now, secrets), now), sort_keys=True))
        return 0
    if only is not None:
        items = run_checks(cfg, metrics, now, secrets, only)
        for it in items:
            print(f"{it['status']:8} {it['key']}: {it['summary']}")
        return 1 if any(it["status"] != "ok" for it in items) else 0

    beat = secrets.get("MONITORING_HEARTBEAT_URL")
    heartbeat(beat, "/start", cfg["host"])
    try:
        items = run_checks(cfg, metrics, now, secrets, only)
        alerting = outside_in_alerting(cfg, secrets)
        if cfg.get("outsideIn"):
            metrics.append(("shop_outside_in_alerting", {}, 1 if alerting else 0))
        # Outside-in items are the same failure seen from every app node: only one node sends them.
        notified = [it for it in items if alerting or it.get("group") != "outside_in"]
        state_dir = env_path("SHOP_STATE_DIR", cfg["stateDir"])
        os.makedirs(state_dir, mode=0o700, exist_ok=True)
        with open(os.path.join(state_dir, "lock"), "w", encoding="ascii") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one run at a time: no double alerts
            state_file = os.path.join(state_dir, "state.json")
            try:
                with open(state_file, encoding="utf-8") as f:
                    state = json.load(f)
            except (FileNotFoundError, json.JSONDecodeError):
                state = {}
            if alerting:
                adopt_shared_sent(cfg, secrets, state, now)
            sent, undelivered = notify(cfg, secrets, notified, state, now, () if alerting else ("outside_in",))
            if alerting:
                publish_shared_sent(cfg, secrets, state)
            write_atomic(state_file, json.dumps(state, indent=1, sort_keys=True), 0o600)
        metrics.append(("shop_health_alerts_sent", {}, sent))
        metrics.append(("shop_health_alerts_undelivered", {}, undelivered))
        textfile_dir = env_path("SHOP_TEXTFILE_DIR", cfg["textfileDir"])
        write_atomic(os.path.join(textfile_dir, "shop_health.prom"), render_metrics(cfg, metrics, items, now), 0o644)
    except Exception as e:
        heartbeat(beat, "/fail", f"{cfg['host']}: shop-health broke: {type(e).__name__}")
        raise
    firing = [it for it in items if it["status"] != "ok"]
    summary = f"{len(items)} items, {len(firing)} firing, {sent} alert(s) sent, {undelivered} undelivered"
    heartbeat(beat, "/fail" if undelivered else "", f"{cfg['host']}: {summary}")
    print(f"shop-health: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
