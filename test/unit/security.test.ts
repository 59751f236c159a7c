import assert from "node:assert/strict";
import { test } from "node:test";
import { renderNftables, hostInboundRules } from "../../components/hostconfig/nftables";
import { renderHostBundle } from "../../components/hostconfig/bundle";
import { renderOriginLockdown } from "../../components/hostconfig/originLockdown";
import { usersConfig, sudoersFiles } from "../../components/hostconfig/users";
import { renderUnattendedUpgrades } from "../../components/hostconfig/updates";
import { adminBlockExpression, rescueKeys } from "../../components/security/accessRules";
import { cloudFirewallRules, mergeRules } from "../../components/security/firewallRules";
import { appNodes, ConfigError, dbPrimary } from "../../components/config";
import { allStacks, editedStackSpec, stackSpec } from "../helpers/stacks";

const demoWith = (edit: (raw: Record<string, any>) => void) => editedStackSpec("demo", edit);

function rejects(edit: (raw: Record<string, any>) => void, key: string, allowed: RegExp): void {
  assert.throws(
    () => demoWith(edit),
    (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.path === key && allowed.test(p.allowed)),
  );
}

test("cloud firewall: app gets SSH + ICMP from admin CIDRs only, db SSH only; never public HTTP or DB ports", () => {
  for (const stack of allStacks()) {
    const spec = stackSpec(stack);
    const app = cloudFirewallRules(spec, "app");
    const db = cloudFirewallRules(spec, "db");
    const extraSsh = spec.firewall.extraRules.filter((r) => r.protocol === "tcp" && r.port === "22").flatMap((r) => r.sourceIps);
    const ssh = app.find((r) => r.port === "22")!;
    assert.deepEqual([...ssh.sourceIps].sort(), [...new Set([...spec.sshCidrs, ...extraSsh])].sort());
    assert.deepEqual([...app.find((r) => r.protocol === "icmp")!.sourceIps].sort(), [...spec.sshCidrs].sort());
    assert.equal(db.find((r) => r.protocol === "icmp"), undefined, `${stack}: no ICMP on db`);
    for (const rules of [app, db]) {
      for (const port of ["80", "443", "3306", "6379"]) assert.equal(rules.find((r) => r.port === port), undefined, `${stack}: port ${port} closed`);
      const keys = rules.map((r) => `${r.protocol}/${r.port ?? ""}`);
      assert.equal(new Set(keys).size, keys.length, `${stack}: one rule per protocol and port`);
    }
  }
});

test("extra rules merge into built-in ones without duplicates; a waiver reaches the audit", () => {
  const { spec } = demoWith((raw) => {
    raw.firewall = {
      extraRules: [
        { description: "SSH from the agency VPN", protocol: "tcp", port: "22", sourceIps: ["198.51.100.10/32", "192.0.2.0/28"] },
        { description: "SFTP for the ERP", protocol: "tcp", port: "2222", sourceIps: ["192.0.2.50/32", "192.0.2.50/32"] },
        { description: "Redis for the vendor", protocol: "tcp", port: "6379", sourceIps: ["0.0.0.0/0"], waiver: "vendor needs it until 2027-01, ticket OPS-12" },
      ],
    };
  });
  const app = cloudFirewallRules(spec, "app");
  const ssh = app.filter((r) => r.port === "22");
  assert.equal(ssh.length, 1);
  assert.deepEqual(ssh[0].sourceIps, ["198.51.100.10/32", "2001:db8:100::/48", "198.51.100.20/32", "192.0.2.0/28"]);
  assert.deepEqual(app.find((r) => r.port === "2222")?.sourceIps, ["192.0.2.50/32"]);
  assert.deepEqual(spec.waivers.find((w) => w.checkId === "SEC-1"), {
    checkId: "SEC-1",
    key: "shop:firewall.extraRules[2]",
    reason: "vendor needs it until 2027-01, ticket OPS-12",
  });
  // The same rules reach the host firewall, which would otherwise drop them.
  assert.match(renderNftables(spec, appNodes(spec)[0]), /tcp dport 2222 ip saddr \{ 192\.0\.2\.50\/32 \} accept/);
  assert.deepEqual(mergeRules([{ description: "x", protocol: "tcp", port: "1", sourceIps: [] }]), [], "a rule with no sources is dropped");
});

