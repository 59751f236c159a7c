import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { describe, test } from "node:test";
import type { BundleFile } from "../../components/hostconfig/types";
import { fail2ban } from "../../components/hostconfig/fail2ban";
import { hostFirewall } from "../../components/hostconfig/nftables";
import { originLockdown } from "../../components/hostconfig/originLockdown";
import { SSHD_HARDENING_PATH, sshdHardening } from "../../components/hostconfig/sshd";
import { securityUpdates } from "../../components/hostconfig/updates";
import { usersAndRoles } from "../../components/hostconfig/users";
import { allStacks, stackSpec } from "../helpers/stacks";
import { requireTool, run, tempDir } from "../helpers/tools";

const renderers = [sshdHardening, hostFirewall, originLockdown, usersAndRoles, fail2ban, securityUpdates];

function securityFiles(stack: string, host: string): BundleFile[] {
  const spec = stackSpec(stack);
  const node = spec.nodes.find((n) => n.name === host)!;
  return renderers.flatMap((r) => r(spec, node));
}

function fileAt(files: BundleFile[], p: string): BundleFile {
  const f = files.find((x) => x.path === p);
  assert.ok(f, `${p} is rendered`);
  return f;
}

function write(dir: string, name: string, content: string, mode = 0o644): string {
  const target = path.join(dir, name);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, content, { mode });
  return target;
}

const ok = (r: { status: number | null; stdout: string; stderr: string }, what: string) =>
  assert.equal(r.status, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);

/** sshd wants /run/sshd; a private mount namespace gives it one without touching the machine. */
function sshd(args: string[]) {
  return run("unshare", [process.getuid?.() === 0 ? "-m" : "-rm", "sh", "-c", 'mount -t tmpfs tmpfs /run && mkdir -m 0755 /run/sshd && exec /usr/sbin/sshd "$@"', "sshd", ...args]);
}

