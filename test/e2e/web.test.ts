import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { DEPLOY_PROBE_HEADER, HTTP_PORT, STATUS_LISTEN } from "../../components/hostconfig/nginx";
import { DRAIN_FLAG, MAINTENANCE_FLAG } from "../../components/hostconfig/release";
import { PHP_FPM_RELOAD_GRACE_SECONDS } from "../../components/hostconfig/php";
import { appNodes } from "../../components/config";
import { materialize, phpFpmTestConf, phpIniEnv, rerootNginx } from "../helpers/hostBundle";
import { freePort, startDaemon, waitFor } from "../helpers/processes";
import { onThisMachinesRelease } from "../helpers/stacks";
import { requireTool, run, runAsync, tempDir } from "../helpers/tools";

// Real php-fpm and nginx of this machine serve the rendered config.
const spec = onThisMachinesRelease("demo");
const node = appNodes(spec)[0];

/** Shopware's front controller, reduced to the health check (200, empty body) and a 404. */
const STAND_IN_INDEX = `<?php
header('X-Front-Controller: stand-in');
if (parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) === '/api/_info/health-check') {
    http_response_code(200);
    return;
}
http_response_code(404);
echo 'no route';
`;

function curl(url: string, headers: string[] = []): { status: number; headers: string; body: string } {
  const r = run("curl", ["-sS", "--max-time", "10", "-D", "-", ...headers.flatMap((h) => ["-H", h]), url]);
  assert.equal(r.status, 0, r.stderr);
  const [head, ...rest] = r.stdout.split("\r\n\r\n");
  return { status: Number(/^HTTP\/\S+ (\d{3})/.exec(head)?.[1]), headers: head, body: rest.join("\r\n\r\n") };
}

