import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as fs from "fs";
import * as path from "path";
import { backups } from "../../components/hostconfig/backup";
import { calendarIntervalSeconds } from "../../components/config/calendar";
import { health } from "../../components/hostconfig/health";
import { SHOP_FILES_DIR } from "../../components/hostconfig/shopFiles";
import { allStacks, stackSpec } from "../helpers/stacks";
import { requireTool, run, tempDir } from "../helpers/tools";

const RULES = path.join(SHOP_FILES_DIR, "prometheus", "shop-alerts.rules.yml");

test("promtool: the alert rules load", (t) => {
  if (!requireTool(t, "promtool")) return;
  const r = run("promtool", ["check", "rules", RULES]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS: \d+ rules found/);
});

test("promtool: load, disk, backup, outside-in and undelivered-alert rules fire on the series shop-health writes", (t) => {
  if (!requireTool(t, "promtool")) return;
  const dir = tempDir(t);
  // Series named and labelled exactly as shop-health/shop-backup write them (see alerts e2e).
  const cases = `rule_files: [${JSON.stringify(RULES)}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'shop_load_per_core{instance="app-1",window="15"}'
        values: '0.5+0x10 2.5+0x30'
      - series: 'shop_threshold{instance="app-1",name="load15PerCore"}'
        values: '2+0x40'
      - series: 'shop_disk_used_ratio{instance="app-1",mount="/"}'
        values: '0.5+0x5 0.93+0x10 0.97+0x10'
      - series: 'shop_backup_age_seconds{instance="db-2",kind="db"}'
        values: '600+0x5 6000+0x5'
      - series: 'shop_backup_max_age_seconds{instance="db-2",kind="db"}'
        values: '5400+0x10'
    alert_rule_test:
      - eval_time: 20m
        alertname: ShopLoadPerCoreHigh
        exp_alerts: []
      - eval_time: 30m
        alertname: ShopLoadPerCoreHigh
        exp_alerts:
          - exp_labels: { severity: warning, instance: app-1, window: "15" }
            exp_annotations: { summary: "app-1: 15-minute load per core 2.50 above its threshold (HW-4)" }
      - eval_time: 14m
        alertname: ShopDiskFreeLow
        exp_alerts:
          - exp_labels: { severity: warning, instance: app-1, mount: / }
            exp_annotations: { summary: "app-1: less than 10% free on / (HW-5)" }
      - eval_time: 14m
        alertname: ShopDiskFreeCritical
        exp_alerts: []
      - eval_time: 20m
        alertname: ShopDiskFreeCritical
        exp_alerts:
          - exp_labels: { severity: critical, instance: app-1, mount: / }
            exp_annotations: { summary: "app-1: less than 5% free on / (HW-5)" }
      - eval_time: 4m
        alertname: ShopBackupStale
        exp_alerts: []
      - eval_time: 7m
        alertname: ShopBackupStale
        exp_alerts:
          - exp_labels: { severity: critical, instance: db-2, kind: db }
            exp_annotations: { summary: "db-2: last db backup is older than 1.5x its interval (OPS-1)" }
`;
  const outside = `rule_files: [${JSON.stringify(RULES)}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'shop_outside_in_up{instance="app-1",probe="shop"}'
        values: '1+0x3 0+0x10'
      - series: 'shop_outside_in_up{instance="app-2",probe="shop"}'
        values: '1+0x5 0+0x10'
      - series: 'shop_outside_in_up{instance="app-1",probe="health"}'
        values: '0+0x15'
      - series: 'shop_outside_in_up{instance="app-2",probe="health"}'
        values: '1+0x15'
      - series: 'shop_health_alerts_undelivered{instance="app-1"}'
        values: '0+0x3 1+0x10'
      - series: 'shop_database_writable{instance="db-1",role="out-of-service"}'
        values: '0+0x3 1+0x10'
      - series: 'shop_database_writable{instance="db-2",role="primary"}'
        values: '1+0x5 0+0x10'
      - series: 'shop_mariadb_connections{instance="db-1"}'
        values: '100+0x3 170+0x10'
      - series: 'shop_mariadb_max_connections{instance="db-1"}'
        values: '200+0x13'
      - series: 'shop_threshold{instance="db-1",name="connectionsPercent"}'
        values: '80+0x13'
      - series: 'shop_mariadb_connections_refused_total{instance="db-1"}'
        values: '0+0x5 4+0x8'
      - series: 'shop_redis_used_memory_bytes{instance="db-1",redis="sessions"}'
        values: '50+0x3 95+0x10'
      - series: 'shop_redis_maxmemory_bytes{instance="db-1",redis="sessions"}'
        values: '100+0x13'
      - series: 'shop_threshold{instance="db-1",name="memoryPercent"}'
        values: '90+0x13'
      - series: 'shop_redis_oom_errors_total{instance="db-1",redis="sessions"}'
        values: '0+0x4 7+0x9'
      - series: 'shop_redis_rejected_connections_total{instance="db-1",redis="sessions"}'
        values: '0+0x13'
      - series: 'shop_phpfpm_max_children_reached_total{instance="app-1"}'
        values: '2+0x5 3+0x8'
      - series: 'shop_messenger_messages{instance="db-1"}'
        values: '10+0x2 1200+0x10'
      - series: 'shop_threshold{instance="db-1",name="queueMessages"}'
        values: '1000+0x13'
      - series: 'shop_messenger_oldest_seconds{instance="db-1"}'
        values: '5+0x3 950+0x9'
      - series: 'shop_threshold{instance="db-1",name="queueAgeMinutes"}'
        values: '15+0x13'
      - series: 'shop_scheduled_tasks_overdue{instance="db-1"}'
        values: '0+0x6 2+0x6'
    alert_rule_test:
      - eval_time: 6m
        alertname: ShopOutsideInDown
        exp_alerts: []
      - eval_time: 8m
        alertname: ShopOutsideInDown
        exp_alerts:
          - exp_labels: { severity: critical, probe: shop }
            exp_annotations: { summary: "the shop's shop URL fails from every app node (DNS, TLS, Cloudflare or LB; HW-3)" }
      - eval_time: 7m
        alertname: ShopAlertsUndelivered
        exp_alerts: []
      - eval_time: 9m
        alertname: ShopAlertsUndelivered
        exp_alerts:
          - exp_labels: { severity: critical, instance: app-1 }
            exp_annotations: { summary: "app-1: shop-health could not deliver 1 alert(s) to a webhook" }
      - eval_time: 3m
        alertname: ShopDatabaseRoleWrong
        exp_alerts: []
      - eval_time: 4m
        alertname: ShopDatabaseRoleWrong
        exp_alerts:
          - exp_labels: { severity: critical, instance: db-1, role: out-of-service }
            exp_annotations: { summary: "db-1: MariaDB is writable although the stack makes it out-of-service (HW-1)" }
      - eval_time: 6m
        alertname: ShopDatabaseRoleWrong
        exp_alerts:
          - exp_labels: { severity: critical, instance: db-1, role: out-of-service }
            exp_annotations: { summary: "db-1: MariaDB is writable although the stack makes it out-of-service (HW-1)" }
          - exp_labels: { severity: critical, instance: db-2, role: primary }
            exp_annotations: { summary: "db-2: MariaDB is read-only although it is the primary (HW-1)" }
      - eval_time: 7m
        alertname: ShopDatabaseConnectionsHigh
        exp_alerts: []
      - eval_time: 9m
        alertname: ShopDatabaseConnectionsHigh
        exp_alerts:
          - exp_labels: { severity: warning, instance: db-1 }
            exp_annotations: { summary: "db-1: MariaDB at 85% of max_connections" }
      - eval_time: 5m
        alertname: ShopDatabaseConnectionsRefused
        exp_alerts: []
      - eval_time: 6m
        alertname: ShopDatabaseConnectionsRefused
        exp_alerts:
          - exp_labels: { severity: critical, instance: db-1 }
            exp_annotations: { summary: "db-1: MariaDB refused connections at max_connections" }
      - eval_time: 7m
        alertname: ShopRedisMemoryHigh
        exp_alerts: []
      - eval_time: 9m
        alertname: ShopRedisMemoryHigh
        exp_alerts:
          - exp_labels: { severity: warning, instance: db-1, redis: sessions }
            exp_annotations: { summary: "db-1: Redis sessions at 95% of its maxmemory" }
      - eval_time: 6m
        alertname: ShopQueueBacklog
        exp_alerts: []
      - eval_time: 8m
        alertname: ShopQueueBacklog
        exp_alerts:
          - exp_labels: { severity: warning, instance: db-1 }
            exp_annotations: { summary: "db-1: 1200 messages wait in Shopware's queue (are the consumers running?)" }
      - eval_time: 3m
        alertname: ShopQueueStale
        exp_alerts: []
      - eval_time: 4m
        alertname: ShopQueueStale
        exp_alerts:
          - exp_labels: { severity: critical, instance: db-1 }
            exp_annotations: { summary: "db-1: the oldest message in Shopware's queue waits for 950 s" }
      - eval_time: 6m
        alertname: ShopScheduledTasksOverdue
        exp_alerts: []
      - eval_time: 7m
        alertname: ShopScheduledTasksOverdue
        exp_alerts:
          - exp_labels: { severity: critical, instance: db-1 }
            exp_annotations: { summary: "db-1: 2 Shopware scheduled task(s) overdue (shop-scheduler)" }
      - eval_time: 5m
        alertname: ShopPhpFpmSaturated
        exp_alerts: []
      - eval_time: 6m
        alertname: ShopPhpFpmSaturated
        exp_alerts:
          - exp_labels: { severity: warning, instance: app-1 }
            exp_annotations: { summary: "app-1: PHP-FPM ran out of workers (pm.max_children reached)" }
      - eval_time: 4m
        alertname: ShopRedisRefusing
        exp_alerts: []
      - eval_time: 5m
        alertname: ShopRedisRefusing
        exp_alerts:
          - exp_labels: { severity: critical, instance: db-1, redis: sessions }
            exp_annotations: { summary: "db-1: Redis sessions refused commands or connections (out of memory or maxclients)" }
`;
  for (const [name, text] of [["rules.test.yml", cases], ["outside-in.test.yml", outside]]) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    const r = run("promtool", ["test", "rules", file]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  }
});

