import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { describe, test } from "node:test";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { disallowedUserDataKeys, renderUserData, USER_DATA_LIMIT_BYTES } from "../../components/hostconfig/cloudInit";
import { MARIADB_CONF_PATH, MARIADB_ROLE_PATH } from "../../components/hostconfig/mariadb";
import { HTTP_PORT, STATUS_LISTEN } from "../../components/hostconfig/nginx";
import { redisHost, REDIS_CACHE_PORT, REDIS_PORT, REDIS_ROLE_PATH } from "../../components/hostconfig/redis";
import { isDbNode, type ShopSpec } from "../../components/config";
import { compareVersions } from "../../components/config/compat";
import { SHOP_FILES_DIR } from "../../components/hostconfig/shopFiles";
import { SHOP_LOG_DAYS } from "../../components/hostconfig/shopware";
import { materialize, phpFpmTestConf, phpIniEnv, rerootNginx, TEST_SECRETS } from "../helpers/hostBundle";
import { freePort, startDaemon, waitFor } from "../helpers/processes";
import { allStacks, editedStackSpec, stackSpec } from "../helpers/stacks";
import { requireTool, run, tempDir } from "../helpers/tools";
import { validatorsFor } from "../helpers/validatorRoot";

const TEST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBlueprintRenderTestKeyOnlyForSchemaChecks00 test";

function shellScripts(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return shellScripts(p);
    return fs.readFileSync(p, "utf8").startsWith("#!") && /\b(ba)?sh\b/.test(fs.readFileSync(p, "utf8").split("\n")[0]) ? [p] : [];
  });
}

