import assert from "node:assert/strict";
import { test } from "node:test";
import * as fs from "fs";
import * as path from "path";
import { dbPrimary } from "../../components/config";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { renderSecretsEnv } from "../../components/hostconfig/secretsEnv";
import { onThisMachinesRelease } from "../helpers/stacks";
import { freePort, startDaemon, waitFor } from "../helpers/processes";
import { requireTool, run, runAsync, tempDir } from "../helpers/tools";

type Json = Record<string, any>;

/**
 * Issue 17 item 4, Redis: the rendered shop-health of a DB node reads both real redis-server
 * instances (with requirepass) and reports memory against maxmemory and the counters that mean
 * customers were refused. The sessions instance is filled past its limit (noeviction, as the
 * rendered config sets it): the item turns to a warning and the OOM counter reaches the metrics.
 */
test("shop-health on a DB node reads both Redis instances: memory against maxmemory, and a noeviction instance at its limit counts OOM errors", async (t) => {
  for (const tool of ["/usr/bin/python3", "redis-server", "redis-cli"]) if (!requireTool(t, tool)) return;
  const dir = tempDir(t);
  // Real daemons of this machine run the rendered config: its release, whatever the demo declares.
  const spec = onThisMachinesRelease("demo");
  const node = dbPrimary(spec);
  const files = renderHostBundle(spec, node).files;
  const cfg = JSON.parse(files.find((f) => f.path === "/etc/shop/health.json")!.content) as Json;
  const script = files.find((f) => f.path === "/usr/local/sbin/shop-health")!;
  assert.ok(script.secrets!.includes("REDIS_PASSWORD"), "the Redis password is a declared secret of shop-health on a DB node");
  assert.deepEqual(cfg.redis.map((r: Json) => r.name), ["sessions", "cache"]);
  // The policies shop-health reports are the ones the rendered configs set.
  for (const r of cfg.redis) {
    const conf = files.filter((f) => f.path.startsWith("/etc/redis/")).find((f) => new RegExp(`^port ${r.port}$`, "m").test(f.content));
    assert.ok(conf, `a rendered Redis config listens on ${r.port}`);
    assert.match(conf.content, new RegExp(`^maxmemory-policy ${r.policy}$`, "m"), `${r.name}: ${conf.path}`);
  }

  const password = "redis-health-test-pw-1";
  const ports: number[] = [];
  for (const r of cfg.redis) {
    const port = await freePort();
    ports.push(port);
    // Small limits so the test can reach them; the policies as rendered.
    startDaemon(t, "redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--requirepass", password, "--maxmemory", "3mb", "--maxmemory-policy", r.policy, "--save", "", "--appendonly", "no"], path.join(dir, `${r.name}.log`));
    r.port = port;
  }
  const cli = (port: number, ...args: string[]) => run("redis-cli", ["-p", String(port), "-a", password, "--no-auth-warning", ...args]);
  for (const port of ports) await waitFor(`redis on ${port}`, () => cli(port, "ping").stdout.includes("PONG"));

  const etc = path.join(dir, "etc");
  fs.mkdirSync(etc);
  fs.writeFileSync(path.join(etc, "shop-health"), script.content);
  Object.assign(cfg, { services: [], backups: [], webhooks: [], databaseRole: null, replication: null });
  fs.writeFileSync(path.join(etc, "health.json"), JSON.stringify(cfg));
  fs.writeFileSync(path.join(etc, "secrets.env"), renderSecretsEnv({ REDIS_PASSWORD: password }));
  const env = { ...process.env, SHOP_ETC: etc, SHOP_STATE_DIR: path.join(etc, "state"), SHOP_TEXTFILE_DIR: path.join(etc, "textfile"), SHOP_HEALTH_MOUNTS: dir, SHOP_UPDATES_FILE: path.join(dir, "none.json") };
  const only = () => run("/usr/bin/python3", [path.join(etc, "shop-health"), "--only", "redis"], { env });
  const metrics = async () => {
    const r = await runAsync("/usr/bin/python3", [path.join(etc, "shop-health")], { env, timeoutMs: 60_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    return fs.readFileSync(path.join(etc, "textfile", "shop_health.prom"), "utf8");
  };

  const fresh = only();
  assert.equal(fresh.status, 0, fresh.stdout + fresh.stderr);
  assert.match(fresh.stdout, /^ok +redis:sessions: Redis sessions uses [0-9.]+% of its maxmemory \(noeviction; evicted 0, rejected connections 0, OOM errors 0 since start\)$/m);
  assert.match(fresh.stdout, /^ok +redis:cache: Redis cache uses [0-9.]+% of its maxmemory \(volatile-lru;/m);

  // Sessions past the limit: noeviction refuses the writes (what a customer's login would get).
  const value = "x".repeat(64 * 1024);
  let refused = 0;
  for (let i = 0; i < 80 && refused < 3; i++) if (/OOM/.test(cli(ports[0], "SET", `session:${i}`, value).stdout)) refused++;
  assert.equal(refused, 3, "the sessions instance refused writes at its maxmemory");
  const full = only();
  assert.equal(full.status, 1, "a warning exits 1 with --only");
  assert.match(full.stdout, /^warning +redis:sessions: Redis sessions uses [0-9.]+% of its maxmemory \(noeviction; evicted 0, rejected connections 0, OOM errors [1-9]\d* since start\)$/m);
  const prom = await metrics();
  assert.match(prom, /shop_redis_oom_errors_total\{redis="sessions"\} [1-9]/);
  assert.match(prom, /shop_redis_maxmemory_bytes\{redis="sessions"\} 3145728/);
  assert.match(prom, /shop_redis_used_memory_bytes\{redis="cache"\} \d+/);
  assert.match(prom, /^# TYPE shop_redis_oom_errors_total counter$/m);
  // ShopHealthSilent compares this with time(): %g once rounded it to 6 digits, up to 5000 s off.
  const lastRun = Number(/^shop_health_last_run_timestamp_seconds (\d+)$/m.exec(prom)?.[1]);
  assert.ok(Math.abs(lastRun - Date.now() / 1000) < 60, `last run ${lastRun} is the run's own time`);

  // A wrong password is a critical item naming the instance, not a crash that silences the rest.
  fs.writeFileSync(path.join(etc, "secrets.env"), renderSecretsEnv({ REDIS_PASSWORD: "wrong-password-1" }));
  const denied = only();
  assert.match(denied.stdout, /^critical +redis:sessions: Redis sessions \(port \d+\) unreadable: redis: WRONGPASS/m);
  assert.match(denied.stdout, /^critical +redis:cache: /m);
});