test("an extra rule opens only on the roles it names (app by default), in the Hetzner firewall and host nftables", () => {
  // alpenhaus's "Legacy ERP pulls exports over SFTP" names no roles: app nodes only, never the DB firewall.
  const alpenhaus = stackSpec("alpenhaus");
  const erp = alpenhaus.firewall.extraRules[0].sourceIps[0];
  assert.deepEqual(alpenhaus.firewall.extraRules[0].roles, ["app"]);
  assert.ok(cloudFirewallRules(alpenhaus, "app").some((r) => r.sourceIps.includes(erp)));
  assert.ok(!cloudFirewallRules(alpenhaus, "db").some((r) => r.sourceIps.includes(erp)), "not on the DB firewall");
  assert.ok(!hostInboundRules(alpenhaus, dbPrimary(alpenhaus)).some((r) => r.sourceIps.includes(erp)), "not in the DB hosts' nftables");
  assert.ok(hostInboundRules(alpenhaus, appNodes(alpenhaus)[0]).some((r) => r.sourceIps.includes(erp)));
  const { spec } = demoWith((raw) => {
    raw.firewall = { extraRules: [{ description: "BI reads the replica", protocol: "tcp", port: "3306", sourceIps: ["85.215.10.10/32"], roles: ["db"] }] };
  });
  assert.ok(cloudFirewallRules(spec, "db").some((r) => r.port === "3306"));
  assert.ok(!cloudFirewallRules(spec, "app").some((r) => r.port === "3306"));
  assert.match(renderNftables(spec, dbPrimary(spec)), /tcp dport 3306 ip saddr \{[^}]*85\.215\.10\.10\/32/);
  rejects((raw) => (raw.firewall = { extraRules: [{ description: "typo", protocol: "tcp", port: "80", sourceIps: ["85.215.10.10/32"], roles: ["web"] }] }), "shop:firewall.extraRules[0].roles[0]", /app, db/);
});

test("bad input: world-open Redis, malformed extra-rule CIDR, unknown role name; warning 14 days before expiry", () => {
  rejects(
    (raw) => (raw.firewall = { extraRules: [{ description: "redis", protocol: "tcp", port: "6379", sourceIps: ["::/0"] }] }),
    "shop:firewall.extraRules[0]",
    /6379.*waiver/,
  );
  rejects(
    (raw) => (raw.firewall = { extraRules: [{ description: "typo", protocol: "tcp", port: "8443", sourceIps: ["192.0.2.0/33"] }] }),
    "shop:firewall.extraRules[0].sourceIps[0]",
    /CIDR/,
  );
  rejects((raw) => (raw.users[1].role = "root"), "shop:users[1].role", /admin, deploy, readonly/);
  rejects((raw) => (raw.users[0].sshKeys = ["ssh-ed25519 not-base64!"]), "shop:users[0].sshKeys[0]", /OpenSSH public key/);
  const { warnings } = demoWith((raw) => (raw.users[2].expires = "2026-12-01"));
  assert.ok(warnings.some((w) => /users\[2\] auditor expires on 2026-12-01, in 9 day/.test(w)), warnings.join("\n"));
  const later = demoWith((raw) => (raw.users[2].expires = "2027-01-01"));
  assert.ok(!later.warnings.some((w) => w.includes("auditor")), "no warning 40 days ahead");
});

