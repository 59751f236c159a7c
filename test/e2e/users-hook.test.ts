import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import type { BundleFile } from "../../components/hostconfig/types";
import { usersAndRoles } from "../../components/hostconfig/users";
import { releaseTool } from "../../components/hostconfig/release";
import { appNodes } from "../../components/config";
import { editedStackSpec } from "../helpers/stacks";
import { requireTool, tempDir } from "../helpers/tools";
import { inRoot, install, makeRoot } from "../helpers/chrootRoot";

/** The real users hook with the real useradd/usermod/chage/sudo, inside a throwaway root (test/helpers/chrootRoot.ts). */

const LEAVER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILeaverLeaverLeaverLeaverLeaverLeaverLeaver00 leaver@agentur";

function bundleFor(edit: (raw: Record<string, any>) => void): BundleFile[] {
  const { spec } = editedStackSpec("demo", edit);
  // The release tool too: sudo -l resolves the commands it is asked about.
  return [...usersAndRoles(spec, appNodes(spec)[0]), ...releaseTool(spec, appNodes(spec)[0])];
}

const line = (root: string, file: string, name: string) =>
  fs.readFileSync(path.join(root, "etc", file), "utf8").split("\n").find((l) => l.startsWith(`${name}:`));
const membersOf = (root: string, group: string) => (line(root, "group", group)?.split(":")[3] ?? "").split(",").filter(Boolean);
const shadow = (root: string, name: string) => line(root, "shadow", name)!.split(":");

