import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { ALLOWED_USER_DATA_KEYS, BOOTSTRAP_BUNDLE_PATH, disallowedUserDataKeys, renderUserData, USER_DATA_LIMIT_BYTES } from "../../components/hostconfig/cloudInit";
import { innodbBufferPoolMb, mariadbMaxConnections, phpFpmMaxChildren, phpFpmMemoryBound, PHP_WORKERS_PER_CORE } from "../../components/hostconfig/sizing";
import { secretsFor } from "../../components/cloud/converge";
import { renderSecretsEnv, webhookSecretName } from "../../components/hostconfig/secretsEnv";
import { appNodes, dbPrimary, OFFLINE_SECRET_MARKER } from "../../components/config";
import { allStacks, editedStackSpec, stackSpec } from "../helpers/stacks";
import { run } from "../helpers/tools";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIUnitTestKeyUnitTestKeyUnitTestKeyUnitTestK unit";

test("the user-data allow-list flags unknown and misspelt top-level keys", () => {
  assert.deepEqual(disallowedUserDataKeys("#cloud-config\npackages: [jq]\nruncmd: [[true]]\n"), []);
  assert.deepEqual(disallowedUserDataKeys("#cloud-config\npackages: [jq]\nruncmds: [[true]]\nbootcmd: [[true]]\n"), ["runcmds", "bootcmd"]);
  assert.deepEqual(disallowedUserDataKeys("#cloud-config\n- just a list\n"), ["<not a mapping>"]);
});

test("user data of every host: allow-listed, ≤16 KiB, no secret, and the first bundle is the sshd and fail2ban baseline", () => {
  let largest = { host: "", bytes: 0 };
  for (const stack of allStacks()) {
    const spec = stackSpec(stack);
    for (const node of spec.nodes) {
      const userData = renderUserData(node, KEY);
      const bytes = Buffer.byteLength(userData);
      if (bytes > largest.bytes) largest = { host: node.name, bytes };
      assert.ok(bytes <= USER_DATA_LIMIT_BYTES, `${node.name}: ${bytes} bytes`);
      assert.deepEqual(disallowedUserDataKeys(userData), [], node.name);
      assert.ok(!userData.includes(OFFLINE_SECRET_MARKER), node.name);
      const doc = parse(userData) as { write_files: { path: string; content: string }[]; runcmd: string[][]; users: { ssh_authorized_keys: string[] }[] };
      assert.deepEqual(doc.users[0].ssh_authorized_keys, [KEY]);
      const first = JSON.parse(doc.write_files.find((f) => f.path === BOOTSTRAP_BUNDLE_PATH)!.content) as { files: { path: string; template?: boolean }[] };
      assert.deepEqual(first.files.map((f) => f.path), ["/etc/ssh/sshd_config.d/10-hardening.conf", "/etc/fail2ban/jail.d/00-shop-backend.local"]);
      assert.ok(first.files.every((f) => !f.template), "no secrets exist before the first converge");
      assert.deepEqual(doc.runcmd, [["/usr/local/sbin/shop-apply", BOOTSTRAP_BUNDLE_PATH]]);
    }
  }
  // Printed for the closing note (largest user data across stacks/).
  console.log(`largest user-data: ${largest.host} ${largest.bytes} bytes (limit ${USER_DATA_LIMIT_BYTES})`);
  assert.ok(ALLOWED_USER_DATA_KEYS.length <= 10);
});

test("day-2 settings change bundles but never user data (D2)", () => {
  const spec = stackSpec("demo");
  const { spec: changed } = editedStackSpec("demo", (raw) => {
    raw.users = raw.users.slice(1);
    raw.php = { ...raw.php, memoryLimit: "2048M" };
    raw.monitoring.thresholds = { ...raw.monitoring.thresholds, diskWarnPercent: 70 };
    raw.updates = { ...raw.updates, rebootWindowStart: "04:30" };
    raw.database = { primary: "db-2", outOfService: ["db-1"] };
  });
  for (const node of spec.nodes) {
    assert.equal(renderUserData(changed.nodes.find((n) => n.name === node.name)!, KEY), renderUserData(node, KEY), node.name);
    assert.notEqual(renderHostBundle(changed, node).hash, renderHostBundle(spec, node).hash, node.name);
  }
});

test("PHP-FPM, InnoDB and max_connections follow the server type's memory and cores", () => {
  const spec = stackSpec("demo");
  const [app] = appNodes(spec);
  // ccx23, 16 GB, app only: memory allows floor((16384 − 1024 − 256) × 0.8 / 128) = 94, but the
  // 4 vCPUs serve 5 each: 20 workers (94 queued on 4 cores and held 94 DB connections).
  assert.equal(app.facts.memoryGb, 16);
  assert.equal(app.facts.cores, 4);
  assert.equal(phpFpmMemoryBound(app), 94);
  assert.equal(phpFpmMaxChildren(app), 4 * PHP_WORKERS_PER_CORE);
  // max_connections: 2 app nodes × (20 workers + 2 consumers) + 50, not 2 × (94 + 2) + 50.
  assert.equal(mariadbMaxConnections(spec), 2 * (20 + 2) + 50);
  // ccx33, 32 GB, DB only: 60 % in 128 MiB chunks.
  assert.equal(innodbBufferPoolMb(dbPrimary(spec)), Math.floor((32768 * 0.6) / 128) * 128);
  const small = stackSpec("kaffee-klein");
  for (const node of small.nodes) assert.ok(phpFpmMemoryBound(node) < phpFpmMemoryBound({ ...node, roles: ["app"] }), "a shared DB node leaves PHP less memory");
  assert.ok(mariadbMaxConnections(spec) > appNodes(spec).reduce((n, a) => n + phpFpmMaxChildren(a), 0));
});