for (const stack of allStacks()) {
  const hosts = stackSpec(stack).nodes.map((n) => n.name);
  describe(`security files of stack ${stack}`, () => {
    for (const host of hosts) {
      const files = securityFiles(stack, host);

      test(`${host}: sshd accepts the hardening drop-in, and it wins over cloud-init's`, (t) => {
        if (!requireTool(t, "sshd") || !requireTool(t, "unshare")) return;
        const dir = tempDir(t);
        write(dir, "sshd_config.d/10-hardening.conf", fileAt(files, SSHD_HARDENING_PATH).content);
        // What cloud-init writes with ssh_pwauth; sshd keeps the first value it reads.
        write(dir, "sshd_config.d/50-cloud-init.conf", "PasswordAuthentication yes\nPermitRootLogin yes\n");
        const config = write(dir, "sshd_config", `Include ${dir}/sshd_config.d/*.conf\nUsePAM yes\n`);
        const hostKey = path.join(dir, "host_ed25519");
        ok(run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]), "ssh-keygen");
        fs.chmodSync(hostKey, 0o600);
        ok(sshd(["-t", "-f", config, "-h", hostKey]), "sshd -t");
        const effective = sshd(["-T", "-f", config, "-h", hostKey, "-C", "user=anna,host=admin,addr=198.51.100.10"]);
        ok(effective, "sshd -T");
        for (const line of [
          "permitrootlogin no",
          "passwordauthentication no",
          "kbdinteractiveauthentication no",
          "maxauthtries 3",
          "allowgroups shop-ssh",
          "allowgroups shopops",
          "x11forwarding no",
          "allowagentforwarding no",
          "allowtcpforwarding no",
        ])
          assert.match(effective.stdout, new RegExp(`^${line}$`, "m"), line);
      });

      test(`${host}: visudo accepts every sudoers drop-in (names without '.')`, (t) => {
        if (!requireTool(t, "visudo")) return;
        const dir = tempDir(t);
        const sudoers = files.filter((f) => f.path.startsWith("/etc/sudoers.d/"));
        assert.deepEqual(sudoers.map((f) => path.basename(f.path)).sort(), ["shop-admin", "shop-deploy", "shop-readonly"]);
        for (const f of sudoers) {
          assert.ok(!path.basename(f.path).includes("."), f.path);
          assert.equal(f.mode, "0440");
          ok(run("visudo", ["-c", "-f", write(dir, path.basename(f.path), f.content, 0o440)]), `visudo ${f.path}`);
        }
      });

      test(`${host}: nft accepts the ruleset`, (t) => {
        if (!requireTool(t, "nft")) return;
        const file = write(tempDir(t), "nftables.conf", fileAt(files, "/etc/nftables.conf").content);
        const r = process.getuid?.() === 0 ? run("nft", ["-c", "-f", file]) : run("unshare", ["-rn", "nft", "-c", "-f", file]);
        ok(r, "nft -c");
      });

      test(`${host}: fail2ban accepts the jails; sshd uses the journal and nftables`, (t) => {
        if (!requireTool(t, "fail2ban-client")) return;
        const dir = tempDir(t);
        fs.cpSync("/etc/fail2ban", dir, { recursive: true });
        for (const jail of ["00-shop-backend.local", "shop.local"]) write(dir, `jail.d/${jail}`, fileAt(files, `/etc/fail2ban/jail.d/${jail}`).content);
        ok(run("fail2ban-client", ["-c", dir, "-t"]), "fail2ban-client -t");
        const dump = run("fail2ban-client", ["-c", dir, "-d"]);
        ok(dump, "fail2ban-client -d");
        assert.match(dump.stdout, /\['add', 'sshd', 'systemd'\]/);
        assert.match(dump.stdout, /\['set', 'sshd', 'addaction', 'nftables-multiport'\]/);
      });

      test(`${host}: apt reads the update settings over Debian's defaults; reboot at the node's own hour`, (t) => {
        if (!requireTool(t, "apt-config") || !requireTool(t, "perl")) return;
        const dir = tempDir(t);
        const node = stackSpec(stack).nodes.find((n) => n.name === host)!;
        const aptFiles = files.filter((f) => f.path.startsWith("/etc/apt/apt.conf.d/"));
        for (const f of aptFiles) ok(run("apt-config", ["-c", write(dir, path.basename(f.path), f.content), "dump"]), `apt-config -c ${f.path}`);
        // Next to a default list that also allows plain updates, as unattended-upgrades ships it.
        const parts = path.join(dir, "parts");
        write(parts, "50unattended-upgrades", 'Unattended-Upgrade::Origins-Pattern {\n  "origin=Debian,codename=${distro_codename},label=Debian";\n};\n');
        for (const f of aptFiles) write(parts, path.basename(f.path), f.content);
        const aptConf = write(dir, "apt.conf", `Dir::Etc::Parts "${parts}";\n`);
        const dump = run("apt-config", ["dump"], { env: { ...process.env, APT_CONFIG: aptConf } });
        ok(dump, "apt-config dump");
        assert.match(dump.stdout, new RegExp(`^Unattended-Upgrade::Automatic-Reboot-Time "${node.rebootTime}";$`, "m"));
        assert.match(dump.stdout, /^APT::Periodic::Unattended-Upgrade "1";$/m);
        assert.match(dump.stdout, /^DPkg::Post-Invoke:: ".*shop-updates-status\.service/m);
        const origins = dump.stdout.split("\n").filter((l) => l.startsWith("Unattended-Upgrade::Origins-Pattern:: "));
        assert.ok(origins.length > 0 && origins.every((l) => l.includes("label=Debian-Security")), `security origins only:\n${origins.join("\n")}`);
        ok(run("perl", ["-c", write(dir, "needrestart.conf", fileAt(files, "/etc/needrestart/conf.d/50-shop.conf").content)]), "perl -c needrestart");
      });

      test(`${host}: needrestart, read over Debian's needrestart.conf as it reads it, leaves MariaDB and Redis to the reboot slot`, (t) => {
        const debian = "/etc/needrestart/needrestart.conf";
        if (!requireTool(t, "perl") || !requireTool(t, "needrestart")) return;
        const dir = tempDir(t);
        const ours = write(dir, "50-shop.conf", fileAt(files, "/etc/needrestart/conf.d/50-shop.conf").content);
        // needrestart evals its config (which evals conf.d), here then ours, and skips a unit when an override_rc
        // key matches it with value 0 (needrestart's own loop over the keys).
        const script = `our %nrconf; for my $f (@ARGV[0, 1]) { do $f; die "$f: $@" if $@; }
          print "restart=$nrconf{restart}\n";
          for my $u (@ARGV[2..$#ARGV]) { my $r = 1; for my $re (keys %{$nrconf{override_rc}}) { $r = $nrconf{override_rc}->{$re} if $u =~ /$re/; } print "$u $r\n"; }`;
        const units = ["mariadb.service", "redis-server.service", "redis-server@cache.service", `php${stackSpec(stack).os.php}-fpm.service`, "nginx.service"];
        const r = run("perl", ["-e", script, debian, ours, ...units]);
        ok(r, "perl reads needrestart's config");
        assert.deepEqual(r.stdout.trim().split("\n"), ["restart=a", "mariadb.service 0", "redis-server.service 0", "redis-server@cache.service 0", `php${stackSpec(stack).os.php}-fpm.service 1`, "nginx.service 1"]);
      });

      test(`${host}: a ruleset change reloads nftables (a restart flushes fail2ban's table), then restarts fail2ban`, () => {
        assert.deepEqual(fileAt(files, "/etc/nftables.conf").restarts, ["reload:nftables.service", "fail2ban.service"]);
      });
    }
  });
}
