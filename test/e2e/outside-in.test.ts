import assert from "node:assert/strict";
import { test } from "node:test";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { renderSecretsEnv } from "../../components/hostconfig/secretsEnv";
import { SecretString } from "../../components/config";
import { stackSpec } from "../helpers/stacks";
import { freePort, startDaemon, waitFor } from "../helpers/processes";
import { requireTool, run, runAsync, tempDir } from "../helpers/tools";
import { startWebhookSink } from "../helpers/webhookSink";

/**
 * Outside-in probes (issue 17 item 1) end to end: the rendered shop-health on two app nodes of the
 * demo stack, a real redis-server (with requirepass) holding the alerting leases, and real HTTP
 * answers: a healthy URL, an HTTPS server with a self-signed certificate (the "broken LB
 * certificate"), and a name that does not resolve (the "broken DNS record"). Only the lowest live
 * rank alerts; when its lease expires, rank 2 takes over.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test("outside-in: failures of the public path alert once from the lowest live rank, with what failed", { timeout: 120_000 }, async (t) => {
  for (const tool of ["/usr/bin/python3", "redis-server", "redis-cli", "openssl"]) if (!requireTool(t, tool)) return;
  const dir = tempDir(t);
  const spec = stackSpec("demo");
  spec.monitoring = { ...spec.monitoring, webhooks: [{ name: "ops-json", type: "generic", url: new SecretString("unused") }] };
  const apps = spec.nodes.filter((n) => n.roles.includes("app"));
  assert.ok(apps.length >= 2, "the demo stack has two app nodes");

  const password = "lease-test-password-1";
  const port = await freePort();
  startDaemon(t, "redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--requirepass", password, "--save", "", "--appendonly", "no"], path.join(dir, "redis.log"));
  await waitFor("redis", () => run("redis-cli", ["-p", String(port), "-a", password, "--no-auth-warning", "ping"]).stdout.includes("PONG"));

  const sink = await startWebhookSink(t);
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=shop.test", "-keyout", path.join(dir, "k.pem"), "-out", path.join(dir, "c.pem")], { stdio: "ignore" });
  const tls = https.createServer({ key: fs.readFileSync(path.join(dir, "k.pem")), cert: fs.readFileSync(path.join(dir, "c.pem")) }, (_q, r) => r.end("ok"));
  await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
  t.after(() => tls.close());
  const tlsUrl = `https://127.0.0.1:${(tls.address() as { port: number }).port}/`;

  const hosts = apps.slice(0, 2).map((node) => {
    const files = renderHostBundle(spec, node).files;
    const health = files.find((f) => f.path === "/etc/shop/health.json")!;
    const script = files.find((f) => f.path === "/usr/local/sbin/shop-health")!;
    assert.ok(script.secrets!.includes("REDIS_PASSWORD"), "the lease password is a declared secret of shop-health");
    const cfg = JSON.parse(health.content) as Json;
    assert.deepEqual(cfg.outsideIn.urls.map((u: Json) => u.url), [`${spec.appUrl}/`, `${spec.appUrl}/api/_info/health-check`], "rendered: the public URL and the health endpoint");
    assert.equal(cfg.outsideIn.rank, node.index);
    const etc = path.join(dir, node.name);
    fs.mkdirSync(etc);
    fs.writeFileSync(path.join(etc, "shop-health"), script.content);
    cfg.outsideIn.lease = { ...cfg.outsideIn.lease, host: "127.0.0.1", port, ttlSeconds: 2 };
    cfg.services = [];
    cfg.backups = [];
    cfg.retryDelaySeconds = 0.1;
    fs.writeFileSync(path.join(etc, "secrets.env"), renderSecretsEnv({ WEBHOOK_OPS_JSON_URL: `${sink.url}/generic`, REDIS_PASSWORD: password }));
    const env = { ...process.env, SHOP_ETC: etc, SHOP_STATE_DIR: path.join(etc, "state"), SHOP_TEXTFILE_DIR: path.join(etc, "textfile"), SHOP_HEALTH_MOUNTS: dir, SHOP_UPDATES_FILE: path.join(dir, "none.json") };
    const probes = (urls: { shop: string; health: string }) => {
      cfg.outsideIn.urls = [{ name: "shop", url: urls.shop }, { name: "health", url: urls.health }];
      fs.writeFileSync(path.join(etc, "health.json"), JSON.stringify(cfg));
    };
    const runOnce = async () => {
      const r = await runAsync("/usr/bin/python3", [path.join(etc, "shop-health")], { env, timeoutMs: 60_000 });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      return fs.readFileSync(path.join(etc, "textfile", "shop_health.prom"), "utf8");
    };
    return { node, probes, runOnce };
  });
  const alerts = () => sink.requests.filter((q) => q.path === "/generic");
  const outside = () => alerts().filter((q) => String((q.json as Json).item).startsWith("outside_in:")).map((q) => `${(q.json as Json).item} ${(q.json as Json).status}`);
  const good = { shop: `${sink.url}/shop`, health: `${sink.url}/health` };
  const broken = { shop: tlsUrl, health: "https://shop-outside-in-test.invalid/api/_info/health-check" };

  // Healthy: both ranks run, nothing is sent.
  for (const h of hosts) h.probes(good);
  for (const h of hosts) assert.match(await h.runOnce(), /shop_outside_in_up\{probe="shop"\} 1/);
  assert.deepEqual(outside(), []);

  // Broken certificate and DNS record: each node sees it, only rank 1 sends, naming what failed.
  for (const h of hosts) h.probes(broken);
  const [one, two] = hosts;
  assert.match(await one.runOnce(), /shop_outside_in_alerting 1/);
  assert.match(await two.runOnce(), /shop_outside_in_alerting 0/);
  assert.deepEqual(outside().sort(), ["outside_in:health firing", "outside_in:shop firing"]);
  const summaries = alerts().map((q) => String((q.json as Json).summary)).join("\n");
  assert.match(summaries, /TLS certificate: self[- ]signed certificate/);
  assert.match(summaries, /DNS: /);

  // Rank 1 gone (its lease expires): rank 2 takes over. What rank 1 sent is shared in Redis, so the
  // same failure is not sent a second time.
  sink.requests.length = 0;
  await new Promise((r) => setTimeout(r, 2500));
  assert.match(await two.runOnce(), /shop_outside_in_alerting 1/);
  assert.deepEqual(outside(), []);

  // Rank 1 back: it alerts again (its state already says firing: nothing new); rank 2 hands over
  // without sending a false "resolved".
  sink.requests.length = 0;
  assert.match(await one.runOnce(), /shop_outside_in_alerting 1/);
  assert.match(await two.runOnce(), /shop_outside_in_alerting 0/);
  assert.deepEqual(outside(), []);
  await new Promise((r) => setTimeout(r, 2500));
  assert.match(await two.runOnce(), /shop_outside_in_alerting 1/);

  // Fixed: the alerting node sends one resolved per probe; a second run sends nothing.
  sink.requests.length = 0;
  two.probes(good);
  await two.runOnce();
  assert.deepEqual(outside().sort(), ["outside_in:health resolved", "outside_in:shop resolved"]);
  sink.requests.length = 0;
  await two.runOnce();
  assert.deepEqual(outside(), []);

  // A failure only rank 2 saw and sent (rank 1 was away), fixed by the time rank 1 is back: rank 1
  // takes over and resolves it, once, from what rank 2 sent (shared in Redis); rank 2 adds nothing.
  await new Promise((r) => setTimeout(r, 2500));
  two.probes(broken);
  sink.requests.length = 0;
  assert.match(await two.runOnce(), /shop_outside_in_alerting 1/);
  assert.deepEqual(outside().sort(), ["outside_in:health firing", "outside_in:shop firing"]);
  sink.requests.length = 0;
  one.probes(good);
  two.probes(good);
  assert.match(await one.runOnce(), /shop_outside_in_alerting 1/);
  assert.deepEqual(outside().sort(), ["outside_in:health resolved", "outside_in:shop resolved"], "rank 1 resolves what rank 2 sent");
  sink.requests.length = 0;
  assert.match(await two.runOnce(), /shop_outside_in_alerting 0/);
  await one.runOnce();
  await new Promise((r) => setTimeout(r, 2500));
  assert.match(await two.runOnce(), /shop_outside_in_alerting 1/);
  assert.deepEqual(outside(), [], "nothing is resolved twice, whoever alerts next");
});