test("secrets.env lines round-trip through bash and refuse what they cannot carry", () => {
  const values = { REDIS_PASSWORD: "abc$HOME`x`", APP_SECRET: "s3cr3t with spaces", MEDIA_SECRET_KEY: "it's" };
  const env = renderSecretsEnv(values);
  assert.deepEqual(env.split("\n").filter((l) => !l.startsWith("#") && l).map((l) => l.split("=")[0]), ["APP_SECRET", "MEDIA_SECRET_KEY", "REDIS_PASSWORD"]);
  const r = run("bash", ["-c", 'eval "$0"; printf "%s|%s|%s" "$APP_SECRET" "$MEDIA_SECRET_KEY" "$REDIS_PASSWORD"', env]);
  assert.equal(r.stdout, "s3cr3t with spaces|it's|abc$HOME`x`");
  assert.throws(() => renderSecretsEnv({ X: "two\nlines" }), /line break/);
  assert.throws(() => renderSecretsEnv({ lower: "x" }), /SCREAMING_SNAKE/);
  assert.equal(webhookSecretName("ops-slack", "URL"), "WEBHOOK_OPS_SLACK_URL");
});

test("D8: consumers on every app node, the scheduler enabled and restarted on exactly one", () => {
  for (const stack of allStacks()) {
    const spec = stackSpec(stack);
    const schedulers: string[] = [];
    for (const node of appNodes(spec)) {
      const files = renderHostBundle(spec, node).files;
      const list = files.find((f) => f.path === "/etc/shop/units/shopware.list")!.content;
      assert.match(list, /^enable shop-consumer@1\.service$/m, node.name);
      if (/^enable shop-scheduler\.service$/m.test(list)) schedulers.push(node.name);
      else {
        assert.match(list, /^disable shop-scheduler\.service$/m, node.name);
        // `systemctl restart` would start it: no file may name it on a non-scheduler node.
        assert.ok(files.every((f) => !(f.restarts ?? []).includes("shop-scheduler.service")), node.name);
      }
    }
    assert.equal(schedulers.length, 1, `${stack}: ${schedulers.join(", ")}`);
  }
});

test("templates only where secrets are needed, and every token names a known secret", () => {
  // The secret names of the bundle/converge contract.
  const known = /^(APP_SECRET|DB_(SHOP|REPLICATION|BACKUP)_PASSWORD|REDIS_PASSWORD|RESTIC_PASSWORD|MEDIA_(ACCESS|SECRET)_KEY|WEBHOOK_[A-Z0-9_]+_(URL|ROUTING_KEY)|(BACKUP|MONITORING)_HEARTBEAT_URL|STORAGEBOX_PASSWORD)$/;
  for (const stack of allStacks()) {
    const spec = stackSpec(stack);
    for (const node of spec.nodes) {
      for (const f of renderHostBundle(spec, node).files) {
        const tokens = [...f.content.matchAll(/\{\{secret:([A-Z0-9_]+)\}\}/g)].map((m) => m[1]);
        if (f.path === "/usr/local/sbin/shop-apply") continue; // documents the token syntax
        if (f.template) {
          assert.ok(tokens.length > 0, `${f.path} is a template without tokens`);
          assert.equal(f.mode.slice(-1), "0", `${f.path} holds a secret, so others may not read it`);
        } else assert.deepEqual(tokens, [], `${f.path} has tokens but is not a template`);
        for (const t of tokens) assert.match(t, known, `${node.name} ${f.path}`);
      }
    }
  }
});

test("each host receives only the shared secrets its renderers declare", () => {
  const spec = stackSpec("demo");
  const names = ["APP_SECRET", "DB_SHOP_PASSWORD", "DB_REPLICATION_PASSWORD", "REDIS_PASSWORD", "MEDIA_ACCESS_KEY", "RESTIC_PASSWORD"];
  const shared = Object.fromEntries(names.map((n) => [n, `value-of-${n}`]));
  const received = (host: string) => Object.keys(secretsFor(renderHostBundle(spec, spec.nodes.find((n) => n.name === host)!), shared)).sort();
  const app = received("demo-app-1");
  assert.ok(["APP_SECRET", "DB_SHOP_PASSWORD", "REDIS_PASSWORD", "MEDIA_ACCESS_KEY"].every((n) => app.includes(n)), app.join());
  assert.ok(!app.includes("DB_REPLICATION_PASSWORD"), "app nodes never see the replication password");
  const replica = received("demo-db-2");
  assert.ok(replica.includes("DB_REPLICATION_PASSWORD"), replica.join());
  assert.ok(!replica.includes("APP_SECRET"), `the replica does not run Shopware: ${replica.join()}`);
  assert.ok(replica.includes("REDIS_PASSWORD"), "the replica's Redis follows the primary's (sessions survive a failover)");
  assert.ok(received("demo-db-1").includes("REDIS_PASSWORD"), "the Redis host gets its password");
});

test("shop-db-reseed is on every DB node and nowhere else, with the datadir it swaps in db.env", () => {
  const spec = stackSpec("demo");
  for (const node of spec.nodes) {
    const files = renderHostBundle(spec, node).files;
    const isDb = node.roles.some((r) => r.startsWith("db-"));
    assert.equal(files.some((f) => f.path === "/usr/local/sbin/shop-db-reseed" && f.mode === "0755"), isDb, node.name);
    if (isDb) assert.match(files.find((f) => f.path === "/etc/shop/db.env")!.content, /^DB_DATADIR=\/var\/lib\/mysql$/m);
  }
});