test("shellcheck passes on every script in components/files", (t) => {
  if (!requireTool(t, "shellcheck")) return;
  const scripts = shellScripts(SHOP_FILES_DIR);
  assert.ok(scripts.length >= 5, `found only ${scripts.length} scripts`);
  const r = run("shellcheck", ["-s", "bash", "-x", ...scripts], { cwd: path.join(SHOP_FILES_DIR, "..", "..") });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

/** Every committed stack, and one halfway through README "Upgrade path" (nodes on both releases). */
const rendered: [string, ShopSpec][] = [
  ...allStacks().map((stack): [string, ShopSpec] => [stack, stackSpec(stack)]),
  ["alpenhaus mid-upgrade", editedStackSpec("alpenhaus", (raw) => (raw.nodeImages = { "app-1": "debian-13", "db-2": "debian-13" })).spec],
];

for (const [stack, spec] of rendered) {
  describe(`stack ${stack}`, () => {
    for (const node of spec.nodes) {
      // Each node is judged by its own image's tools (a trixie root for debian-13 on this Debian 12 machine).
      const tools = validatorsFor(node.os.codename);
      test(`${node.name}: user-data passes cloud-init schema, ≤16 KiB, allow-listed keys`, (t) => {
        if (!tools.require(t, "cloud-init")) return;
        const userData = renderUserData(node, TEST_KEY);
        assert.ok(Buffer.byteLength(userData) <= USER_DATA_LIMIT_BYTES, `${Buffer.byteLength(userData)} bytes`);
        assert.deepEqual(disallowedUserDataKeys(userData), []);
        const file = path.join(tempDir(t), "user-data.yaml");
        fs.writeFileSync(file, userData);
        const r = tools.run("cloud-init", ["schema", "--config-file", file]);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        // cloud-init 22 (bookworm) says "Valid cloud-config", 25 (trixie) "Valid schema".
        assert.match(r.stdout, /Valid (cloud-config|schema)/);
      });

      test(`${node.name}: rendered files pass Debian's validators`, async (t) => {
        const work = tempDir(t);
        const bundle = renderHostBundle(spec, node);
        const root = materialize(bundle, work);
        const has = (p: string) => bundle.files.some((f) => f.path === p);

        await t.test("systemd-analyze verify (no unknown keys)", (t) => {
          if (!tools.require(t, "systemd-analyze")) return;
          const units = bundle.files.filter((f) => /^\/etc\/systemd\/system\/[^/]+\.(service|timer)$/.test(f.path));
          if (!units.length) return;
          // Templates are verified as an instance; timers next to the services they start.
          const dir = path.join(work, "units");
          fs.mkdirSync(dir);
          const paths = units.map((u) => {
            const name = path.basename(u.path).replace(/@\.(service|timer)$/, "@1.$1");
            fs.copyFileSync(path.join(root, u.path), path.join(dir, name));
            return path.join(dir, name);
          });
          const r = tools.run("systemd-analyze", ["verify", "--man=no", ...paths]);
          const out = r.stdout + r.stderr;
          assert.doesNotMatch(out, /Unknown key|Unknown section|Failed to parse|bad-setting/i, out);
          // A command the bundle itself installs is missing only on this test machine.
          const installed = new Set(bundle.files.map((f) => f.path));
          const problems = out.split("\n").filter((l) => l.trim() && !installed.has(/Command (\S+) is not executable/.exec(l)?.[1] ?? ""));
          assert.deepEqual(problems, []);
          if (problems.length === out.split("\n").filter((l) => l.trim()).length) assert.equal(r.status, 0, out);
        });

        await t.test("sysctl keys exist in this kernel", () => {
          const conf = fs.readFileSync(path.join(root, "etc/sysctl.d/60-shop.conf"), "utf8");
          const keys = conf.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split("=")[0].trim());
          assert.ok(keys.length >= 5);
          for (const key of keys) assert.ok(fs.existsSync(path.join("/proc/sys", ...key.split("."))), key);
        });

        if (node.roles.includes("app")) {
          await t.test("nginx -t on the rendered nginx.conf, site and shop.d snippets", async (t) => {
            if (!tools.require(t, "nginx")) return;
            // nginx -t binds its listen addresses: loopback and free ports stand in for them.
            const conf = rerootNginx(root, [
              [`listen ${node.privateIp}:${HTTP_PORT} `, `listen 127.0.0.1:${await freePort()} `],
              [`listen ${STATUS_LISTEN};`, `listen 127.0.0.1:${await freePort()};`],
            ]);
            const r = tools.run("nginx", ["-t", "-p", root, "-c", conf, "-e", "stderr"]);
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stderr, /test is successful/);
            // nginx warns about what still works and will not (a deprecated directive, say).
            assert.doesNotMatch(r.stderr, /\[warn\]/, r.stderr);
            const site = bundle.files.find((f) => f.path === "/etc/nginx/conf.d/shop.conf")!.content;
            assert.match(site, new RegExp(`set_real_ip_from ${spec.network.lbPrivateIp.replace(/\./g, "\\.")};`));
            assert.match(site, new RegExp(`add_header X-Served-By "${node.name}" always;`));
            assert.match(site, /include \/etc\/nginx\/shop\.d\/\*\.conf;/);
            assert.match(site, new RegExp(`listen ${STATUS_LISTEN};[\\s\\S]*allow 127\\.0\\.0\\.1;[\\s\\S]*stub_status;`));
          });

          await t.test("php-fpm -t on the rendered pool and php.ini", (t) => {
            const fpm = `php-fpm${node.os.php}`;
            if (!tools.require(t, fpm)) return;
            const r = tools.run(fpm, ["-t", "-y", phpFpmTestConf(root, node.os.php)], { env: phpIniEnv(root, node.os.php, "fpm") });
            assert.equal(r.status, 0, r.stdout + r.stderr);
            assert.match(r.stdout + r.stderr, /test is successful/);
            assert.doesNotMatch(r.stdout + r.stderr, /syntax error|Warning|Unknown/i);
            // The CLI forces max_execution_time to 0, so that one is read from the file.
            assert.match(fs.readFileSync(path.join(root, `etc/php/${node.os.php}/fpm/conf.d/90-shop.ini`), "utf8"), new RegExp(`^max_execution_time = ${spec.php.maxExecutionTime}$`, "m"));
            const ini = tools.run(`php${node.os.php}`, ["-r", 'echo ini_get("memory_limit"), "|", ini_get("realpath_cache_ttl"), "|", ini_get("opcache.validate_timestamps"), "|", ini_get("opcache.max_accelerated_files");'], {
              env: phpIniEnv(root, node.os.php, "fpm"),
            });
            assert.doesNotMatch(ini.stdout + ini.stderr, /syntax error|Warning/i);
            assert.equal(ini.stdout, `${spec.php.memoryLimit}|3600|0|20000`);
          });

          await t.test(".env.local and the cluster config are complete", () => {
            const env = fs.readFileSync(path.join(root, "var/www/shop/shared/.env.local"), "utf8");
            for (const key of ["APP_ENV=prod", `APP_URL=${spec.appUrl}`, "INSTANCE_ID=", "DATABASE_URL=mysql://", "DATABASE_REPLICA_0_URL=mysql://", "REDIS_SESSION_URL=", "LOCK_DSN=", "REDIS_CACHE_URL=", "TRUSTED_PROXIES=", "SHOPWARE_SKIP_WEBINSTALLER=1", "SHOPWARE_HTTP_CACHE_ENABLED=1"])
              assert.ok(env.includes(key), key);
            assert.ok(env.includes(`APP_SECRET=${TEST_SECRETS.APP_SECRET}`));
            const cluster = fs.readFileSync(path.join(root, "var/www/shop/shared/config/packages/zz-cluster.yaml"), "utf8");
            assert.match(cluster, /cluster_setup: true/);
            assert.match(cluster, /enable_admin_worker: false/);
            assert.match(cluster, /redis_tag_aware/);
          });

          await t.test(`Shopware ${spec.shopware.version}: the line's settings, and every named Redis connection resolves to a DSN`, () => {
            const env = fs.readFileSync(path.join(root, "var/www/shop/shared/.env.local"), "utf8");
            const envValue = (name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(env)?.[1];
            const cluster = parseYaml(fs.readFileSync(path.join(root, "var/www/shop/shared/config/packages/zz-cluster.yaml"), "utf8")) as {
              shopware: { redis?: { connections: Record<string, { dsn: string }> }; cache?: { invalidation: { delay: number; delay_options: { storage: string; connection: string } } }; messenger?: { enforce_message_size: boolean } };
            };
            const is67 = compareVersions(spec.shopware.version, "6.7.0.0") >= 0;
            // 6.7 dropped the switch and sets no session variables; before, the server's own settings let Shopware skip them.
            assert.equal(envValue("SQL_SET_DEFAULT_SESSION_VARIABLES"), is67 ? undefined : "0");
            assert.equal(envValue("COMPOSER_PLUGIN_LOADER"), is67 ? "1" : undefined);
            assert.equal(cluster.shopware.messenger?.enforce_message_size, is67 ? true : undefined);
            if (compareVersions(spec.shopware.version, "6.6.8.0") < 0) {
              assert.equal(cluster.shopware.redis, undefined, "named connections need 6.6.8.0");
              return;
            }
            const connections = cluster.shopware.redis!.connections;
            const used = [cluster.shopware.cache!.invalidation.delay_options.connection];
            for (const name of used) assert.ok(connections[name], `connection ${name} is used but not defined`);
            for (const [name, c] of Object.entries(connections)) {
              const ref = /^%env\(([A-Z_]+)\)%$/.exec(c.dsn)?.[1];
              assert.ok(ref && envValue(ref)?.startsWith("redis://"), `${name}: ${c.dsn} names no redis:// DSN in .env.local`);
            }
            // The invalidations queue on the noeviction instance (the sessions'), never the evicting cache.
            assert.match(envValue("REDIS_PERSISTENT_URL")!, new RegExp(`@${redisHost(spec).privateIp.replace(/\./g, "\\.")}:${REDIS_PORT}/2$`));
            assert.equal(cluster.shopware.cache!.invalidation.delay, 1);
          });

          await t.test("a public file's URL is where the bucket stores it; private files stay outside the public prefix", () => {
            // Read back as the hosts get them: Shopware stores a public file at <root>/<key> in
            // the bucket and links it as S3_PUBLIC_URL/<key> (path-style: endpoint/bucket/...).
            const env = fs.readFileSync(path.join(root, "var/www/shop/shared/.env.local"), "utf8");
            const envValue = (name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(env)?.[1] ?? "";
            const fsConfig = (parseYaml(fs.readFileSync(path.join(root, "var/www/shop/shared/config/packages/zz-cluster.yaml"), "utf8")) as {
              shopware: { filesystem: Record<string, { url?: string; visibility: string; config: { root: string; bucket: string } }> };
            }).shopware.filesystem;
            const key = "media/4f/9a/sofa.jpg";
            for (const name of ["public", "theme", "asset", "sitemap"]) {
              const f = fsConfig[name];
              assert.equal(f.url, "%env(S3_PUBLIC_URL)%", name);
              assert.equal(f.visibility, "public", name);
              const stored = `${spec.media.publicUrl ?? `${spec.media.endpoint.replace(/\/$/, "")}/${spec.media.bucket}`}/${f.config.root}/${key}`;
              assert.equal(`${envValue("S3_PUBLIC_URL")}/${key}`, stored, name);
            }
            const priv = fsConfig.private;
            assert.equal(priv.visibility, "private");
            assert.equal(priv.url, undefined, "private files get no public URL");
            assert.ok(!`${priv.config.root}/`.startsWith(`${fsConfig.public.config.root}/`), "the private prefix lies outside the public one");
          });

          await t.test("systemd-tmpfiles --clean ages out Shopware's old logs and keeps current ones", (t) => {
            if (!tools.require(t, "systemd-tmpfiles")) return;
            const logDir = path.join(root, "var/www/shop/shared/var/log");
            fs.mkdirSync(logDir, { recursive: true });
            const day = 86_400;
            const now = Date.now() / 1000;
            const files = { old: [`prod-old.log`, SHOP_LOG_DAYS + 2], current: [`prod-current.log`, SHOP_LOG_DAYS - 2] } as const;
            for (const [name, ageDays] of Object.values(files)) {
              const file = path.join(logDir, name);
              fs.writeFileSync(file, "log line\n");
              fs.utimesSync(file, now - ageDays * day, now - ageDays * day);
            }
            const r = tools.run("systemd-tmpfiles", ["--clean", `--root=${root}`, path.join(root, "etc/tmpfiles.d/shop-var-log.conf")]);
            assert.equal(r.status, 0, r.stdout + r.stderr);
            assert.ok(!fs.existsSync(path.join(logDir, files.old[0])), "older than SHOP_LOG_DAYS: removed");
            assert.ok(fs.existsSync(path.join(logDir, files.current[0])), "written within SHOP_LOG_DAYS: kept");
          });
        }

        if (has(MARIADB_CONF_PATH)) {
          await t.test("mariadbd --help --verbose accepts the config without [ERROR]", (t) => {
            if (!tools.require(t, "mariadbd")) return;
            // Both of the bundle's files, read the way Debian's my.cnf reads them (!includedir).
            const myCnf = path.join(work, "my.cnf");
            fs.writeFileSync(myCnf, `!includedir ${path.dirname(path.join(root, MARIADB_CONF_PATH))}\n`);
            const r = tools.run("mariadbd", [`--defaults-file=${myCnf}`, "--help", "--verbose"]);
            assert.equal(r.status, 0, r.stderr);
            assert.doesNotMatch(r.stderr, /\[ERROR\]/, r.stderr);
            // A deprecated option works today and stops the server in a later release.
            assert.doesNotMatch(r.stderr, /is deprecated/, r.stderr);
            const value = (name: string) => new RegExp(`^${name}\\s+(\\S+)$`, "m").exec(r.stdout)?.[1];
            assert.equal(value("server-id"), String(node.serverId));
            assert.equal(value("bind-address"), node.privateIp);
            assert.equal(value("max-allowed-packet"), String(64 * 1024 * 1024));
            assert.equal(value("group-concat-max-len"), "320000");
            assert.doesNotMatch(value("sql-mode") ?? "ONLY_FULL_GROUP_BY", /ONLY_FULL_GROUP_BY/);
            assert.equal(value("gtid-strict-mode"), "TRUE");
            assert.equal(value("innodb-flush-method"), "O_DIRECT");
            assert.equal(value("innodb-file-per-table"), "TRUE");
            assert.equal(value("log-bin"), "mariadb-bin");
            assert.equal(value("read-only"), node.roles.includes("db-primary") ? "FALSE" : "TRUE", `${MARIADB_ROLE_PATH} sets the role`);
          });
        }

        if (isDbNode(node)) {
          for (const [conf, kind] of [["etc/redis/redis.conf", "sessions"], ["etc/redis/redis-cache.conf", "cache"]] as const) {
            await t.test(`redis-server starts with the ${kind} config and enforces its password`, async (t) => {
              if (!requireTool(t, "redis-server") || !requireTool(t, "redis-cli")) return;
              const port = await freePort();
              const dataDir = path.join(work, `redis-${kind}`);
              fs.mkdirSync(dataDir);
              // Test rewrites: loopback instead of the private IP, a free port, temp dir and pid file.
              const rendered = fs.readFileSync(path.join(root, conf), "utf8");
              assert.match(rendered, new RegExp(`^bind ${node.privateIp.replace(/\./g, "\\.")} 127\\.0\\.0\\.1$`, "m"));
              assert.match(rendered, new RegExp(`^port ${kind === "cache" ? REDIS_CACHE_PORT : REDIS_PORT}$`, "m"));
              const testConf = path.join(dataDir, "redis.conf");
              fs.writeFileSync(
                testConf,
                rendered
                  .replace(/^bind .*$/m, "bind 127.0.0.1")
                  .replace(/^port .*$/m, `port ${port}`)
                  .replace(/^dir .*$/m, `dir ${dataDir}`)
                  .replace(/^pidfile .*$/m, `pidfile ${dataDir}/redis.pid`)
                  .replace(`include ${REDIS_ROLE_PATH}`, `include ${path.join(root, REDIS_ROLE_PATH)}`),
              );
              startDaemon(t, "redis-server", [testConf], path.join(dataDir, "log"));
              const cli = (...args: string[]) => run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "--no-auth-warning", ...args]);
              const authed = (...args: string[]) => cli("-a", TEST_SECRETS.REDIS_PASSWORD, ...args).stdout.trim();
              await waitFor(`redis ${kind} on ${port}`, () => authed("PING") === "PONG", 15_000);
              assert.match(cli("PING").stdout, /NOAUTH/);
              const appendonly = authed("CONFIG", "GET", "appendonly").split("\n")[1];
              const policy = authed("CONFIG", "GET", "maxmemory-policy").split("\n")[1];
              const save = authed("CONFIG", "GET", "save").split("\n")[1] ?? "";
              assert.equal(save, "");
              if (kind === "sessions") {
                // The role file: the primary's instance leads, the others follow it (sessions survive a failover).
                assert.equal(authed("ROLE").split("\n")[0], node.name === redisHost(spec).name ? "master" : "slave");
                assert.equal(appendonly, "yes");
                assert.equal(policy, "noeviction");
              } else {
                assert.equal(appendonly, "no");
                assert.equal(policy, "volatile-lru");
              }
              // Both capped: a noeviction instance without maxmemory grows until the OOM killer picks InnoDB.
              assert.notEqual(authed("CONFIG", "GET", "maxmemory").split("\n")[1], "0", `${kind} has a maxmemory`);
              authed("SHUTDOWN", "NOSAVE");
            });
          }
        }
      });
    }
  });
}