test("shop-health compiles with the host's Python 3", (t) => {
  if (!requireTool(t, "/usr/bin/python3")) return;
  const dir = tempDir(t);
  const r = run("/usr/bin/python3", ["-c", "import py_compile,sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)", path.join(SHOP_FILES_DIR, "shop-health.py"), path.join(dir, "c.pyc")]);
  assert.equal(r.status, 0, r.stderr);
});

test("freshness limits: calendarIntervalSeconds equals systemd's own longest gap between elapses", (t) => {
  if (!requireTool(t, "systemd-analyze")) return;
  const expressions = new Set(["hourly", "daily", "weekly", "*:0/15", "*-*-* 02,14:00", "Mon..Fri *-*-* 02:00:00"]);
  for (const stack of allStacks()) {
    const b = stackSpec(stack).backup;
    for (const e of [b.dbSchedule, b.filesSchedule, b.mediaSchedule, b.checkSchedule]) expressions.add(e);
  }
  for (const expr of expressions) {
    const r = run("systemd-analyze", ["calendar", "--iterations=60", expr], { env: { ...process.env, TZ: "UTC", SYSTEMD_COLORS: "0" } });
    assert.equal(r.status, 0, r.stderr);
    const elapses = [...r.stdout.matchAll(/(?:Next elapse|Iter\. #\d+): \w{3} (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})/g)].map((m) => Date.parse(`${m[1].replace(" ", "T")}Z`) / 1000);
    assert.ok(elapses.length >= 50, `${expr}: ${r.stdout}`);
    const longest = Math.max(...elapses.slice(1).map((e, i) => e - elapses[i]));
    assert.equal(calendarIntervalSeconds(expr), longest, expr);
  }
  assert.throws(() => calendarIntervalSeconds("2026-*-* 01:00"), /OnCalendar "2026-\*-\* 01:00"/);
});

for (const stack of allStacks()) {
  const spec = stackSpec(stack);
  describe(`stack ${stack}: backup and health units`, () => {
    for (const node of spec.nodes) {
      test(`${node.name}: systemd-analyze verify, no unknown keys, real ExecStart binaries`, (t) => {
        if (!requireTool(t, "systemd-analyze")) return;
        const dir = tempDir(t);
        const files = [...backups(spec, node), ...health(spec, node)].filter((f) => f.path.startsWith("/etc/systemd/system/"));
        const units: string[] = [];
        for (const f of files) {
          const name = path.basename(f.path);
          fs.writeFileSync(path.join(dir, name), f.content);
          if (!name.includes("@.")) units.push(path.join(dir, name));
        }
        // Each timer starts an instance of the template: verify those instances too.
        for (const timer of units.filter((u) => u.endsWith(".timer"))) {
          const target = /^Unit=(.+)$/m.exec(fs.readFileSync(timer, "utf8"))?.[1];
          if (target) {
            fs.copyFileSync(path.join(dir, target.replace(/@[^.]+\./, "@.")), path.join(dir, target));
            units.push(path.join(dir, target));
          }
        }
        assert.ok(units.some((u) => u.endsWith("shop-health.timer")));
        assert.ok(units.some((u) => u.endsWith("shop-backup-files.timer")));
        const r = run("systemd-analyze", ["verify", "--man=no", ...units]);
        const out = r.stdout + r.stderr;
        assert.doesNotMatch(out, /Unknown key|Unknown section|Failed to parse|bad-setting|not executable|No such file/i, out);
        assert.equal(r.status, 0, out);
      });
    }
  });
}