test("host rules: HTTP only from the LB, MariaDB/Redis from app nodes and the peer db, 9100 from monitoring", () => {
  const spec = stackSpec("demo");
  const app = appNodes(spec)[0];
  const primary = dbPrimary(spec);
  const appRules = hostInboundRules(spec, app);
  assert.deepEqual(appRules.find((r) => r.port === "80")?.sourceIps, [`${spec.network.lbPrivateIp}/32`]);
  assert.equal(appRules.find((r) => r.port === "3306"), undefined);
  const dbRules = hostInboundRules(spec, primary);
  const expected = [...appNodes(spec).map((n) => `${n.privateIp}/32`), ...spec.nodes.filter((n) => n.kind === "db" && n !== primary).map((n) => `${n.privateIp}/32`)];
  for (const port of ["3306", "6379"]) assert.deepEqual(dbRules.find((r) => r.port === port)?.sourceIps, expected);
  assert.equal(dbRules.find((r) => r.port === "80"), undefined);
  assert.deepEqual(dbRules.find((r) => r.port === "9100")?.sourceIps, spec.monitoringCidrs);
  assert.match(renderNftables(spec, primary), /policy drop;[\s\S]*iif "lo" accept[\s\S]*ct state established,related accept/);
  assert.match(renderNftables(spec, primary), /icmp type \{[^}]*echo-request[^}]*\} limit rate \d+\/second/);
});

test("small profile: each node is app and db, so it opens HTTP to the LB and DB ports to the other node", () => {
  const { spec } = demoWith((raw) => (raw.profile = "small"));
  for (const node of spec.nodes) {
    const rules = hostInboundRules(spec, node);
    assert.ok(rules.some((r) => r.port === "80"));
    const other = spec.nodes.find((n) => n !== node)!;
    assert.ok(rules.find((r) => r.port === "3306")?.sourceIps.includes(`${other.privateIp}/32`));
  }
});

test("origin lock-down: Cloudflare ranges + LB + the node itself + loopback, deny all; off when cloudflareOnly is off", () => {
  const spec = stackSpec("demo");
  const node = appNodes(spec)[0];
  const on = renderOriginLockdown(spec, node);
  assert.match(on, /^allow 173\.245\.48\.0\/20;$/m);
  assert.match(on, /^allow 2606:4700::\/32;$/m);
  assert.match(on, new RegExp(`^allow ${spec.network.lbPrivateIp.replace(/\./g, "\\.")};$`, "m"));
  assert.match(on, new RegExp(`^allow ${node.privateIp.replace(/\./g, "\\.")};$`, "m"), "the deploy probes the node from itself");
  assert.ok(on.trimEnd().endsWith("deny all;"));
  const offSpec = demoWith((raw) => (raw.dns = { proxied: false })).spec;
  const off = renderOriginLockdown(offSpec, appNodes(offSpec)[0]);
  assert.doesNotMatch(off, /deny/);
});

test("users: only admins get Hetzner keys; role groups and sudo rights follow least privilege", () => {
  const spec = stackSpec("demo");
  assert.deepEqual(
    rescueKeys(spec).map((k) => k.user),
    spec.users.filter((u) => u.role === "admin").map((u) => u.name),
  );
  const config = usersConfig(spec, appNodes(spec)[0]);
  assert.deepEqual(config.users.map((u) => u.name), ["anna", "auditor", "ci-deploy"]);
  assert.equal(config.releaseDir, "/var/www/shop");
  assert.equal(usersConfig(spec, dbPrimary(spec)).releaseDir, null);
  assert.deepEqual(config.roles.readonly.groups, ["adm", "systemd-journal"]);
  const sudo = Object.fromEntries(sudoersFiles(appNodes(spec)[0]).map((f) => [f.path, f.content]));
  assert.match(sudo["/etc/sudoers.d/shop-admin"], /^%shop-admin ALL=\(ALL:ALL\) NOPASSWD: ALL$/m);
  assert.doesNotMatch(sudo["/etc/sudoers.d/shop-deploy"], /NOPASSWD: ALL$|\*/m);
  assert.doesNotMatch(sudo["/etc/sudoers.d/shop-readonly"], /NOPASSWD: ALL$|\*/m);
});

test("WAF: /admin blocked outside the allow-list; no rule without a list", () => {
  assert.equal(adminBlockExpression([]), undefined);
  assert.equal(
    adminBlockExpression(["198.51.100.10/32", "2001:db8::/48", "198.51.100.10/32"]),
    '(starts_with(http.request.uri.path, "/admin") and not ip.src in {198.51.100.10/32 2001:db8::/48})',
  );
});

