import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { parse } from "yaml";
import { renderHostBundle, selfContainedBundle } from "../../components/hostconfig/bundle";
import { renderUserData } from "../../components/hostconfig/cloudInit";
import { SSHD_HARDENING_PATH } from "../../components/hostconfig/sshd";
import { FAIL2BAN_BACKEND_PATH } from "../../components/hostconfig/fail2ban";
import { appNodes } from "../../components/config";
import { applyInto, fakeSystemctl, readLines, TEST_SECRETS, writeBundleDir } from "../helpers/hostBundle";
import { ROOT, stackSpec } from "../helpers/stacks";
import { requireTool, run, tempDir } from "../helpers/tools";

const spec = stackSpec("demo");
const node = appNodes(spec)[0];
const bundle = renderHostBundle(spec, node);
const site = "/etc/nginx/conf.d/shop.conf";
const fpmPool = `/etc/php/${spec.os.php}/fpm/pool.d/www.conf`;

test("shop-apply installs a real app bundle, then changes nothing on a second run", (t) => {
  if (!requireTool(t, "jq")) return;
  const dir = tempDir(t);
  const root = path.join(dir, "root");
  writeBundleDir(bundle, path.join(dir, "in"), { withHooks: false });
  const systemctl = fakeSystemctl(dir);

  const first = applyInto(root, path.join(dir, "in"), systemctl.bin);
  assert.equal(first.status, 0, first.stdout + first.stderr);
  const firstCalls = readLines(systemctl.log);
  assert.ok(firstCalls.includes("daemon-reload"), "units were installed, so systemd must reload");
  assert.ok(firstCalls.includes("reload-or-restart nginx.service") || firstCalls.includes("restart nginx.service"), firstCalls.join("\n"));
  assert.ok(firstCalls.includes(`reload-or-restart php${spec.os.php}-fpm.service`), firstCalls.join("\n"));

  // Every file landed with its mode, and templates were filled from the secrets on stdin.
  for (const f of bundle.files.filter((f) => !f.path.startsWith("/usr/local/lib/shop/apply.d/"))) {
    const stat = fs.statSync(path.join(root, f.path));
    assert.equal((stat.mode & 0o7777).toString(8), f.mode.replace(/^0/, ""), f.path);
  }
  const env = fs.readFileSync(path.join(root, "var/www/shop/shared/.env.local"), "utf8");
  assert.match(env, new RegExp(`^APP_SECRET=${TEST_SECRETS.APP_SECRET}$`, "m"));
  assert.doesNotMatch(env, /\{\{secret:/);
  assert.equal((fs.statSync(path.join(root, "etc/shop/secrets.env")).mode & 0o777).toString(8), "600");

  fs.writeFileSync(systemctl.log, "");
  const second = applyInto(root, path.join(dir, "in"), systemctl.bin);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /shop-apply: no changes$/m);
  assert.deepEqual(readLines(systemctl.log), [], "a second run must not restart anything");

  // One changed file: exactly its units restart, nothing else.
  fs.appendFileSync(path.join(dir, "in", "bundle", fpmPool), "; changed by the test\n");
  const third = applyInto(root, path.join(dir, "in"), systemctl.bin);
  assert.equal(third.status, 0, third.stderr);
  assert.deepEqual(readLines(systemctl.log), [`reload-or-restart php${spec.os.php}-fpm.service`]);
  assert.match(third.stdout, new RegExp(`installed ${fpmPool.replace(/\./g, "\\.")}`));
  assert.match(third.stdout, /1 file\(s\) changed/);

  // A drifted file on the host (mode changed by hand) is put back, and only its units restart.
  fs.writeFileSync(systemctl.log, "");
  fs.chmodSync(path.join(root, site), 0o600);
  const fourth = applyInto(root, path.join(dir, "in"), systemctl.bin);
  assert.equal(fourth.status, 0, fourth.stderr);
  assert.equal((fs.statSync(path.join(root, site)).mode & 0o777).toString(8), "644");
  assert.deepEqual(readLines(systemctl.log).sort(), ["reload-or-restart nginx.service"]);
});

test("shop-apply reads converge's self-contained bundle.json and rotates a secret into its templates only", (t) => {
  if (!requireTool(t, "jq")) return;
  const dir = tempDir(t);
  const root = path.join(dir, "root");
  const withoutHooks = { ...bundle, files: bundle.files.filter((f) => !f.path.startsWith("/usr/local/lib/shop/apply.d/")) };
  const json = path.join(dir, "bundle.json");
  fs.writeFileSync(json, selfContainedBundle(withoutHooks));
  const systemctl = fakeSystemctl(dir);
  assert.equal(applyInto(root, json, systemctl.bin).status, 0);

  fs.writeFileSync(systemctl.log, "");
  const rotated = applyInto(root, json, systemctl.bin, { ...TEST_SECRETS, APP_SECRET: "rotatedsecret" });
  assert.equal(rotated.status, 0, rotated.stderr);
  assert.match(fs.readFileSync(path.join(root, "var/www/shop/shared/.env.local"), "utf8"), /^APP_SECRET=rotatedsecret$/m);
  const calls = readLines(systemctl.log).sort();
  assert.ok(calls.includes("restart shop-consumer@*.service"), calls.join("\n"));
  assert.ok(!calls.some((c) => c.includes("nginx")), `nginx has no secret and must not restart: ${calls.join(", ")}`);
});

test("shop-apply fails, and says why, when a template names a secret the host does not have", (t) => {
  if (!requireTool(t, "jq")) return;
  const dir = tempDir(t);
  const json = path.join(dir, "bundle.json");
  const files = [{ path: "/etc/shop/x.conf", mode: "0640", owner: "root:root", content: "pw={{secret:NOT_THERE}}\n", template: true }];
  fs.writeFileSync(json, JSON.stringify({ host: "h", hash: "0".repeat(64), files }));
  const r = applyInto(path.join(dir, "root"), json, fakeSystemctl(dir).bin);
  assert.notEqual(r.status, 0);
  assert.match(r.stdout, /needs secret NOT_THERE/);
  assert.ok(!fs.existsSync(path.join(dir, "root", "etc/shop/x.conf")));
});

test("shop-apply runs hooks in name order and fails when one fails", (t) => {
  if (!requireTool(t, "jq")) return;
  const dir = tempDir(t);
  const json = path.join(dir, "bundle.json");
  const hook = (name: string, body: string) => ({ path: `/usr/local/lib/shop/apply.d/${name}`, mode: "0755", owner: "root:root", content: `#!/bin/sh\n${body}\n` });
  const order = path.join(dir, "order");
  const files = [hook("20-b", `echo b >> '${order}'`), hook("10-a", `echo a >> '${order}'`), hook("30-fail", "echo broken; exit 3"), hook("40-never", `echo d >> '${order}'`)];
  fs.writeFileSync(json, JSON.stringify({ host: "h", hash: "1".repeat(64), files }));
  const r = applyInto(path.join(dir, "root"), json, fakeSystemctl(dir).bin);
  assert.notEqual(r.status, 0);
  assert.deepEqual(readLines(order), ["a", "b"]);
  assert.match(r.stdout, /30-fail: broken/);
  assert.match(r.stdout, /hook 30-fail failed with exit code 3/);
});

test("shop-apply removes what the bundle no longer has: units stopped and disabled, their users restarted", (t) => {
  if (!requireTool(t, "jq")) return;
  const dir = tempDir(t);
  const root = path.join(dir, "root");
  const json = path.join(dir, "bundle.json");
  const keep = { path: "/etc/shop/keep.conf", mode: "0644", owner: "root:root", content: "keep\n", restarts: ["keep.service"] };
  const timer = { path: "/etc/systemd/system/shop-extra.timer", mode: "0644", owner: "root:root", content: "[Timer]\nOnCalendar=daily\n", restarts: ["shop-extra.timer"] };
  const workerUnit = { path: "/etc/systemd/system/shop-extra@.service", mode: "0644", owner: "root:root", content: "[Service]\nExecStart=/bin/true\n" };
  const extraConf = { path: "/etc/shop/extra.env", mode: "0644", owner: "root:root", content: "X=1\n", restarts: ["shop-extra.timer", "reload:nginx.service"] };
  const systemctl = fakeSystemctl(dir);
  fs.writeFileSync(json, JSON.stringify({ host: "h", hash: "a".repeat(64), files: [keep, timer, workerUnit, extraConf] }));
  assert.equal(applyInto(root, json, systemctl.bin).status, 0);

  fs.writeFileSync(systemctl.log, "");
  fs.writeFileSync(json, JSON.stringify({ host: "h", hash: "b".repeat(64), files: [keep] }));
  const r = applyInto(root, json, systemctl.bin);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  for (const gone of [timer, workerUnit, extraConf]) assert.ok(!fs.existsSync(path.join(root, gone.path)), gone.path);
  assert.ok(fs.existsSync(path.join(root, keep.path)));
  assert.deepEqual(readLines(systemctl.log), [
    "disable --now shop-extra.timer",
    "stop shop-extra@*.service",
    "daemon-reload",
    "reload-or-restart nginx.service",
  ]);
  assert.match(r.stdout, /0 file\(s\) changed, 3 removed/);

  fs.writeFileSync(systemctl.log, "");
  assert.match(applyInto(root, json, systemctl.bin).stdout, /no changes$/m);
  assert.deepEqual(readLines(systemctl.log), []);
});

test("cloud-init's runcmd applies the first bundle from the rendered user data", (t) => {
  if (!requireTool(t, "jq")) return;
  const dir = tempDir(t);
  const root = path.join(dir, "root");
  const doc = parse(renderUserData(node, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBootstrapTestKeyBootstrapTestKeyBootstrapTe t")) as {
    write_files: { path: string; permissions: string; content: string }[];
    runcmd: string[][];
  };
  // What cloud-init's write_files does, under the test root.
  for (const f of doc.write_files) {
    fs.mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
    fs.writeFileSync(path.join(root, f.path), f.content, { mode: parseInt(f.permissions, 8) });
  }
  const [[script, bundleArg]] = doc.runcmd;
  const systemctl = fakeSystemctl(dir);
  const r = run("bash", [path.join(root, script), path.join(root, bundleArg)], { env: { ...process.env, SHOP_ROOT: root, SHOP_SYSTEMCTL: systemctl.bin } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  for (const baseline of [SSHD_HARDENING_PATH, FAIL2BAN_BACKEND_PATH]) {
    const file = bundle.files.find((f) => f.path === baseline)!;
    assert.equal(fs.readFileSync(path.join(root, baseline), "utf8"), file.content, baseline);
  }
  assert.deepEqual(readLines(systemctl.log).sort(), ["restart fail2ban.service", "restart ssh.service"]);
  // The first converge then finds the baseline in place: same content, nothing to restart for it.
  fs.writeFileSync(systemctl.log, "");
  writeBundleDir(bundle, path.join(dir, "in"), { withHooks: false });
  assert.equal(applyInto(root, path.join(dir, "in"), systemctl.bin).status, 0);
  const restarted = readLines(systemctl.log);
  assert.ok(!restarted.includes("restart ssh.service"), restarted.join("\n"));
});

test("15-units enables listed units and disables instances of a listed template no list wants", (t) => {
  const dir = tempDir(t);
  const root = path.join(dir, "root");
  const wants = path.join(root, "etc/systemd/system/multi-user.target.wants");
  fs.mkdirSync(wants, { recursive: true });
  fs.mkdirSync(path.join(root, "etc/shop/units"), { recursive: true });
  fs.writeFileSync(path.join(root, "etc/shop/units/shopware.list"), "enable shop-consumer@1.service\nenable shop-consumer@2.service\ndisable shop-scheduler.service\n");
  for (const i of [1, 2, 3]) fs.symlinkSync("/etc/systemd/system/shop-consumer@.service", path.join(wants, `shop-consumer@${i}.service`));
  // systemctl stand-in: consumer@2 is not enabled yet, everything else is.
  const log = path.join(dir, "calls");
  const systemctl = path.join(dir, "systemctl");
  fs.writeFileSync(systemctl, `#!/bin/sh\necho "$*" >> '${log}'\ncase "$*" in "is-enabled --quiet shop-consumer@2.service") exit 1;; esac\nexit 0\n`, { mode: 0o755 });
  const r = run("bash", [path.join(ROOT, "components/files/apply.d/15-units")], { env: { ...process.env, SHOP_ROOT: root, SHOP_SYSTEMCTL: systemctl } });
  assert.equal(r.status, 0, r.stderr);
  const actions = readLines(log).filter((l) => !l.startsWith("is-"));
  assert.deepEqual(actions, ["enable --now shop-consumer@2.service", "disable --now shop-scheduler.service", "disable --now shop-consumer@3.service"]);
  assert.match(r.stdout, /disabled shop-consumer@3\.service \(no longer listed\)/);
});
