import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { MAINTENANCE_FLAG, RELEASE_TOOL } from "../../components/hostconfig/release";
import { SHOP_DIR } from "../../components/hostconfig/shopware";
import { appNodes } from "../../components/config";
import { remote } from "../../scripts/lib/deploy/steps";
import { onThisMachinesRelease } from "../helpers/stacks";
import { requireTool, tempDir } from "../helpers/tools";
import { inRoot, install, makeRoot } from "../helpers/chrootRoot";

/**
 * shop-release as a deploy user runs it: real accounts from the users hook, real sudo deciding
 * from the rendered drop-ins, in a throwaway root (test/helpers/chrootRoot.ts).
 */
// Real sudo of this machine judges the commands: they name its PHP binary, whatever the demo declares.
const spec = onThisMachinesRelease("demo");
const node = appNodes(spec)[0];
const DEPLOYER = spec.users.find((u) => u.role === "deploy")!.name;
const READONLY = spec.users.find((u) => u.role === "readonly")!.name;

test("shop-release: a deployer prepares, switches, rolls back and prunes; planted links and other roles are refused", (t) => {
  for (const tool of ["unshare", "useradd", "sudo", "runuser", "jq"]) if (!requireTool(t, tool)) return;
  if (process.getuid?.() !== 0) return t.skip("needs root for mount namespaces and chroot");
  const root = tempDir(t, "shop-release-root-");
  makeRoot(root);
  install(root, renderHostBundle(spec, node).files.filter((f) => /apply\.d\/(20-users|30-shop-layout)$|^\/etc\/(shop|sudoers\.d)\/|^\/usr\/local\/sbin\/shop-release$/.test(f.path)));
  for (const hook of ["20-users", "30-shop-layout"]) {
    const r = inRoot(root, [`/usr/local/lib/shop/apply.d/${hook}`]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  }
  const as = (user: string, script: string) => inRoot(root, ["runuser", "-u", user, "--", "bash", "-c", script]);
  const release = (user: string, args: string) => as(user, `sudo -n ${RELEASE_TOOL} ${args}`);
  const upload = (id: string, extra = "") =>
    as(DEPLOYER, `set -e; r=${SHOP_DIR}/releases/${id}; mkdir -p $r/bin $r/vendor $r/public/media $r/var/log $r/config/packages; echo '<?php' > $r/bin/console; echo '<?php' > $r/vendor/autoload.php; echo ${id} > $r/public/index.php; echo stale > $r/var/log/dev.log; ${extra}`);
  const host = (p: string) => path.join(root, p);
  const current = () => fs.readlinkSync(host(`${SHOP_DIR}/current`));

  for (const id of ["r1", "r2"]) {
    const up = upload(id);
    assert.equal(up.status, 0, up.stderr);
    const prepared = release(DEPLOYER, `prepare ${id}`);
    assert.equal(prepared.status, 0, prepared.stdout + prepared.stderr);
  }
  // Frozen: root owns the code; the web server owns only its cache; the shared files are links.
  const r1 = host(`${SHOP_DIR}/releases/r1`);
  assert.equal(fs.statSync(path.join(r1, "bin/console")).uid, 0);
  assert.equal(fs.statSync(path.join(r1, "var/cache")).uid, Number(/^www-data:x:(\d+):/m.exec(fs.readFileSync(host("etc/passwd"), "utf8"))![1]));
  for (const link of [".env.local", "config/packages/zz-cluster.yaml", "install.lock", "var/log"])
    assert.equal(fs.readlinkSync(path.join(r1, link)), `${SHOP_DIR}/shared/${link}`, link);
  assert.ok(!fs.existsSync(path.join(r1, "public/media")), "media is never local");
  assert.notEqual(as(DEPLOYER, `echo x >> ${SHOP_DIR}/releases/r1/public/index.php`).status, 0, "a prepared release is read-only to its deployer");
  assert.notEqual(as(DEPLOYER, `mv ${SHOP_DIR}/releases/r1 ${SHOP_DIR}/releases/moved`).status, 0, "sticky: no renaming a frozen release");
  assert.notEqual(as(DEPLOYER, `ln -sfn /tmp ${SHOP_DIR}/current`).status, 0, "current changes only through shop-release");

  assert.equal(release(DEPLOYER, "activate r1").status, 0);
  assert.equal(current(), "releases/r1");
  assert.equal(release(DEPLOYER, "activate r2").status, 0);
  assert.equal(current(), "releases/r2");
  const back = release(DEPLOYER, "rollback");
  assert.equal(back.status, 0, back.stderr);
  assert.equal(current(), "releases/r1");
  assert.match(release(DEPLOYER, "status").stdout, /^current=r1\nprevious=r2\ndrained=no\nmaintenance=off\nreleases=r1 r2$/m);

  // Not prepared, or a prepared id that is current: refused, nothing switched.
  assert.equal(upload("r3").status, 0);
  assert.match(release(DEPLOYER, "activate r3").stderr, /not prepared/);
  assert.equal(current(), "releases/r1");
  assert.match(release(DEPLOYER, "prepare r1").stderr, /is current/);

  // A release that plants a link where root writes: refused, the link's target untouched.
  const planted = upload("evil", `rm -rf $r/var; ln -s /etc $r/var`);
  assert.equal(planted.status, 0, planted.stderr);
  const refused = release(DEPLOYER, "prepare evil");
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /passes through a symlink/);
  assert.ok(!fs.existsSync(host("etc/cache")) && !fs.existsSync(host("etc/log")), "nothing created through the planted link");
  assert.equal(upload("media", "echo img > $r/public/media/a.jpg").status, 0);
  assert.match(release(DEPLOYER, "prepare media").stderr, /public\/media/);

  // The host refuses other roles and paths as ids, whatever the CLI would have sent.
  assert.match(release(READONLY, "drain").stderr, /password is required|not allowed/);
  assert.notEqual(release(DEPLOYER, "prepare ../../etc").status, 0);
  assert.notEqual(release(DEPLOYER, "maintenance maybe").status, 0);

  assert.equal(release(DEPLOYER, "drain").status, 0);
  assert.ok(fs.existsSync(host("run/shop/drain")));
  assert.equal(release(DEPLOYER, "undrain").status, 0);
  assert.ok(!fs.existsSync(host("run/shop/drain")));
  assert.equal(release(DEPLOYER, "maintenance on").status, 0);
  assert.ok(fs.existsSync(host(MAINTENANCE_FLAG)));
  assert.equal(release(DEPLOYER, "maintenance off").status, 0);

  // Prune keeps the newest, the current and the previous release.
  for (const id of ["r4", "r5"]) {
    assert.equal(upload(id).status, 0);
    assert.equal(release(DEPLOYER, `prepare ${id}`).status, 0);
  }
  const pruned = release(DEPLOYER, "prune 2");
  assert.equal(pruned.status, 0, pruned.stderr);
  const left = fs.readdirSync(host(`${SHOP_DIR}/releases`)).sort();
  assert.deepEqual(left, ["r1", "r2", "r4", "r5"], pruned.stdout);
  t.diagnostic(pruned.stdout.trim().replace(/\n/g, "; "));
});