test("updates: reboot hours are distinct per node, replicas before the primary", () => {
  for (const stack of allStacks()) {
    const spec = stackSpec(stack);
    const hours = spec.nodes.map((n) => n.rebootTime);
    assert.equal(new Set(hours).size, hours.length, `${stack}: one node per hour`);
    const primary = dbPrimary(spec);
    for (const r of spec.nodes.filter((n) => n.roles.includes("db-replica"))) assert.ok(r.rebootTime < primary.rebootTime || spec.updates.rebootWindowStart > primary.rebootTime);
    for (const n of spec.nodes) assert.match(renderUnattendedUpgrades(spec, n), new RegExp(`Automatic-Reboot-Time "${n.rebootTime}"`));
  }
});

test("deploy sudo names exactly the units a node runs, and bin/console only as www-data", () => {
  for (const stack of allStacks()) {
    const spec = stackSpec(stack);
    for (const node of appNodes(spec)) {
      const deploy = sudoersFiles(node).find((f) => f.path === "/etc/sudoers.d/shop-deploy")!.content;
      // sudo matches `^…$` argument regexes against the whole argument string (sudoers(5) "Regular expressions").
      const argRegexes = [...deploy.matchAll(/\/usr\/(?:bin|local\/sbin)\/(systemctl|php[\d.]+|shop-release) (\^[^,\n]*\$)/g)].map((m) => ({ cmd: m[1], re: new RegExp(m[2]) }));
      const allowed = (cmd: string, args: string) => argRegexes.some((r) => r.cmd === cmd && r.re.test(args));
      const units = new Set(renderHostBundle(spec, node).files.filter((f) => f.path.startsWith("/etc/systemd/system/")).map((f) => f.path.split("/").pop()!));
      assert.ok(allowed("systemctl", "restart shop-consumer@1.service"), `${node.name}: consumers`);
      assert.equal(allowed("systemctl", "restart shop-scheduler.service"), Boolean(node.scheduler), `${node.name}: the scheduler only where it runs`);
      assert.ok(units.has("shop-scheduler.service"));
      assert.ok(!allowed("systemctl", "restart shop-consumers.target"), `${node.name}: no unit has PartOf shop-consumers.target`);
      assert.ok(!allowed("systemctl", "restart shop-consumer@1 ssh.service"), `${node.name}: one unit per call`);
      assert.ok(allowed(`php${spec.os.php}`, "/var/www/shop/current/bin/console cache:clear"), `${node.name}: console in current`);
      assert.ok(allowed(`php${spec.os.php}`, "/var/www/shop/releases/20261202-0712/bin/console theme:compile"), `${node.name}: console in a release`);
      for (const escape of ["/tmp/evil.php", "/var/www/shop/releases/../../../tmp/bin/console", "-r system('id'); /var/www/shop/current/bin/console"])
        assert.ok(!allowed(`php${spec.os.php}`, escape), `${node.name}: ${escape}`);
      assert.ok(allowed(`php${spec.os.php}`, "/var/www/shop/releases/20261202-0712/vendor/bin/shopware-deployment-helper run"), `${node.name}: the deployment helper`);
      assert.ok(!allowed(`php${spec.os.php}`, "/var/www/shop/releases/20261202-0712/vendor/bin/other-tool run"), `${node.name}: no other vendor binary`);
      for (const ok of ["prepare 20261202-0712", "activate 20261202-0712", "rollback", "drain", "undrain", "status", "prune 3", "maintenance on", "maintenance off"])
        assert.ok(allowed("shop-release", ok), `${node.name}: shop-release ${ok}`);
      for (const bad of ["prepare ../../etc", "prepare .hidden", "prepare a b", "prune 0", "prune 100", "maintenance maybe", "activate", "drain now"])
        assert.ok(!allowed("shop-release", bad), `${node.name}: shop-release ${bad}`);
      assert.match(deploy, /^%shop-deploy ALL=\(www-data\) NOPASSWD: SHOP_CONSOLE_CMDS$/m);
      assert.doesNotMatch(deploy, /\(root\) NOPASSWD: .*CONSOLE/);
    }
  }
});
