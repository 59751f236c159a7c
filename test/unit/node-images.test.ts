import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { test } from "node:test";
import { evaluateChecklist } from "../../components/checklist";
import { imagesInUse, readStackFile } from "../../components/config";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { bootstrapPackages } from "../../components/hostconfig/cloudInit";
import { DB_ENV_PATH, MARIADB_CONF_PATH } from "../../components/hostconfig/mariadb";
import { buildRunbook } from "../../components/runbook/data";
import { remote } from "../../scripts/lib/deploy/steps";
import { runOfflinePlan } from "../../scripts/lib/offlinePlan";
import { contextOf, row } from "../helpers/checklist";
import { editedStackSpec, writeStackVariant } from "../helpers/stacks";

/** alpenhaus (debian-12, Shopware 6.6.10) halfway through its upgrade: one app node and the replica on debian-13. */
const MID_UPGRADE = { "app-1": "debian-13", "db-2": "debian-13" };
const { spec, warnings } = editedStackSpec("alpenhaus", (raw) => (raw.nodeImages = MID_UPGRADE), new Date("2026-12-02"));
const node = (short: string) => spec.nodes.find((n) => n.name === `alpenhaus-${short}`)!;
const fileOf = (short: string, file: string) => renderHostBundle(spec, node(short)).files.find((f) => f.path === file);

test("shop:nodeImages: the listed nodes run their image, the others shop:image, and each renders for its own release", () => {
  assert.deepEqual(
    spec.nodes.map((n) => [n.name, n.image]),
    [
      ["alpenhaus-app-1", "debian-13"],
      ["alpenhaus-app-2", "debian-12"],
      ["alpenhaus-app-3", "debian-12"],
      ["alpenhaus-app-4", "debian-12"],
      ["alpenhaus-db-1", "debian-12"],
      ["alpenhaus-db-2", "debian-13"],
    ],
  );
  assert.deepEqual(imagesInUse(spec), ["debian-12", "debian-13"]);
  // PHP: paths, packages, sudo rights, the monitored unit and the reloads follow the node's branch.
  assert.ok(fileOf("app-1", "/etc/php/8.4/fpm/pool.d/www.conf") && !fileOf("app-1", "/etc/php/8.2/fpm/pool.d/www.conf"));
  assert.ok(fileOf("app-2", "/etc/php/8.2/fpm/pool.d/www.conf") && !fileOf("app-2", "/etc/php/8.4/fpm/pool.d/www.conf"));
  assert.ok(bootstrapPackages(node("app-1")).includes("php8.4-fpm") && !bootstrapPackages(node("app-1")).includes("php8.2-fpm"));
  assert.ok(bootstrapPackages(node("app-2")).includes("php8.2-fpm"));
  const deploySudo = (short: string) => fileOf(short, "/etc/sudoers.d/shop-deploy")!.content;
  assert.match(deploySudo("app-1"), /\/usr\/bin\/php8\.4 \^/);
  assert.match(deploySudo("app-1"), /reload php8\\\.4-fpm/);
  assert.doesNotMatch(deploySudo("app-1"), /php8\.2/);
  assert.match(deploySudo("app-2"), /\/usr\/bin\/php8\.2 \^/);
  const services = (short: string) => (JSON.parse(fileOf(short, "/etc/shop/health.json")!.content) as { services: { unit: string }[] }).services.map((s) => s.unit);
  assert.ok(services("app-1").includes("php8.4-fpm.service") && !services("app-1").includes("php8.2-fpm.service"));
  assert.ok(services("app-2").includes("php8.2-fpm.service"));
  assert.deepEqual(fileOf("app-1", "/var/www/shop/shared/.env.local")!.restarts?.[0], "reload:php8.4-fpm.service");
  // MariaDB 11.8 on the new replica gets no option 11 deprecated; 10.11 on the primary keeps them.
  assert.doesNotMatch(fileOf("db-2", MARIADB_CONF_PATH)!.content, /innodb_flush_method/);
  assert.match(fileOf("db-1", MARIADB_CONF_PATH)!.content, /^innodb_flush_method = O_DIRECT$/m);
  // Replication TLS follows the primary's series: 10.11 serves none, so the 11.8 replica connects without it.
  assert.match(fileOf("db-2", DB_ENV_PATH)!.content, /^DB_PRIMARY_TLS=OFF$/m);
  const trixie = editedStackSpec("alpenhaus", (raw) => (raw.image = "debian-13")).spec;
  assert.match(renderHostBundle(trixie, trixie.nodes.find((n) => n.name === "alpenhaus-db-2")!).files.find((f) => f.path === DB_ENV_PATH)!.content, /^DB_PRIMARY_TLS=ON$/m);
  // The Shopware line is the stack's, whatever the node's release: both halves serve one shop.
  assert.equal(fileOf("app-1", "/var/www/shop/shared/config/packages/zz-cluster.yaml")!.content, fileOf("app-2", "/var/www/shop/shared/config/packages/zz-cluster.yaml")!.content);
});