/** Every `sudo -n [-u USER] COMMAND` in a rendered remote command line. */
function sudoInvocations(commandLine: string): { runAs: string; command: string }[] {
  return [...commandLine.matchAll(/sudo -n (?:-u (\S+) )?([^&;]+?)(?=\s*(?:&&|;|$))/g)].map((m) => ({ runAs: m[1] ?? "root", command: m[2].trim() }));
}

test("deploy: every sudo command the deploy CLI sends is allowed to the deploy role by the node's own sudoers, and to no other role", (t) => {
  for (const tool of ["unshare", "useradd", "sudo", "jq"]) if (!requireTool(t, tool)) return;
  if (process.getuid?.() !== 0) return t.skip("needs root for mount namespaces and chroot");
  let checked = 0;
  for (const app of appNodes(spec)) {
    const root = tempDir(t, "deploy-sudo-root-");
    makeRoot(root);
    install(root, renderHostBundle(spec, app).files.filter((f) => /apply\.d\/(20-users|30-shop-layout)$|^\/etc\/(shop|sudoers\.d)\/|^\/usr\/local\/sbin\/shop-release$/.test(f.path)));
    for (const hook of ["20-users", "30-shop-layout"]) assert.equal(inRoot(root, [`/usr/local/lib/shop/apply.d/${hook}`]).status, 0);
    const id = "20261202T221500Z-3fa9c2d1";
    const lines = [remote.preflight, remote.drain, remote.undrain, remote.maintenance(true), remote.maintenance(false), remote.prepare(id), remote.activate(id), remote.prune(3), remote.warmCache(app, id), remote.deploymentHelper(app, id), remote.reloadPhp(app), remote.restartWorkers(app)];
    const invocations = lines.flatMap(sudoInvocations);
    assert.ok(invocations.length >= lines.length, "every line sends at least one sudo command");
    for (const { runAs, command } of invocations) {
      const allowed = (user: string) => inRoot(root, ["sudo", "-l", "-U", user, "-u", runAs, ...command.split(" ")]).status === 0;
      assert.ok(allowed(DEPLOYER), `${app.name}: the deploy role may not run (as ${runAs}) ${command}`);
      assert.ok(!allowed(READONLY), `${app.name}: the readonly role may run (as ${runAs}) ${command}`);
      checked++;
    }
    // The scheduler is restarted only where it runs (D8): elsewhere the host refuses it.
    const scheduler = inRoot(root, ["sudo", "-l", "-U", DEPLOYER, "/usr/bin/systemctl", "restart", "shop-scheduler.service"]).status === 0;
    assert.equal(scheduler, Boolean(app.scheduler), `${app.name}: scheduler restart allowed=${scheduler}`);
  }
  t.diagnostic(`${checked} sudo invocations checked against the rendered sudoers of ${appNodes(spec).length} nodes`);
});