test("users hook: creates, restricts, expires and offboards real accounts in a throwaway root", (t) => {
  if (!requireTool(t, "unshare") || !requireTool(t, "useradd") || !requireTool(t, "sudo") || !requireTool(t, "jq")) return;
  if (process.getuid?.() !== 0) {
    t.skip("needs root for mount namespaces and chroot");
    return;
  }
  const root = tempDir(t, "shop-users-root-");
  makeRoot(root);
  const hook = "/usr/local/lib/shop/apply.d/20-users";

  // Converge 1: the demo users plus a leaver.
  const withLeaver = bundleFor((raw) => raw.users.push({ name: "leaver", role: "admin", sshKeys: [LEAVER_KEY] }));
  install(root, withLeaver);
  const first = inRoot(root, [hook]);
  assert.equal(first.status, 0, first.stdout + first.stderr);
  for (const name of ["anna", "ci-deploy", "auditor", "leaver"]) assert.ok(line(root, "passwd", name), `${name} exists`);
  assert.deepEqual(
    ["shop-ssh", "shop-managed", "shop-admin", "adm", "systemd-journal"].filter((g) => membersOf(root, g).includes("anna")),
    ["shop-ssh", "shop-managed", "shop-admin", "adm", "systemd-journal"],
  );
  assert.ok(membersOf(root, "shop-deploy").includes("ci-deploy") && !membersOf(root, "shop-admin").includes("ci-deploy"));
  assert.ok(membersOf(root, "systemd-journal").includes("auditor") && !membersOf(root, "shop-deploy").includes("auditor"));
  const keys = fs.readFileSync(path.join(root, "etc/ssh/authorized_keys.d/anna"), "utf8");
  assert.match(keys, /^ssh-ed25519 \S+ anna@agentur$/m);
  // chage -E 2027-06-30: days since the epoch in the shadow file's eighth field.
  assert.equal(Number(shadow(root, "auditor")[7]), Date.parse("2027-06-30") / 86_400_000);
  assert.equal(shadow(root, "anna")[1], "*", "key-only: no password, not locked");
  // Deployers upload into releases/ only; `current` and shared/ change through shop-release.
  const shopDir = fs.statSync(path.join(root, "var/www/shop"));
  assert.equal(shopDir.mode & 0o7777, 0o755);
  assert.equal(shopDir.uid, 0);
  const releases = fs.statSync(path.join(root, "var/www/shop/releases"));
  assert.equal(releases.mode & 0o7777, 0o3775, "setgid and sticky");
  assert.equal(line(root, "group", "shop-deploy")!.split(":")[2], String(releases.gid));

  // sudo decides for real, from the rendered drop-ins.
  const may = (user: string, ...cmd: string[]) => inRoot(root, ["sudo", "-l", "-U", user, ...cmd]).status === 0;
  const fpm = `php${editedStackSpec("demo", () => undefined).spec.os.php}-fpm`;
  assert.ok(may("anna", "/usr/bin/bash"), "admin: anything");
  assert.ok(may("ci-deploy", "/usr/bin/systemctl", "reload", fpm), "deploy: reload php-fpm");
  assert.ok(may("ci-deploy", "/usr/bin/systemctl", "restart", "shop-consumer@2.service"), "deploy: restart a worker");
  assert.ok(!may("ci-deploy", "/usr/bin/systemctl", "restart", "shop-consumer@2", "ssh.service"), "deploy: no smuggled second unit");
  assert.ok(!may("ci-deploy", "/usr/bin/systemctl", "stop", "nftables"), "deploy: no other systemctl verbs");
  assert.ok(!may("ci-deploy", "/usr/bin/bash"), "deploy: no shell");
  assert.ok(may("ci-deploy", "/usr/local/sbin/shop-release", "prepare", "20261202-1200"), "deploy: prepare a release");
  assert.ok(may("ci-deploy", "/usr/local/sbin/shop-release", "drain"), "deploy: drain");
  assert.ok(!may("ci-deploy", "/usr/local/sbin/shop-release", "prepare", "../../etc"), "deploy: no path as a release id");
  assert.ok(!may("ci-deploy", "/usr/local/sbin/shop-release", "prune", "0"), "deploy: prune keeps at least one");
  assert.ok(!may("auditor", "/usr/local/sbin/shop-release", "drain"), "readonly: no deploy gates");
  assert.ok(may("auditor", "/usr/sbin/nft", "list", "ruleset"), "readonly: may list the firewall");
  assert.ok(!may("auditor", "/usr/bin/systemctl", "reload", fpm), "readonly: changes nothing");

  // A key someone added by hand in a home directory does not survive a converge.
  const annaSsh = path.join(root, "home/anna/.ssh");
  fs.mkdirSync(annaSsh, { recursive: true });
  fs.writeFileSync(path.join(annaSsh, "authorized_keys"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRogueRogueRogueRogueRogueRogueRogue000 rogue\n");

  // Converge 2: the leaver is gone from the stack, and the auditor's expiry has passed meanwhile.
  install(root, bundleFor(() => undefined));
  const usersJson = path.join(root, "etc/shop/users.json");
  const config = JSON.parse(fs.readFileSync(usersJson, "utf8"));
  config.users.find((u: { name: string }) => u.name === "auditor").expires = "2026-01-31";
  fs.writeFileSync(usersJson, JSON.stringify(config));
  const second = inRoot(root, [hook]);
  assert.equal(second.status, 0, second.stdout + second.stderr);
  assert.match(second.stdout, /locked leaver \(no longer declared\)/);
  assert.match(second.stdout, /locked auditor \(expired on 2026-01-31\)/);
  for (const name of ["leaver", "auditor"]) {
    const s = shadow(root, name);
    assert.ok(s[1].startsWith("!"), `${name}'s password field is locked`);
    assert.equal(s[7], "1", `${name}'s account expired`);
    assert.ok(!fs.existsSync(path.join(root, "etc/ssh/authorized_keys.d", name)), `${name} has no keys`);
    assert.ok(!membersOf(root, "shop-ssh").includes(name), `${name} left the SSH group`);
    assert.ok(!may(name, "/usr/bin/bash"));
  }
  assert.ok(!fs.existsSync(path.join(annaSsh, "authorized_keys")), "hand-added key removed");
  assert.ok(fs.existsSync(path.join(root, "etc/ssh/authorized_keys.d/anna")));

  // Converge 3 changes nothing: the hook is idempotent.
  const third = inRoot(root, [hook]);
  assert.equal(third.status, 0, third.stderr);
  assert.doesNotMatch(third.stdout, /created|locked leaver/);
  for (const l of second.stdout.trim().split("\n")) t.diagnostic(l);

  // A declared name that belongs to an account the hook did not create (made by hand here;
  // system accounts are already refused by validation) is refused, and left untouched.
  const byHand = inRoot(root, ["useradd", "-m", "erika"]);
  assert.equal(byHand.status, 0, byHand.stderr);
  const erikaBefore = line(root, "shadow", "erika");
  install(root, bundleFor((raw) => raw.users.push({ name: "erika", role: "admin", sshKeys: [LEAVER_KEY] })));
  const takeover = inRoot(root, [hook]);
  assert.notEqual(takeover.status, 0);
  assert.match(takeover.stderr, /refusing to manage erika/);
  assert.equal(line(root, "shadow", "erika"), erikaBefore);
  assert.ok(!membersOf(root, "shop-admin").includes("erika"));
});