test("shop:nodeImages: the deploy runs each node's own PHP, and the runbook names each host's image", () => {
  assert.match(remote.warmCache(node("app-1"), "r1"), /\/usr\/bin\/php8\.4 \/var\/www\/shop\/releases\/r1\/bin\/console cache:warmup/);
  assert.match(remote.warmCache(node("app-2"), "r1"), /\/usr\/bin\/php8\.2 /);
  assert.equal(remote.reloadPhp(node("app-1")), "sudo -n /usr/bin/systemctl reload php8.4-fpm.service");
  assert.equal(remote.reloadPhp(node("app-2")), "sudo -n /usr/bin/systemctl reload php8.2-fpm.service");
  const hosts = buildRunbook(spec, [], { ipv4: "203.0.113.10", ipv6: "2001:db8::10" }).hosts;
  const host = (short: string) => hosts.find((h) => h.name === `alpenhaus-${short}`)!;
  assert.equal(host("app-1").image, "debian-13 (PHP 8.4, MariaDB 11.8)");
  assert.equal(host("app-1").phpFpmUnit, "php8.4-fpm.service");
  assert.equal(host("app-2").phpFpmUnit, "php8.2-fpm.service");
  assert.equal(host("db-1").phpFpmUnit, null);
});

test("shop:nodeImages: the plan warns once per dated item of every release in use", () => {
  // 2026-12-02: PHP 8.2 (debian-12) ends on 2026-12-31, Debian 12's regular support ended; debian-13's items are far off.
  assert.ok(warnings.some((w) => /^SW-1: PHP 8\.2 .*ends on 2026-12-31/.test(w)), warnings.join("\n"));
  assert.ok(warnings.some((w) => /^SW-1: Debian 12 \(bookworm\) regular security support ended on 2026-07-11/.test(w)), warnings.join("\n"));
  assert.ok(!warnings.some((w) => /^SW-1: (PHP 8\.4|Debian 13|MariaDB 11|Redis 8)/.test(w)), warnings.join("\n"));
  const lifecycle = warnings.filter((w) => /^SW-[12]: /.test(w));
  assert.equal(new Set(lifecycle).size, lifecycle.length, "each item once, though four nodes run debian-12");
  // The same stack, not yet started: debian-13 nodes add no warning, so the plan says the same of the debian-12 part.
  const before = editedStackSpec("alpenhaus", () => undefined, new Date("2026-12-02")).warnings.filter((w) => /^SW-[12]: /.test(w));
  assert.deepEqual(lifecycle, before);
});

test("shop:nodeImages: SW-1 and SW-2 judge every image the servers run, naming the nodes on each", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "node-images-"));
  try {
    const file = writeStackVariant(dir, "alpenhaus", "mid-upgrade", (c) => (c["shop:nodeImages"] = MID_UPGRADE));
    const { plan } = await runOfflinePlan(readStackFile(file, "alpenhaus"));
    const servers = plan.resources.filter((r) => r.type === "hcloud:index/server:Server");
    assert.deepEqual(Object.fromEntries(servers.map((s) => [s.name, s.inputs.image])), Object.fromEntries(spec.nodes.map((n) => [n.name, n.image])));
    const results = evaluateChecklist({ ...contextOf(plan.resources, spec), today: new Date("2026-12-02") });
    const sw2 = row(results, "SW-2");
    assert.equal(sw2.status, "pass", sw2.problems.map((p) => p.en).join("; "));
    assert.ok(
      sw2.evidence.some((e) => /debian-12: PHP 8\.2, MariaDB 10\.11, Redis 7\.0 \(bookworm\) on alpenhaus-app-2, .*alpenhaus-db-1; debian-13: PHP 8\.4, MariaDB 11\.8, Redis 8\.0 \(trixie\) on alpenhaus-app-1, alpenhaus-db-2/.test(e.en)),
      sw2.evidence.map((e) => e.en).join("\n"),
    );
    const sw1 = row(results, "SW-1").evidence.map((e) => e.en);
    for (const item of [/PHP 8\.2 /, /PHP 8\.4 /, /Debian 12 \(bookworm\) LTS/, /Debian 13 \(trixie\)/, /MariaDB 10\.11/, /MariaDB 11\.8/]) assert.ok(sw1.some((e) => item.test(e)), `${item}: ${sw1.join("\n")}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