test("nginx + php-fpm from the rendered app config serve the health check and refuse PHP under media", async (t) => {
  const fpmBin = `php-fpm${spec.os.php}`;
  if (!requireTool(t, "nginx") || !requireTool(t, fpmBin) || !requireTool(t, "curl")) return;
  if (process.getuid?.() !== 0) return t.skip("needs root: the rendered configs run workers as www-data");

  const work = tempDir(t);
  fs.chmodSync(work, 0o755); // www-data workers traverse into the release
  const root = materialize(renderHostBundle(spec, node), work);

  // A release in the rendered layout: releases/<id>/public, `current` pointing at it.
  const release = path.join(root, "var/www/shop/releases/20261122-1");
  fs.mkdirSync(path.join(release, "public/media"), { recursive: true });
  // ?sleep=N: a request that is still running when php-fpm reloads.
  fs.writeFileSync(path.join(release, "public/index.php"), STAND_IN_INDEX.replace(/^<\?php\n/, "<?php\nif (isset($_GET['sleep'])) { sleep((int) $_GET['sleep']); exit('slept'); }\n"));
  fs.writeFileSync(path.join(release, "public/media/evil.php"), "<?php echo 'EXECUTED';\n");
  fs.writeFileSync(path.join(release, "public/stray.php"), "<?php echo 'EXECUTED';\n");
  fs.writeFileSync(path.join(release, "public/media/logo.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>\n");
  fs.mkdirSync(path.join(release, "public/.well-known"));
  fs.writeFileSync(path.join(release, "public/.well-known/apple-developer-merchantid-domain-association"), "merchant-id-proof\n");
  fs.writeFileSync(path.join(release, "public/.well-known/x.php"), "<?php echo 'EXECUTED';\n");
  fs.writeFileSync(path.join(release, "public/.env"), "APP_SECRET=leak\n");
  fs.symlinkSync(release, path.join(root, "var/www/shop/current"));

  // Test rewrites: host paths into the temp root, loopback and free ports for the two listen
  // lines, and the test client playing the LB for real_ip. Everything else is as rendered.
  const port = await freePort();
  const statusPort = await freePort();
  const conf = rerootNginx(root, [
    [`listen ${node.privateIp}:${HTTP_PORT} `, `listen 127.0.0.1:${port} `],
    [`listen ${STATUS_LISTEN};`, `listen 127.0.0.1:${statusPort};`],
    [`set_real_ip_from ${spec.network.lbPrivateIp};`, "set_real_ip_from 127.0.0.1;"],
  ]);
  const pool = path.join(root, `etc/php/${spec.os.php}/fpm/pool.d/www.conf`);
  fs.writeFileSync(pool, fs.readFileSync(pool, "utf8").replaceAll("/run/", `${root}/run/`));

  const fpmConf = phpFpmTestConf(root, spec.os.php);
  startDaemon(t, fpmBin, ["-F", "-y", fpmConf], path.join(work, "php-fpm.out"), phpIniEnv(root, spec.os.php, "fpm"));
  await waitFor("the php-fpm socket", () => fs.existsSync(path.join(root, "run/php/php-fpm-shop.sock")), 20_000);
  startDaemon(t, "nginx", ["-p", root, "-c", conf, "-e", "stderr", "-g", "daemon off;"], path.join(work, "nginx.out"));
  await waitFor("nginx", () => run("curl", ["-s", "-o", "/dev/null", `http://127.0.0.1:${port}/`]).status === 0, 20_000);

  const health = curl(`http://127.0.0.1:${port}/api/_info/health-check`);
  assert.equal(health.status, 200, health.headers + health.body);
  assert.equal(health.body, "");
  assert.match(health.headers, /X-Front-Controller: stand-in/i, "PHP must have run the front controller");
  assert.match(health.headers, new RegExp(`X-Served-By: ${node.name}`, "i"));

  const evil = curl(`http://127.0.0.1:${port}/media/evil.php`);
  assert.equal(evil.status, 403);
  assert.doesNotMatch(evil.body, /EXECUTED/);
  const stray = curl(`http://127.0.0.1:${port}/stray.php`);
  assert.equal(stray.status, 404);
  assert.doesNotMatch(stray.body, /EXECUTED/);

  // Domain checks (Apple Pay, PayPal) read /.well-known; other dot files stay hidden.
  const wellKnown = curl(`http://127.0.0.1:${port}/.well-known/apple-developer-merchantid-domain-association`);
  assert.equal(wellKnown.status, 200, wellKnown.headers);
  assert.equal(wellKnown.body, "merchant-id-proof\n");
  const wellKnownPhp = curl(`http://127.0.0.1:${port}/.well-known/x.php`);
  assert.equal(wellKnownPhp.status, 404);
  assert.doesNotMatch(wellKnownPhp.body, /EXECUTED|<\?php/);
  assert.equal(curl(`http://127.0.0.1:${port}/.env`).status, 403);

  const asset = curl(`http://127.0.0.1:${port}/media/logo.svg`);
  assert.equal(asset.status, 200);
  assert.match(asset.headers, /Cache-Control: max-age=31536000/i);
  assert.match(asset.headers, new RegExp(`X-Served-By: ${node.name}`, "i"));

  // real_ip from the LB feeds the origin lock-down: a forwarded Cloudflare edge passes, anyone else not.
  assert.equal(curl(`http://127.0.0.1:${port}/api/_info/health-check`, ["X-Forwarded-For: 173.245.48.7"]).status, 200);
  assert.equal(curl(`http://127.0.0.1:${port}/api/_info/health-check`, ["X-Forwarded-For: 198.51.100.77"]).status, 403);

  // Deploy gates (shop-release): drained, only the health check fails; in maintenance, every
  // other dynamic request gets the maintenance page and the health check stays 200.
  const drainFlag = path.join(root, DRAIN_FLAG);
  fs.mkdirSync(path.dirname(drainFlag), { recursive: true });
  fs.writeFileSync(drainFlag, "");
  assert.equal(curl(`http://127.0.0.1:${port}/api/_info/health-check`).status, 503, "drained");
  assert.equal(curl(`http://127.0.0.1:${port}/some/page`).status, 404, "drained: requests still reach PHP");
  const probe = `${DEPLOY_PROBE_HEADER}: deploy`;
  assert.equal(curl(`http://127.0.0.1:${port}/api/_info/health-check`, [probe]).status, 200, "the deploy's probe sees the drained node's health");
  fs.rmSync(drainFlag);
  assert.equal(curl(`http://127.0.0.1:${port}/api/_info/health-check`).status, 200, "undrained");
  fs.writeFileSync(path.join(root, MAINTENANCE_FLAG), "");
  const maintenance = curl(`http://127.0.0.1:${port}/some/page`);
  assert.equal(maintenance.status, 503);
  assert.match(maintenance.body, /Maintenance \/ Wartung/);
  assert.match(maintenance.headers, /Retry-After: 300/i);
  assert.match(maintenance.headers, new RegExp(`X-Served-By: ${node.name}`, "i"));
  assert.equal(curl(`http://127.0.0.1:${port}/`).status, 503, "the home page too");
  assert.equal(curl(`http://127.0.0.1:${port}/api/_info/health-check`).status, 200, "the LB keeps the node in maintenance");
  assert.equal(curl(`http://127.0.0.1:${port}/media/logo.svg`).status, 200, "static files still serve the page's assets");
  fs.writeFileSync(drainFlag, "");
  assert.equal(curl(`http://127.0.0.1:${port}/api/_info/health-check`).status, 503, "drained in maintenance");
  assert.equal(curl(`http://127.0.0.1:${port}/api/_info/health-check`, [probe]).status, 200, "the deploy's probe in maintenance");
  assert.equal(curl(`http://127.0.0.1:${port}/some/page`, [probe]).status, 503, "the probe header opens nothing but the health check");
  fs.rmSync(drainFlag);
  fs.rmSync(path.join(root, MAINTENANCE_FLAG));
  assert.equal(curl(`http://127.0.0.1:${port}/some/page`).status, 404, "maintenance off");

  // A reload (every converge and deploy sends one) lets the running request finish: 200, not 502.
  const effective = run(fpmBin, ["-tt", "-y", fpmConf], { env: phpIniEnv(root, spec.os.php, "fpm") });
  assert.match(effective.stdout + effective.stderr, new RegExp(`process_control_timeout = ${PHP_FPM_RELOAD_GRACE_SECONDS}s`));
  const slow = runAsync("curl", ["-sS", "--max-time", "20", "-o", "-", "-w", "|%{http_code}", `http://127.0.0.1:${port}/?sleep=3`]);
  await new Promise((r) => setTimeout(r, 1000));
  process.kill(Number(fs.readFileSync(path.join(root, "run/php-fpm.pid"), "utf8").trim()), "SIGUSR2");
  assert.equal((await slow).stdout, "slept|200", "the request running during the reload completes");
  await waitFor("php-fpm after its reload", () => curl(`http://127.0.0.1:${port}/api/_info/health-check`).status === 200, 20_000);

  const nginxStatus = curl(`http://127.0.0.1:${statusPort}/nginx-status`);
  assert.match(nginxStatus.body, /Active connections: \d+/);
  const fpmStatus = curl(`http://127.0.0.1:${statusPort}/fpm-status`);
  assert.match(fpmStatus.body, /pool:\s+shop/);
  assert.match(curl(`http://127.0.0.1:${statusPort}/fpm-ping`).body, /pong/);

  // The rendered shop-health reads the same status page: workers against the rendered pm.max_children.
  const cfg = JSON.parse(fs.readFileSync(path.join(root, "etc/shop/health.json"), "utf8")) as { phpFpm: { statusUrl: string; maxChildren: number } };
  const maxChildren = /^pm\.max_children = (\d+)$/m.exec(fs.readFileSync(pool, "utf8"))![1];
  assert.equal(String(cfg.phpFpm.maxChildren), maxChildren, "health.json and the pool agree on the limit");
  assert.equal(cfg.phpFpm.statusUrl, `http://${STATUS_LISTEN}/fpm-status?json`);
  cfg.phpFpm.statusUrl = `http://127.0.0.1:${statusPort}/fpm-status?json`;
  fs.writeFileSync(path.join(root, "etc/shop/health.json"), JSON.stringify(cfg));
  const php = run("/usr/bin/python3", [path.join(root, "usr/local/sbin/shop-health"), "--only", "php"], { env: { ...process.env, SHOP_ETC: path.join(root, "etc/shop") } });
  assert.equal(php.status, 0, php.stdout + php.stderr);
  assert.match(php.stdout, new RegExp(`^ok +php-fpm: PHP-FPM \\d+ of ${maxChildren} workers busy, 0 requests waiting \\(limit reached 0 times since start\\)$`, "m"));
});
